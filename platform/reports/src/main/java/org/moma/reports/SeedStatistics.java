package org.moma.reports;

import java.util.Arrays;
import java.util.Locale;

/**
 * A figure measured once per seed: its mean and the half-width of its 95% confidence interval
 * (Student's t with n − 1 degrees of freedom), and whether the interval settles its sign. Paired
 * comparisons (the same seed, so the same data order and initialisation) take the differences first.
 */
public record SeedStatistics(double mean, double halfWidth, int n) {
  /** Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom. */
  private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
    2.056, 2.052, 2.048, 2.045, 2.042};

  /** The statistics of the finite values; NaN mean when there are none, NaN half-width with one. */
  public static SeedStatistics of(double... values) {
    double[] v = Arrays.stream(values).filter(Double::isFinite).toArray();
    if (v.length == 0) {
      return new SeedStatistics(Double.NaN, Double.NaN, 0);
    }
    double mean = Arrays.stream(v).average().orElseThrow();
    if (v.length == 1) {
      return new SeedStatistics(mean, Double.NaN, 1);
    }
    double variance = Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / (v.length - 1);
    double t = v.length - 1 <= T975.length ? T975[v.length - 2] : 1.960;
    return new SeedStatistics(mean, t * Math.sqrt(variance / v.length), v.length);
  }

  /** Differences {@code a[i] − b[i]} seed by seed. */
  public static SeedStatistics paired(double[] a, double[] b) {
    double[] d = new double[Math.min(a.length, b.length)];
    for (int i = 0; i < d.length; i++) {
      d[i] = a[i] - b[i];
    }
    return of(d);
  }

  /** +1 when the whole interval is above 0, −1 when below, 0 when it holds 0 (or is unknown). */
  public int sign() {
    if (!Double.isFinite(halfWidth)) {
      return 0;
    }
    return mean - halfWidth > 0 ? 1 : mean + halfWidth < 0 ? -1 : 0;
  }

  /** "2.431 ± 0.012" ({@code digits} decimals), "–" without values, the mean alone with one. */
  public String format(int digits) {
    if (n == 0) {
      return "–";
    }
    String f = "%." + digits + "f";
    return Double.isFinite(halfWidth)
        ? String.format(Locale.ROOT, f + " ± " + f, mean, halfWidth)
        : String.format(Locale.ROOT, f, mean);
  }
}
