package org.moma.runs;


import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import org.moma.api.train.Optimizer;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.moma.data.packing.SequencePacker;
import org.moma.model.EarlyFusionModel;

/**
 * Checkpoints of a run: {@code checkpoints/step-NNNNNN/} holds the parameters, the optimizer
 * moments, {@code state.json} (step, loader position, FLOPs so far, vocabulary identity) and
 * {@code manifest.json} (size and CRC-32C of each of them).
 *
 * <p>Written durably and atomically: everything goes into a temporary folder whose files and
 * folder are fsynced before it is renamed into place, and only then does {@code checkpoints/latest}
 * (itself replaced atomically) point at it. A kill or power loss at any moment leaves the previous
 * checkpoint intact. A resume verifies the manifest and falls back to the older checkpoint when the
 * newest is damaged.
 */
public final class Checkpoints {
  private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int KEEP = 2;
  private static final String MANIFEST = "manifest.json";
  private static final List<String> FILES = List.of("model.params", "optimizer.bin", "state.json");

  /**
   * What a checkpoint records besides tensors; {@code metricsLine} is its step's line of
   * {@code metrics.jsonl}, which is written after the checkpoint (absent in older checkpoints);
   * {@code lossScale} is fp16's loss scale with its count of steps since the last change (absent
   * for fp32).
   */
  public record State(
      int step, SequencePacker.State loader, double cumulativeFlops, double elapsedSeconds,
      String vocabularyIdentity, int optimizerSteps, String metricsLine, LossScaleState lossScale, String optimizer) {
    /** The optimizer that wrote {@code optimizer.bin}: adamw for checkpoints from before optimizers were plugins. */
    public String optimizerName() {
      return optimizer == null ? "adamw" : optimizer;
    }
  }

  /** fp16's dynamic loss scale and its steps since the last change, so a resume scales as the uninterrupted run. */
  public record LossScaleState(double scale, int goodSteps) {}

  /** One file of a checkpoint as its manifest records it. */
  public record Entry(long bytes, String crc32c) {}

  /** The checkpoint a resume continues from, or none when the run stopped before its first. */
  public record Resumable(Path checkpoint, State state) {}

  private Checkpoints() {}

  public static Path directory(Path run) {
    return run.resolve("checkpoints");
  }

