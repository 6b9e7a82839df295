package org.moma.losses;

import ai.djl.ndarray.NDArray;
import java.util.List;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.nn.Tensors;
import org.moma.api.train.LossInputs;
import org.moma.api.train.LossTerm;
import org.moma.api.train.LossTermPlugin;
import org.osgi.service.component.annotations.Component;

/** The loss terms of this bundle. */
public final class LossTermPlugins {
  private LossTermPlugins() {}

  static double weight(Options options) {
    double w = options.getDouble("weight");
    if (!(w >= 0) || Double.isInfinite(w)) {
      throw new SpecException(options.path() + ".weight", "must be a number >= 0, found " + w);
    }
    return w;
  }

  /**
   * {@code z-loss}: {@code weight · mean(logsumexp(logits)²)} over the real targets (PaLM's, which
   * Chameleon uses to keep logits bounded). {@code model.zLoss} is the same weight.
   */
  @Component(service = LossTermPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=z-loss")
  public static final class ZLoss implements LossTermPlugin {
    private static final List<OptionSpec> OPTIONS = List.of(OptionSpec.number("weight", 1e-4, "weight of mean(logsumexp²)"));

    @Override
    public String name() {
      return "z-loss";
    }

    @Override
    public String description() {
      return "weight x mean over targets of logsumexp(logits)^2, keeps logits bounded (same weight as model.zLoss)";
    }

    @Override
    public List<OptionSpec> options() {
      return OPTIONS;
    }

    @Override
    public LossTerm create(Options options) {
      double weight = weight(options);
      return inputs -> {
        NDArray sum = inputs.logZ().square().mul(inputs.valid()).sum();
        return Tensors.times(sum, weight / Math.max(1, inputs.globalTargets()));
      };
    }
  }

  /**
   * {@code load-balance}: the weight of the balancing loss that token-choice routers add
   * (Switch Transformer's); the routers apply it where they compute the loss. Token choice's own
   * {@code balance} option is the same weight.
   */
  @Component(service = LossTermPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=load-balance")
  public static final class LoadBalance implements LossTermPlugin {
    private static final List<OptionSpec> OPTIONS =
        List.of(OptionSpec.number("weight", 0.01, "weight of the token-choice routers' balancing loss"));

    @Override
    public String name() {
      return "load-balance";
    }

    @Override
    public String description() {
      return "weight of token-choice routers' load-balancing loss, applied where the routers compute it (same weight as their balance option)";
    }

    @Override
    public List<OptionSpec> options() {
      return OPTIONS;
    }

    @Override
    public LossTerm create(Options options) {
      double weight = weight(options);
      return new LossTerm() {
        @Override
        public NDArray value(LossInputs inputs) {
          return null;
        }

        @Override
        public double layerWeight() {
          return weight;
        }
      };
    }
  }
}
