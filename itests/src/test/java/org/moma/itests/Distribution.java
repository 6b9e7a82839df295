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
