package org.moma.runs;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * A run folder held by this process: an exclusive lock on {@code RUN/.lock} (the holder's pid and
 * host inside, for the error another process gets), released when closed or when the process dies,
 * even by SIGKILL. Nothing writes into a run folder without holding it.
 */
public final class RunFolder implements AutoCloseable {
  /** Files whose presence means the folder already holds a run. */
  private static final List<String> RUN_FILES = List.of("spec.json", "metrics.jsonl", "checkpoints", "summary.json");
  static final String LOCK = ".lock";

  private final Path dir;
  private final FileChannel channel;
  private final FileLock lock;

  private RunFolder(Path dir, FileChannel channel, FileLock lock) {
    this.dir = dir;
    this.channel = channel;
    this.lock = lock;
  }

  public Path path() {
    return dir;
  }

  /** True when {@code dir} already holds (part of) a run. */
  public static boolean holdsRun(Path dir) {
    return RUN_FILES.stream().anyMatch(f -> Files.exists(dir.resolve(f)));
  }

  /** The first of {@code dir}, {@code dir-2}, {@code dir-3} … that holds no run. */
  public static Path nextFree(Path dir) {
    Path candidate = dir;
    for (int i = 2; holdsRun(candidate) || Files.exists(candidate.resolve(LOCK)); i++) {
      candidate = dir.resolveSibling(dir.getFileName() + "-" + i);
    }
    return candidate;
  }

  /** Refuses a folder that already holds a run, saying how to continue it instead. */
  public static void requireNoRun(Path dir) {
    if (holdsRun(dir)) {
      throw new IllegalArgumentException(dir + " already holds a run: continue it with 'moma run --resume " + dir
          + "' or choose another --output");
    }
  }

  /** Takes a new run folder; one that already holds a run is refused and left untouched. */
  public static RunFolder create(Path dir) {
    requireNoRun(dir);
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new IllegalArgumentException(dir + " is a file, not a run folder: choose another --output");
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IllegalArgumentException(dir + ": cannot create the run folder: " + e.getMessage(), e);
    }
    RunFolder held = lock(dir);
    if (holdsRun(dir)) { // another process took it between the check and the lock
      held.close();
      throw new IllegalArgumentException(dir + " already holds a run: continue it with 'moma run --resume " + dir + "'");
    }
    return held;
  }

  /** Takes an existing run folder to continue it; stale temporary checkpoint folders of a killed writer are removed. */
  public static RunFolder open(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(dir + ": no such run folder");
    }
    if (!Files.isRegularFile(dir.resolve("spec.json"))) {
      throw new IllegalArgumentException(dir + " is not a run folder (it has no spec.json; 'moma run' writes one)");
    }
    RunFolder held = lock(dir);
    try {
      Checkpoints.removeStaleTemporaries(dir);
    } catch (IOException e) {
      held.close();
      throw new IllegalStateException(dir + ": cannot remove stale temporary checkpoints: " + e.getMessage(), e);
    }
    return held;
  }

  private static RunFolder lock(Path dir) {
    Path file = dir.resolve(LOCK);
    FileChannel channel = null;
    try {
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null; // held by this very process (another run in the shell)
      }
      if (lock == null) {
        String holder = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim();
        channel.close();
        throw new IllegalArgumentException(dir + " is in use by another moma process"
            + (holder.isEmpty() ? "" : " (" + holder + ")") + ": wait for it to end, or choose another folder");
      }
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + " on " + host() + "\n").getBytes(StandardCharsets.UTF_8)));
      channel.force(true);
      return new RunFolder(dir, channel, lock);
    } catch (IOException e) {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException ignored) {
          // the lock error below is what matters
        }
      }
      throw new IllegalArgumentException(dir + ": cannot lock the run folder: " + e.getMessage(), e);
    }
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "this host";
    }
  }

  /**
   * The pid of the process that took the run's lock, when it was taken on this machine: what a
   * console signals to stop a run. The lock may since have been dropped: ask {@link RunStatus} whether
   * the run is running.
   */
  public static java.util.Optional<Long> localHolder(Path dir) throws IOException {
    Path lock = dir.resolve(LOCK);
    if (!Files.isRegularFile(lock)) {
      return java.util.Optional.empty();
    }
    String[] words = Files.readString(lock, StandardCharsets.UTF_8).strip().split(" ", 4); // pid N on HOST
    if (words.length < 4 || !words[0].equals("pid") || !words[3].equals(host()) || !words[1].matches("\\d{1,18}")) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(Long.parseLong(words[1]));
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      // the process ends or moves on; the OS drops the lock with the channel
    }
  }
}
