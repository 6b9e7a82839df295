package org.moma.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SeedStatisticsTest {
  @Test
  void meanAndStudentTIntervalOfThreeSeeds() {
    SeedStatistics s = SeedStatistics.of(1.0, 2.0, 3.0);
    assertEquals(2.0, s.mean(), 1e-12);
    // sd 1, n 3: t(0.975, 2) · 1/√3
    assertEquals(4.303 / Math.sqrt(3), s.halfWidth(), 1e-9);
    assertEquals("2.00 ± 2.48", s.format(2));
    assertEquals(0, s.sign(), "[-0.48, 4.48] holds 0");
  }

  @Test
  void pairedDifferencesSettleASignTheRawIntervalsDoNot() {
    double[] dense = {2.50, 2.70, 2.40};
    double[] sparse = {2.45, 2.66, 2.34}; // lower on every seed by about 0.05
    SeedStatistics rawDense = SeedStatistics.of(dense);
    SeedStatistics rawSparse = SeedStatistics.of(sparse);
    assertTrue(rawSparse.mean() + rawSparse.halfWidth() > rawDense.mean() - rawDense.halfWidth(), "raw intervals overlap");
    SeedStatistics d = SeedStatistics.paired(sparse, dense);
    assertEquals(-0.05, d.mean(), 1e-9);
    assertEquals(-1, d.sign(), "paired by seed, the sparse run is lower: " + d.format(3));
  }

  @Test
  void oneValueHasNoIntervalAndNoneHasNoMean() {
    assertEquals("1.500", SeedStatistics.of(1.5).format(3));
    assertEquals(0, SeedStatistics.of(1.5).sign());
    assertEquals("–", SeedStatistics.of(Double.NaN).format(3));
  }
}
