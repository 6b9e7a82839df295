package org.moma.collectives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which processes are ranks, and how many share a machine, as the launchers say. */
class JobCollectivesTest {
  @Test
  void aProcessIsARankWhenMpirunOrSrunStartedIt() {
    assertTrue(JobCollectives.isRank(Map.of("OMPI_COMM_WORLD_SIZE", "2")));
    assertTrue(JobCollectives.isRank(Map.of("PMIX_RANK", "0", "SLURM_NTASKS", "2")));
    assertFalse(JobCollectives.isRank(Map.of("SLURM_JOB_ID", "7")), "inside an allocation but not launched as a rank");
    assertEquals(1, new JobCollectives(Map.of()).size());
  }

  @Test
  void localRanksComeFromTheLauncher() {
    assertEquals(2, JobCollectives.localSize(Map.of("OMPI_COMM_WORLD_LOCAL_SIZE", "2")));
    assertEquals(4, JobCollectives.localSize(Map.of("SLURM_TASKS_PER_NODE", "4(x2)")));
    assertEquals(1, JobCollectives.localSize(Map.of()));
  }
}
