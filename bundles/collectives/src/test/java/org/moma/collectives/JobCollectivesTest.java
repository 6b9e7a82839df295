package org.moma.collectives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which processes are ranks, as the launchers say (how many share a machine: the launcher's MainTest). */
class JobCollectivesTest {
  @Test
  void aProcessIsARankWhenMpirunOrSrunStartedIt() {
    assertTrue(JobCollectives.isRank(Map.of("OMPI_COMM_WORLD_SIZE", "2")));
    assertTrue(JobCollectives.isRank(Map.of("PMIX_RANK", "0", "SLURM_NTASKS", "2")));
    assertFalse(JobCollectives.isRank(Map.of("SLURM_JOB_ID", "7")), "inside an allocation but not launched as a rank");
    assertEquals(1, new JobCollectives(Map.of()).size());
  }
}
