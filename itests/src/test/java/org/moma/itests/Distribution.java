package org.moma.itests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Where the built distribution is (failsafe passes {@code moma.dist}) and what it contains. */
final class Distribution {
  private Distribution() {}

  static Path home() {
    Path home = Path.of(System.getProperty("moma.dist", "../distribution/target/moma")).toAbsolutePath().normalize();
    if (!Files.isDirectory(home.resolve("bundle"))) {
      throw new IllegalStateException("no distribution at " + home + ": build it with mvn package first");
    }
    return home;
  }

  /** The example router project's bundle (examples/custom-router), built by the reactor. */
  static Path exampleRouter() {
    Path target = Path.of(System.getProperty("moma.example.dir", "../examples/custom-router/target")).toAbsolutePath().normalize();
    try (Stream<Path> files = Files.list(target)) {
      return files.filter(p -> p.getFileName().toString().matches("moma-tempered-router-.*\\.jar")).findFirst()
          .orElseThrow(() -> new IllegalStateException("build examples/custom-router first (no jar in " + target + ")"));
    } catch (IOException e) {
      throw new IllegalStateException("build examples/custom-router first: " + e.getMessage());
    }
  }

  /** The example optimizer project's bundle (examples/custom-optimizer), built by the reactor. */
  static Path exampleOptimizer() {
    Path target = Path.of(System.getProperty("moma.example.optimizer.dir", "../examples/custom-optimizer/target")).toAbsolutePath().normalize();
    try (Stream<Path> files = Files.list(target)) {
      return files.filter(p -> p.getFileName().toString().matches("moma-signum-optimizer-.*\\.jar")).findFirst()
          .orElseThrow(() -> new IllegalStateException("build examples/custom-optimizer first (no jar in " + target + ")"));
    } catch (IOException e) {
      throw new IllegalStateException("build examples/custom-optimizer first: " + e.getMessage());
    }
  }

  /**
   * A distribution of its own in {@code home} (its scripts and configuration copied, its jars
   * linked), for a test that adds or breaks bundles without touching the shared one.
   */
  static Path copy(Path home) throws IOException {
    Path source = home();
    for (String dir : List.of("bin", "lib", "bundle", "conf", "plugins")) {
      Files.createDirectories(home.resolve(dir));
      try (Stream<Path> files = Files.list(source.resolve(dir))) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Path target = home.resolve(dir).resolve(f.getFileName());
          if (dir.equals("bin") || dir.equals("conf") && Files.isRegularFile(f)) {
            Files.copy(f, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
          } else if (!Files.isDirectory(f)) {
            Files.createSymbolicLink(target, f);
          } else if (dir.equals("bundle")) { // bundle/console: the bundles moma console adds
            Files.createDirectories(target);
            try (Stream<Path> inner = Files.list(f)) {
              for (Path jar : (Iterable<Path>) inner::iterator) {
                Files.createSymbolicLink(target.resolve(jar.getFileName()), jar);
              }
            }
          }
        }
      }
    }
    return home;
  }

  /** The bundles bin/moma installs for a command (the Gogo shell only for 'moma shell'). */
  static List<Path> bundles() {
    try (Stream<Path> files = Files.list(home().resolve("bundle"))) {
      return files
          .filter(p -> p.toString().endsWith(".jar"))
          .filter(p -> !p.getFileName().toString().contains("gogo.shell"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
