package org.moma.optimizers;

import java.util.List;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.train.Optimizer;
import org.moma.api.train.OptimizerContext;
import org.moma.api.train.OptimizerPlugin;
import org.osgi.service.component.annotations.Component;

/** The optimizer plugins of this bundle: {@code adamw}, {@code lion}, {@code sgd}. */
public final class OptimizerPlugins {
  private OptimizerPlugins() {}

  /** A decimal option whose default is a field of the spec's training section (NaN here: "that field"). */
  static double orTraining(Options options, String name, double training) {
    double v = options.getDouble(name);
    return Double.isNaN(v) ? training : v;
  }

  static double unit(Options options, String name, double value) {
    if (value < 0 || value >= 1) {
      throw new SpecException(options.path() + "." + name, "must be in [0, 1), found " + value);
    }
    return value;
  }

  /** {@code adamw}: the platform's default, what every spec without an optimizer gets. */
  @Component(service = OptimizerPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=adamw")
  public static final class AdamWPlugin implements OptimizerPlugin {
    private static final List<OptionSpec> OPTIONS = List.of(
        OptionSpec.number("beta1", Double.NaN, "first-moment decay (default: training.beta1)"),
        OptionSpec.number("beta2", Double.NaN, "second-moment decay (default: training.beta2)"),
        OptionSpec.number("weightDecay", Double.NaN, "decoupled weight decay on matrices (default: training.weightDecay)"));

    @Override
    public String name() {
      return "adamw";
    }

    @Override
    public String description() {
      return "AdamW, decoupled weight decay on matrices; one fused pass over each CPU tensor's memory (default)";
    }

    @Override
    public List<OptionSpec> options() {
      return OPTIONS;
    }

    @Override
    public Optimizer create(OptimizerContext context, Options options) {
      return new AdamW(context.parameters(), unit(options, "beta1", orTraining(options, "beta1", context.training().beta1())),
          unit(options, "beta2", orTraining(options, "beta2", context.training().beta2())),
          orTraining(options, "weightDecay", context.training().weightDecay()));
    }
  }

  /** {@code lion}: the sign of an interpolated momentum (Chen et al. 2023). */
  @Component(service = OptimizerPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=lion")
  public static final class LionPlugin implements OptimizerPlugin {
    private static final List<OptionSpec> OPTIONS = List.of(
        OptionSpec.number("beta1", 0.9, "interpolation of momentum and gradient for the update's sign"),
        OptionSpec.number("beta2", 0.99, "momentum decay"),
        OptionSpec.number("weightDecay", Double.NaN, "decoupled weight decay on matrices (default: training.weightDecay)"));

    @Override
    public String name() {
      return "lion";
    }

    @Override
    public String description() {
      return "Lion: sign of interpolated momentum, one state array per parameter (use a 3-10x smaller learning rate)";
    }

    @Override
    public List<OptionSpec> options() {
      return OPTIONS;
    }

    @Override
    public Optimizer create(OptimizerContext context, Options options) {
      return new Lion(context.parameters(), unit(options, "beta1", options.getDouble("beta1")),
          unit(options, "beta2", options.getDouble("beta2")), orTraining(options, "weightDecay", context.training().weightDecay()));
    }
  }

  /** {@code sgd}: with momentum, as PyTorch's. */
  @Component(service = OptimizerPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=sgd")
  public static final class SgdPlugin implements OptimizerPlugin {
    private static final List<OptionSpec> OPTIONS = List.of(
        OptionSpec.number("momentum", 0.9, "momentum (0: plain SGD)"),
        OptionSpec.bool("nesterov", false, "Nesterov momentum"),
        OptionSpec.number("weightDecay", 0.0, "L2 weight decay on matrices, added to the gradient"));

    @Override
    public String name() {
      return "sgd";
    }

    @Override
    public String description() {
      return "SGD with momentum (PyTorch's), coupled L2 weight decay on matrices";
    }

    @Override
    public List<OptionSpec> options() {
      return OPTIONS;
    }

    @Override
    public Optimizer create(OptimizerContext context, Options options) {
      return new Sgd(context.parameters(), unit(options, "momentum", options.getDouble("momentum")), options.getBoolean("nesterov"),
          options.getDouble("weightDecay"));
    }
  }
}
