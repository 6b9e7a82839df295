package org.moma.runtime.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {
  @Test
  void warmsUpLinearlyThenDecaysToOnePercent() {
    LearningRateSchedule s = new LearningRateSchedule(1e-3, 10, 110, 0.01);
    assertEquals(1e-4, s.at(0), 1e-12);
    assertEquals(5e-4, s.at(4), 1e-12);
    assertEquals(1e-3, s.at(10), 1e-12);
    assertEquals(1e-5, s.at(109), 1e-12);
    for (int step = 11; step < 110; step++) {
      assertTrue(s.at(step) < s.at(step - 1), "not decreasing at " + step);
    }
  }

  @Test
  void noWarmupStartsAtThePeak() {
    LearningRateSchedule s = new LearningRateSchedule(2.0, 0, 3, 0.5);
    assertEquals(2.0, s.at(0), 1e-12);
    assertEquals(1.0, s.at(2), 1e-12);
  }
}
