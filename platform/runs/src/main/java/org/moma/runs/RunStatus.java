package org.moma.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a run folder says about its run, read without disturbing it: a page of runs or a shell
 * listing shows it. A run is {@code running} while a process holds its lock, {@code finished} with
 * its summary, {@code failed} or {@code stopped} as its end marker says (both resumable from their
 * last checkpoint), and {@code killed} when its process vanished without a word (kill -9, a lost
 * node). A metrics file cut mid-line is shown as such; every line before it still counts.
 *
 * @param name the folder's name
 * @param state running, finished, failed, stopped, killed, or new (nothing trained yet)
 * @param step the last step logged (0 when none)
 * @param steps the run's steps (0 when the spec cannot be read)
 * @param loss the last step's loss, or NaN
 * @param lossText its text loss, or NaN
 * @param lossImage its image loss, or NaN
 * @param tokensPerSecond the last step's tokens/s, or NaN
 * @param etaSeconds seconds left at that speed while running, else NaN
 * @param reason why it ended, for failed and stopped runs; otherwise null
 * @param truncatedLine whether the metrics file ends with a cut line
 */
public record RunStatus(String name, String state, int step, int steps, double loss, double lossText, double lossImage,
    double tokensPerSecond, double etaSeconds, String reason, boolean truncatedLine) {

  /** The marker a run leaves when it ends without finishing but with a word: failed or stopped. */
  static final String ENDED = "ended.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Reads the status of the run in {@code dir}. */
  public static RunStatus read(Path dir) throws IOException {
    String name = dir.getFileName().toString();
    int steps = 0;
    if (Files.isRegularFile(dir.resolve("spec.json"))) {
      JsonNode training = JSON.readTree(dir.resolve("spec.json").toFile()).path("training");
      steps = training.path("steps").asInt(0);
    }
    LastLine found = new LastLine(null, false);
    Path metrics = dir.resolve("metrics.jsonl");
    if (Files.isRegularFile(metrics)) {
      // the last lines only: a page of a hundred long runs must not read every metrics file whole
      List<String> tail = tail(metrics, TAIL_BYTES);
      found = tail == null ? null : LastLine.of(tail);
      if (found == null || found.node() == null) { // a short file, or no whole line in its tail
        found = LastLine.of(Files.readAllLines(metrics, StandardCharsets.UTF_8));
      }
    }
    JsonNode last = found.node();
    boolean truncated = found.truncated();
    int step = last == null ? 0 : last.path("step").asInt(0);
    double tokensPerSecond = number(last, "tokensPerSecond");
    String state;
    String reason = null;
    JsonNode ended = Files.isRegularFile(dir.resolve(ENDED)) ? JSON.readTree(dir.resolve(ENDED).toFile()) : null;
    if (locked(dir)) {
      state = "running";
    } else if (Files.isRegularFile(dir.resolve("summary.json"))) {
      state = "finished";
    } else if (ended != null) {
      state = ended.path("state").asText("failed");
      reason = ended.path("reason").asText(null);
    } else {
      state = step == 0 && !Files.isDirectory(dir.resolve("checkpoints")) && !truncated ? "new" : "killed";
    }
    double eta = state.equals("running") && tokensPerSecond > 0 && last != null && steps > step
        ? (steps - step) * (last.path("textTokens").asDouble() + last.path("imageTokens").asDouble()) / tokensPerSecond
        : Double.NaN;
    return new RunStatus(name, state, step, steps, number(last, "loss"), number(last, "lossText"), number(last, "lossImage"),
        tokensPerSecond, eta, reason, truncated);
  }

  /** The last metrics line that parses (null: none), and whether the very last line was cut by a kill mid-write. */
  private record LastLine(JsonNode node, boolean truncated) {
    static LastLine of(List<String> lines) {
      boolean truncated = false;
      for (int i = lines.size() - 1; i >= 0; i--) {
        String line = lines.get(i).strip();
        if (line.isEmpty()) {
          continue;
        }
        try {
          return new LastLine(JSON.readTree(line), truncated);
        } catch (IOException e) {
          truncated |= i == lines.size() - 1; // the line before it stands
        }
      }
      return new LastLine(null, truncated);
    }
  }

  /** How much of a metrics file's end is read for its last line: many lines' worth. */
  static final int TAIL_BYTES = 64 * 1024;

  /** The lines in the last {@code bytes} of the file, the first (cut) one dropped; null when the file is not longer. */
  static List<String> tail(Path file, int bytes) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size <= bytes) {
        return null;
      }
      java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(bytes);
      while (buffer.hasRemaining() && channel.read(buffer, size - bytes + buffer.position()) > 0) {
        // read the whole tail
      }
      String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
      return List.of(text.substring(text.indexOf('\n') + 1).split("\n", -1));
    }
  }

  /**
   * Leaves the end marker of a run that stopped on request ({@code stopped}) or on an error
   * ({@code failed}) after {@code step}; written whole or not at all.
   */
  public static void recordEnd(Path dir, String state, int step, String reason) throws IOException {
    Map<String, Object> marker = new LinkedHashMap<>();
    marker.put("state", state);
    marker.put("step", step);
    marker.put("reason", reason);
    Path tmp = dir.resolve(ENDED + ".tmp");
    Files.writeString(tmp, JSON.writeValueAsString(marker) + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, dir.resolve(ENDED), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Removes the end marker: the run continues. */
  public static void clearEnd(Path dir) throws IOException {
    Files.deleteIfExists(dir.resolve(ENDED));
  }

  /** The fields by name for JSON, a figure not known (NaN) as null; the console's runs list serves the same. */
  public Map<String, Object> fields() {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("name", name);
    f.put("state", state);
    f.put("step", step);
    f.put("steps", steps);
    f.put("loss", known(loss));
    f.put("lossText", known(lossText));
    f.put("lossImage", known(lossImage));
    f.put("tokensPerSecond", known(tokensPerSecond));
    f.put("etaSeconds", known(etaSeconds));
    f.put("reason", reason);
    f.put("truncatedLine", truncatedLine);
    return f;
  }

  private static Double known(double v) {
    return Double.isNaN(v) ? null : v;
  }

  private static double number(JsonNode line, String field) {
    return line != null && line.path(field).isNumber() ? line.path(field).asDouble() : Double.NaN;
  }

  /**
   * Whether a process holds the folder's lock; the probe lock is dropped at once. Meant for another
   * process than the holder: on POSIX, closing the probe's channel in the holder's own JVM would
   * drop the holder's lock too.
   */
  private static boolean locked(Path dir) throws IOException {
    Path file = dir.resolve(RunFolder.LOCK);
    if (!Files.isRegularFile(file)) {
      return false;
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      FileLock probe = channel.tryLock();
      if (probe == null) {
        return true;
      }
      probe.release();
      return false;
    } catch (OverlappingFileLockException e) {
      return true; // held by this very process
    }
  }
}
