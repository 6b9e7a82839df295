package org.moma.eval.speedup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SpeedupTest {
  @Test
  void interpolatesTheDenseCurve() {
    double[] flops = {1, 2, 3, 4};
    double[] loss = {4, 3, 2, 1};
    assertEquals(2.5, SpeedupEvaluator.flopsToReach(flops, loss, 2.5), 1e-12);
    assertEquals(1, SpeedupEvaluator.flopsToReach(flops, loss, 5), 1e-12);
    assertTrue(Double.isNaN(SpeedupEvaluator.flopsToReach(flops, loss, 0.5)), "must say it cannot interpolate");
  }

  @Test
  void smoothingIsATrailingMovingAverage() {
    assertArrayEquals(new double[] {1, 1.5, 2.5, 3.5}, SpeedupEvaluator.smooth(new double[] {1, 2, 3, 4}, 2), 1e-12);
  }
}
