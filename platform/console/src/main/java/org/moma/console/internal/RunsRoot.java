package org.moma.console.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The runs folder the console serves, and the only way a request's name becomes a path: a run is a
 * plain folder directly inside it, named with letters, digits, '.', '_' and '-' (not starting with
 * '.'); a file of a run is one of a few known names. Anything else, a symbolic link included, is
 * not found: a request can never read outside the folder.
 */
public final class RunsRoot {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
  /** The files of a run a page may fetch: the report and its pictures, the spec, the summary, evaluation results. */
  private static final Pattern FILE =
      Pattern.compile("(report\\.html|spec\\.json|summary\\.json|[A-Za-z0-9_-]{1,64}\\.png|eval/[A-Za-z0-9_.-]{1,96}\\.(png|json|svg))");

  private final Path root;

  public RunsRoot(Path root) throws IOException {
    Files.createDirectories(root);
    this.root = root.toRealPath();
  }

  public Path path() {
    return root;
  }

  /** Whether a run name is one the console accepts (in a URL or from a spec). */
  public static boolean validName(String name) {
    return name != null && NAME.matcher(name).matches() && !name.contains("..");
  }

  /** The run folders, by name; dot folders (the console's own) and links are not runs. */
  public List<Path> runs() throws IOException {
    List<Path> runs = new ArrayList<>();
    try (Stream<Path> entries = Files.list(root)) {
      entries.filter(p -> validName(p.getFileName().toString()))
          .filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
          .sorted()
          .forEach(runs::add);
    }
    return runs;
  }

  /** The folder of the run {@code name}, when it is one. */
  public Optional<Path> run(String name) {
    if (!validName(name)) {
      return Optional.empty();
    }
    Path dir = root.resolve(name);
    return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) ? Optional.of(dir) : Optional.empty();
  }

  /** Where a new run named {@code name} would go (it may not exist yet). */
  public Path newRun(String name) {
    if (!validName(name)) {
      throw new IllegalArgumentException("not a run name: " + name);
    }
    return root.resolve(name);
  }

  /** A known file of a run, when it exists as a plain file inside the run folder. */
  public Optional<Path> file(Path run, String relative) {
    if (relative == null || !FILE.matcher(relative).matches()) {
      return Optional.empty();
    }
    Path file = run.resolve(relative).normalize();
    if (!file.startsWith(run)) {
      return Optional.empty();
    }
    for (Path p = file; !p.equals(run); p = p.getParent()) {
      if (Files.isSymbolicLink(p)) {
        return Optional.empty();
      }
    }
    return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) ? Optional.of(file) : Optional.empty();
  }

  /** The console's own folder inside the runs folder: the specs it was given and its runs' output. */
  public Path own() throws IOException {
    return Files.createDirectories(root.resolve(".console"));
  }
}
