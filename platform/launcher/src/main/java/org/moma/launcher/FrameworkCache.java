package org.moma.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Felix's bundle cache, one per process so that concurrent commands never share it: a folder
 * {@code var/felix/pid-N-…} of the distribution, removed when the JVM exits (also on Ctrl-C or
 * SIGTERM). Folders of processes that no longer live (killed with SIGKILL) are removed at the next
 * start. Nothing is left in /tmp.
 */
final class FrameworkCache {
  private static final Logger LOG = LoggerFactory.getLogger(FrameworkCache.class);

  private FrameworkCache() {}

  static Path create(Path home) throws IOException {
    Path root = home.resolve("var").resolve("felix");
    if (!writable(root)) {
      // a read-only installation: the system's temporary folder, still removed on exit
      root = Path.of(System.getProperty("java.io.tmpdir"), "moma-felix-" + System.getProperty("user.name", "user"));
      Files.createDirectories(root);
    }
    removeAbandoned(root);
    Path cache = Files.createTempDirectory(root, "pid-" + ProcessHandle.current().pid() + "-");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(cache), "moma-cache-cleanup"));
    // JNA (the MPI binding) unpacks its native stub here rather than in /tmp
    if (System.getProperty("jna.tmpdir") == null) {
      System.setProperty("jna.tmpdir", cache.resolve("jna").toString());
    }
    return cache;
  }

  private static boolean writable(Path root) {
    try {
      Files.createDirectories(root);
      return Files.isWritable(root);
    } catch (IOException e) {
      return false;
    }
  }

  /** Removes the caches of processes that are gone. */
  static void removeAbandoned(Path root) {
    try (Stream<Path> caches = Files.list(root)) {
      for (Path cache : caches.toList()) {
        String name = cache.getFileName().toString();
        if (!name.matches("pid-\\d+-.*")) {
          continue;
        }
        long pid = Long.parseLong(name.substring(4, name.indexOf('-', 4)));
        if (ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)) {
          deleteTree(cache);
        }
      }
    } catch (IOException e) {
      LOG.debug("cannot list {}", root, e);
    }
  }

  static void deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // already gone, or going with the process
    }
  }
}
