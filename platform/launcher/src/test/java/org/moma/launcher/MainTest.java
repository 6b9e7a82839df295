package org.moma.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** How many libtorch threads a process takes: its share of this machine's cores. */
class MainTest {
  @Test
  void aProcessAloneTakesEveryCoreAndRanksShareThem() {
    int cores = Runtime.getRuntime().availableProcessors();
    assertEquals(cores, Main.intraOpThreads(Main.ranksOnThisMachine(Map.of())));
    assertEquals(Math.max(1, cores / 2), Main.intraOpThreads(Main.ranksOnThisMachine(Map.of("OMPI_COMM_WORLD_LOCAL_SIZE", "2"))));
    assertEquals(Math.max(1, cores / 4), Main.intraOpThreads(Main.ranksOnThisMachine(Map.of("SLURM_NTASKS_PER_NODE", "4"))));
    assertEquals(1, Main.intraOpThreads(Main.ranksOnThisMachine(Map.of("OMPI_COMM_WORLD_LOCAL_SIZE", String.valueOf(4 * cores)))),
        "never below one");
  }

  @Test
  void localRanksComeFromTheLauncher() {
    assertEquals(2, Main.ranksOnThisMachine(Map.of("OMPI_COMM_WORLD_LOCAL_SIZE", "2")));
    assertEquals(4, Main.ranksOnThisMachine(Map.of("SLURM_TASKS_PER_NODE", "4(x2)")), "srun -n without --ntasks-per-node");
    assertEquals(1, Main.ranksOnThisMachine(Map.of()));
  }

  @Test
  void onlyTheConsoleCommandInstallsTheHttpBundles(@org.junit.jupiter.api.io.TempDir java.nio.file.Path home) throws Exception {
    java.nio.file.Path bundles = java.nio.file.Files.createDirectories(home.resolve("bundle/console"));
    java.nio.file.Files.writeString(home.resolve("bundle/a.jar"), "");
    java.nio.file.Files.writeString(home.resolve("bundle/org.apache.felix.gogo.shell-1.1.4.jar"), "");
    java.nio.file.Files.writeString(bundles.resolve("org.apache.felix.http.jetty12-1.1.0.jar"), "");
    assertEquals(java.util.List.of(home.resolve("bundle/a.jar")), Main.bundleJars(home.resolve("bundle"), false),
        "a command other than shell and console gets neither the shell nor the HTTP server");
    assertEquals(1, Main.bundleJars(bundles, false).size());
    java.util.Map<String, String> config = Main.frameworkConfig(home, false);
    assertEquals(null, config.get("org.apache.felix.http.enable"));
  }
}
