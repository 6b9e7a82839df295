package org.moma.schedules;

import java.util.List;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.train.Schedule;
import org.moma.api.train.ScheduleContext;
import org.moma.api.train.SchedulePlugin;
import org.osgi.service.component.annotations.Component;

/**
 * The learning-rate schedules of this bundle. Each warms up linearly over {@code warmupSteps} to
 * the peak ({@code training.learningRate}), then goes its own way to {@code minLrRatio × peak}.
 */
public final class SchedulePlugins {
  private SchedulePlugins() {}

  /** Progress in [0, 1] of {@code step} through {@code steps} steps that start at {@code from}. */
  static double progress(int step, int from, int steps) {
    return Math.min(1.0, Math.max(0.0, (double) (step - from) / Math.max(1, steps - 1)));
  }

  /** {@code warmup-linear}: linear warm-up, then linear decay to the floor at the last step (paper §4.1; the default). */
  @Component(service = SchedulePlugin.class, property = MomaPlugin.NAME_PROPERTY + "=warmup-linear")
  public static final class WarmupLinear implements SchedulePlugin {
    @Override
    public String name() {
      return "warmup-linear";
    }

    @Override
    public String description() {
      return "linear warm-up, then linear decay to minLrRatio of the peak at the last step (paper 4.1; default)";
    }

    @Override
    public List<OptionSpec> options() {
      return List.of();
    }

    @Override
    public Schedule create(ScheduleContext c, Options options) {
      int decaySteps = Math.max(1, c.steps() - c.warmupSteps() - 1);
      return step -> c.warmingUp(step) ? c.warmup(step)
          : c.peak() * (1.0 - (1.0 - c.minLrRatio()) * Math.min(1.0, (double) (step - c.warmupSteps()) / decaySteps));
    }
  }

  /** {@code cosine}: linear warm-up, then half a cosine down to the floor at the last step. */
  @Component(service = SchedulePlugin.class, property = MomaPlugin.NAME_PROPERTY + "=cosine")
  public static final class Cosine implements SchedulePlugin {
    @Override
    public String name() {
      return "cosine";
    }

    @Override
    public String description() {
      return "linear warm-up, then cosine decay to minLrRatio of the peak at the last step";
    }

    @Override
    public List<OptionSpec> options() {
      return List.of();
    }

    @Override
    public Schedule create(ScheduleContext c, Options options) {
      double floor = c.minLrRatio() * c.peak();
      return step -> c.warmingUp(step) ? c.warmup(step)
          : floor + (c.peak() - floor) * 0.5 * (1 + Math.cos(Math.PI * progress(step, c.warmupSteps(), c.steps() - c.warmupSteps())));
    }
  }

  /** {@code constant}: linear warm-up, then the peak to the end. */
  @Component(service = SchedulePlugin.class, property = MomaPlugin.NAME_PROPERTY + "=constant")
  public static final class Constant implements SchedulePlugin {
    @Override
    public String name() {
      return "constant";
    }

    @Override
    public String description() {
      return "linear warm-up, then the peak to the end";
    }

    @Override
    public List<OptionSpec> options() {
      return List.of();
    }

    @Override
    public Schedule create(ScheduleContext c, Options options) {
      return step -> c.warmingUp(step) ? c.warmup(step) : c.peak();
    }
  }

  /**
   * {@code wsd}: warm-up, a stable phase at the peak, then a decay over the last {@code decay}
   * share of the steps to the floor (Hu et al. 2024, MiniCPM), linear or by a cosine.
   */
  @Component(service = SchedulePlugin.class, property = MomaPlugin.NAME_PROPERTY + "=wsd")
  public static final class WarmupStableDecay implements SchedulePlugin {
    private static final List<OptionSpec> OPTIONS = List.of(
        OptionSpec.number("decay", 0.2, "share of the run's steps spent decaying, at the end"),
        OptionSpec.string("shape", "linear", "how it decays: linear or cosine"));

    @Override
    public String name() {
      return "wsd";
    }

    @Override
    public String description() {
      return "warm-up, stable at the peak, then decay over the last share of the steps to minLrRatio of the peak";
    }

    @Override
    public List<OptionSpec> options() {
      return OPTIONS;
    }

    @Override
    public Schedule create(ScheduleContext c, Options options) {
      double share = options.getDouble("decay");
      if (!(share > 0 && share <= 1)) {
        throw new SpecException(options.path() + ".decay", "must be in (0, 1], found " + share);
      }
      String shape = options.getString("shape");
      if (!shape.equals("linear") && !shape.equals("cosine")) {
        throw new SpecException(options.path() + ".shape", "must be linear or cosine, found '" + shape + "'");
      }
      int decaySteps = Math.max(1, (int) Math.round(share * c.steps()));
      int decayFrom = Math.max(c.warmupSteps(), c.steps() - decaySteps);
      double floor = c.minLrRatio() * c.peak();
      return step -> {
        if (c.warmingUp(step)) {
          return c.warmup(step);
        }
        if (step < decayFrom) {
          return c.peak();
        }
        double p = progress(step, decayFrom, c.steps() - decayFrom);
        double fall = shape.equals("cosine") ? 0.5 * (1 - Math.cos(Math.PI * p)) : p;
        return c.peak() - (c.peak() - floor) * fall;
      };
    }
  }
}
