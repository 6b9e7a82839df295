package org.moma.runs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Folder helpers the commands share. */
public final class Folders {
  private Folders() {}

  /** Deletes a folder and everything in it; a missing folder is fine. */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** {@code dir} if it is absent or empty, else the first absent or empty {@code dir-2}, {@code dir-3} … */
  public static Path freshSibling(Path dir) throws IOException {
    Path candidate = dir;
    for (int i = 2; !isAbsentOrEmpty(candidate); i++) {
      candidate = dir.resolveSibling(dir.getFileName() + "-" + i);
    }
    return candidate;
  }

  private static boolean isAbsentOrEmpty(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return true;
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    }
  }
}
