package org.moma.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** How many libtorch threads a process takes: its share of this machine's cores. */
class MainTest {
  @Test
  void aProcessAloneTakesEveryCoreAndRanksShareThem() {
    int cores = Runtime.getRuntime().availableProcessors();
    assertEquals(cores, Main.intraOpThreads(Map.of()));
    assertEquals(Math.max(1, cores / 2), Main.intraOpThreads(Map.of("OMPI_COMM_WORLD_LOCAL_SIZE", "2")));
    assertEquals(Math.max(1, cores / 4), Main.intraOpThreads(Map.of("SLURM_NTASKS_PER_NODE", "4")));
    assertEquals(1, Main.intraOpThreads(Map.of("OMPI_COMM_WORLD_LOCAL_SIZE", String.valueOf(4 * cores))), "never below one");
  }
}