  public static void save(Path run, State state, EarlyFusionModel model, Optimizer optimizer) throws IOException {
    Path root = directory(run);
    Files.createDirectories(root);
    String name = String.format("step-%06d", state.step());
    Path tmp = Files.createTempDirectory(root, name + ".tmp-");
    Map<String, Entry> manifest = new TreeMap<>();
    manifest.put("model.params", write(tmp.resolve("model.params"), model::saveParameters));
    manifest.put("optimizer.bin", write(tmp.resolve("optimizer.bin"), out -> {
      for (List<NDArray> group : optimizer.state()) {
        writeArrays(out, group); // AdamW: first moments, then second moments
      }
    }));
    manifest.put("state.json", write(tmp.resolve("state.json"), out -> out.write(JSON.writeValueAsBytes(state))));
    write(tmp.resolve(MANIFEST), out -> out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(Map.of("files", manifest))));
    fsync(tmp);
    Path target = root.resolve(name);
    if (Files.exists(target)) {
      org.moma.runs.Folders.deleteTree(target); // a damaged copy that a resume fell back past
    }
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    fsync(root);
    Path pointer = root.resolve("latest.tmp-" + ProcessHandle.current().pid());
    write(pointer, out -> out.write(name.getBytes(StandardCharsets.UTF_8)));
    Files.move(pointer, root.resolve("latest"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    fsync(root);
    prune(root, name);
  }

  /**
   * The newest intact checkpoint of a run folder, or null when it has none yet. A damaged newer one
   * is skipped with a warning that names it; none intact is an error (bad input: exit 2) that names
   * the newest and its damage.
   */
  public static Resumable resumable(Path run) throws IOException {
    List<Path> complete = complete(directory(run));
    if (complete.isEmpty()) {
      return null;
    }
    String newestDamage = null;
    for (int i = complete.size() - 1; i >= 0; i--) {
      Path dir = complete.get(i);
      String damage = damage(dir);
      if (damage == null) {
        State state = readState(dir);
        if (newestDamage != null) {
          LOG.warn("checkpoint {} is damaged ({}); falling back to the older intact checkpoint {}",
              complete.get(complete.size() - 1).getFileName(), newestDamage, dir.getFileName());
        }
        return new Resumable(dir, state);
      }
      newestDamage = newestDamage == null ? damage : newestDamage;
    }
    throw new IllegalArgumentException("checkpoint " + complete.get(complete.size() - 1) + " is damaged (" + newestDamage
        + ") and no older intact checkpoint is left");
  }

  /** The newest intact checkpoint (for evaluation and upcycling), or an error naming what is wrong. */
  public static Path latest(Path run) throws IOException {
    Resumable r = resumable(run);
    if (r == null) {
      throw new IOException(run + " has no checkpoint (" + directory(run) + " holds none); was it run with this platform?");
    }
    return r.checkpoint();
  }

  /** Why a checkpoint folder cannot be used, or null when its manifest verifies. */
  public static String damage(Path dir) {
    Path manifestFile = dir.resolve(MANIFEST);
    if (!Files.isRegularFile(manifestFile)) {
      // written before checkpoints carried a manifest: usable when every file is there
      for (String f : FILES) {
        if (!Files.isRegularFile(dir.resolve(f))) {
          return f + " is missing";
        }
      }
      return null;
    }
    Map<String, Entry> files;
    try {
      files = JSON.readValue(manifestFile.toFile(), Manifest.class).files();
    } catch (IOException e) {
      return MANIFEST + " is unreadable";
    }
    if (files == null || !files.keySet().containsAll(FILES)) {
      return MANIFEST + " does not list " + FILES;
    }
    for (Map.Entry<String, Entry> e : files.entrySet()) {
      Path f = dir.resolve(e.getKey());
      try {
        long bytes = Files.size(f);
        if (bytes != e.getValue().bytes()) {
          return e.getKey() + " has " + bytes + " bytes, the manifest says " + e.getValue().bytes();
        }
        if (!crc32c(f).equals(e.getValue().crc32c())) {
          return e.getKey() + " fails its checksum";
        }
      } catch (IOException missing) {
        return e.getKey() + " is missing or unreadable";
      }
    }
    return null;
  }

  /** The manifest file's shape. */
  record Manifest(Map<String, Entry> files) {}

  /** Removes {@code step-*.tmp-*} folders and pointer temporaries a killed writer left; call with the run folder held. */
  static void removeStaleTemporaries(Path run) throws IOException {
    Path root = directory(run);
    if (!Files.isDirectory(root)) {
      return;
    }
    try (Stream<Path> entries = Files.list(root)) {
      for (Path p : entries.filter(p -> p.getFileName().toString().contains(".tmp")).toList()) {
        LOG.info("removing {}, left by an interrupted checkpoint", p);
        org.moma.runs.Folders.deleteTree(p);
      }
    }
  }

  public static State readState(Path checkpoint) throws IOException {
    Path file = checkpoint.resolve("state.json");
    try {
      return JSON.readValue(file.toFile(), State.class);
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new IOException(file + ": not a checkpoint state (" + e.getOriginalMessage().replaceAll("\\s+", " ") + ")", e);
    }
  }

  /** Loads the parameters of a checkpoint into an initialized model. */
  public static void loadParameters(Path checkpoint, EarlyFusionModel model, NDManager manager) throws IOException {
    try (DataInputStream in = input(checkpoint.resolve("model.params"))) {
      model.loadParameters(manager, in);
      // loaded arrays are new tensors: they must be leaves that collect gradients again
      model.getParameters().values().forEach(p -> p.getArray().setRequiresGradient(true));
    } catch (MalformedModelException e) {
      throw new IOException(checkpoint + ": parameters do not fit this model: " + e.getMessage(), e);
    }
  }

  /**
   * Loads parameters and the optimizer's state into an initialized model and optimizer; a
   * checkpoint written by another optimizer is refused by name.
   *
   * @param optimizerName the spec's optimizer
   */
  public static void restore(Path checkpoint, State state, EarlyFusionModel model, Optimizer optimizer, String optimizerName,
      NDManager manager) throws IOException {
    if (!state.optimizerName().equals(optimizerName)) {
      throw new org.moma.api.SpecException("training.optimizer.name", checkpoint + " holds the state of optimizer '"
          + state.optimizerName() + "', not of '" + optimizerName + "'");
    }
    loadParameters(checkpoint, model, manager);
    try (DataInputStream in = input(checkpoint.resolve("optimizer.bin"))) {
      List<List<NDArray>> saved = new ArrayList<>();
      for (int g = 0; g < optimizer.state().size(); g++) {
        saved.add(readArrays(in, manager));
      }
      try {
        optimizer.restore(state.optimizerSteps(), saved);
      } catch (IllegalArgumentException e) {
        throw new IOException(checkpoint + ": optimizer state does not fit this model: " + e.getMessage(), e);
      }
    }
  }

  private static void writeArrays(DataOutputStream out, List<NDArray> arrays) throws IOException {
    out.writeInt(arrays.size());
    for (NDArray a : arrays) {
      byte[] bytes = a.encode();
      out.writeInt(bytes.length);
      out.write(bytes);
    }
  }

  private static List<NDArray> readArrays(DataInputStream in, NDManager manager) throws IOException {
    int n = in.readInt();
    List<NDArray> arrays = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      byte[] bytes = new byte[in.readInt()];
      in.readFully(bytes);
      arrays.add(NDArray.decode(manager, bytes));
    }
    return arrays;
  }

  /** What writes one checkpoint file. */
  private interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  /** Writes a file, fsyncs it, and returns its size and CRC-32C for the manifest. */
  private static Entry write(Path p, Writer writer) throws IOException {
    CRC32C crc = new CRC32C();
    try (FileChannel channel = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      DataOutputStream out = new DataOutputStream(new BufferedOutputStream(
          new CheckedOutputStream(Channels.newOutputStream(channel), crc), 1 << 16));
      writer.write(out);
      out.flush();
      channel.force(true);
      return new Entry(channel.size(), Long.toHexString(crc.getValue()));
    }
  }

  private static String crc32c(Path f) throws IOException {
    CRC32C crc = new CRC32C();
    try (InputStream in = new CheckedInputStream(Files.newInputStream(f), crc)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return Long.toHexString(crc.getValue());
  }

  /** Makes a folder's entries (new names, renames) durable. */
  private static void fsync(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  private static DataInputStream input(Path p) throws IOException {
    return new DataInputStream(new BufferedInputStream(Files.newInputStream(p), 1 << 16));
  }

  /** The renamed-into-place checkpoint folders, oldest first. */
  private static List<Path> complete(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> dirs = Files.list(root)) {
      return dirs.filter(p -> p.getFileName().toString().matches("step-\\d{6}") && Files.isDirectory(p))
          .sorted(Comparator.comparing(Path::toString)).toList();
    }
  }

  private static void prune(Path root, String keepNewest) throws IOException {
    List<Path> complete = complete(root);
    for (int i = 0; i < complete.size() - KEEP; i++) {
      if (!complete.get(i).getFileName().toString().equals(keepNewest)) {
        org.moma.runs.Folders.deleteTree(complete.get(i));
      }
    }
  }

}
