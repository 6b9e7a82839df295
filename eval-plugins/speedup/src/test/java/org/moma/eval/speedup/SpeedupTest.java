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

  /** Loss 10/(1 + a·f) at FLOPs f = 1..n: a larger {@code a} learns faster per FLOP. */
  private static double[][] curve(double a, int n) {
    double[][] fl = new double[2][n];
    for (int i = 0; i < n; i++) {
      fl[0][i] = i + 1;
      fl[1][i] = 10 / (1 + a * (i + 1));
    }
    return fl;
  }

  @Test
  void aSparseRunTwiceAsEfficientPerFlopHasEtaTwo() {
    double[][] dense = curve(1, 100);
    double[][] sparse = curve(2, 100);
    // the sparse curve reaches dense's final loss 10/101 at f = 50: eta = 100 / 50
    var m = SpeedupEvaluator.eta("eta", dense[0], dense[1], sparse[0], sparse[1]);
    assertEquals(2.0, (double) m.get("eta"), 1e-9);
    assertTrue(!m.containsKey("eta.bound"), "not a bound: " + m);
  }

  @Test
  void aSparseRunHalfAsEfficientHasEtaOneHalf() {
    double[][] dense = curve(1, 100);
    double[][] sparse = curve(0.5, 100);
    // sparse ends at 10/51, which dense reaches at f = 50 of the sparse run's 100
    assertEquals(0.5, (double) SpeedupEvaluator.eta("eta", dense[0], dense[1], sparse[0], sparse[1]).get("eta"), 1e-9);
  }
}
