package org.moma.runtime.train;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.moma.runtime.data.SequencePacker;
import org.moma.runtime.model.EarlyFusionModel;

/**
 * Checkpoints of a run: {@code checkpoints/step-NNNNNN/} holds the parameters, the optimizer
 * moments and {@code state.json} (step, loader position, FLOPs so far, vocabulary identity).
 *
 * <p>Written atomically: everything goes into a temporary folder that is renamed into place, and
 * only then does {@code checkpoints/latest} (itself replaced atomically) point at it. A kill at any
 * moment leaves the previous checkpoint readable and {@code latest} pointing at a complete one.
 */
public final class Checkpoints {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int KEEP = 2;

  /** What a checkpoint records besides tensors. */
  public record State(
      int step, SequencePacker.State loader, double cumulativeFlops, double elapsedSeconds,
      String vocabularyIdentity, int optimizerSteps) {}

  private Checkpoints() {}

  public static Path directory(Path run) {
    return run.resolve("checkpoints");
  }

  public static void save(Path run, State state, EarlyFusionModel model, AdamW optimizer) throws IOException {
    Path root = directory(run);
    Files.createDirectories(root);
    String name = String.format("step-%06d", state.step());
    Path tmp = Files.createTempDirectory(root, name + ".tmp-");
    try (DataOutputStream out = stream(tmp.resolve("model.params"))) {
      model.saveParameters(out);
    }
    try (DataOutputStream out = stream(tmp.resolve("optimizer.bin"))) {
      writeArrays(out, optimizer.firstMoments());
      writeArrays(out, optimizer.secondMoments());
    }
    JSON.writeValue(tmp.resolve("state.json").toFile(), state);
    Path target = root.resolve(name);
    if (Files.exists(target)) {
      deleteTree(target);
    }
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    Path pointer = Files.createTempFile(root, "latest", ".tmp");
    Files.writeString(pointer, name);
    Files.move(pointer, root.resolve("latest"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    prune(root, name);
  }

  /** The newest complete checkpoint of a run folder. */
  public static Path latest(Path run) throws IOException {
    Path pointer = directory(run).resolve("latest");
    if (!Files.isRegularFile(pointer)) {
      throw new IOException(run + " has no checkpoint (" + pointer + " is missing); was it run with this platform?");
    }
    Path dir = directory(run).resolve(Files.readString(pointer).trim());
    if (!Files.isRegularFile(dir.resolve("state.json"))) {
      throw new IOException(dir + ": incomplete checkpoint (state.json missing)");
    }
    return dir;
  }

  public static State readState(Path checkpoint) throws IOException {
    return JSON.readValue(checkpoint.resolve("state.json").toFile(), State.class);
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

  /** Loads parameters and optimizer moments into an initialized model and optimizer. */
  public static void restore(Path checkpoint, State state, EarlyFusionModel model, AdamW optimizer, NDManager manager)
      throws IOException {
    loadParameters(checkpoint, model, manager);
    try (DataInputStream in = input(checkpoint.resolve("optimizer.bin"))) {
      List<NDArray> first = readArrays(in, manager);
      List<NDArray> second = readArrays(in, manager);
      optimizer.restore(state.optimizerSteps(), first, second);
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

  private static DataOutputStream stream(Path p) throws IOException {
    return new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(p), 1 << 16));
  }

  private static DataInputStream input(Path p) throws IOException {
    return new DataInputStream(new BufferedInputStream(Files.newInputStream(p), 1 << 16));
  }

  private static void prune(Path root, String keepNewest) throws IOException {
    List<Path> complete;
    try (Stream<Path> dirs = Files.list(root)) {
      complete = dirs.filter(p -> p.getFileName().toString().matches("step-\\d{6}"))
          .sorted(Comparator.comparing(Path::toString)).toList();
    }
    for (int i = 0; i < complete.size() - KEEP; i++) {
      if (!complete.get(i).getFileName().toString().equals(keepNewest)) {
        deleteTree(complete.get(i));
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
