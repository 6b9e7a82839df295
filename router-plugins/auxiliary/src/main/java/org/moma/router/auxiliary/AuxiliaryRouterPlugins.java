package org.moma.router.auxiliary;

import java.util.List;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.model.AuxiliaryContext;
import org.moma.api.model.AuxiliaryRouterBlock;
import org.moma.api.model.AuxiliaryRouterPlugin;
import org.osgi.service.component.annotations.Component;

/** The auxiliary routers this bundle offers: {@code mlp} and {@code joint} (the paper's MLP), {@code linear}. */
public final class AuxiliaryRouterPlugins {
  private AuxiliaryRouterPlugins() {}

  static final OptionSpec HIDDEN =
      OptionSpec.number("hidden", 0.5, "width of the hidden layer as a share of dModel (the paper's d/2)");

  static MlpAuxiliaryRouter mlp(AuxiliaryContext context, Options options) {
    double share = options.getDouble(HIDDEN.name());
    if (!(share > 0) || share > 8) {
      throw new SpecException(options.path() + "." + HIDDEN.name(), "must be in (0, 8], found " + share);
    }
    int hidden = (int) Math.max(1, Math.round(share * context.dModel()));
    return new MlpAuxiliaryRouter(context.dModel(), hidden, context.outputs());
  }

  /** The paper's MLP with its {@code hidden} option; the plugins below differ in when it trains. */
  abstract static class MlpPlugin implements AuxiliaryRouterPlugin {
    @Override
    public List<OptionSpec> options() {
      return List.of(HIDDEN);
    }

    @Override
    public AuxiliaryRouterBlock create(AuxiliaryContext context, Options options) {
      return mlp(context, options);
    }
  }

  /** {@code mlp}: the paper's auxiliary router, trained after main training by {@code moma train-aux}. */
  @Component(service = AuxiliaryRouterPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=mlp")
  public static final class Mlp extends MlpPlugin {
    @Override
    public String name() {
      return "mlp";
    }

    @Override
    public String description() {
      return "sigmoid(SiLU(x·W1)·W2), W1 d×d/2, trained after main training by 'moma train-aux' (paper §2.4, A.2)";
    }
  }

  /** {@code linear}: a linear probe, trained after main training. */
  @Component(service = AuxiliaryRouterPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=linear")
  public static final class Linear implements AuxiliaryRouterPlugin {
    @Override
    public String name() {
      return "linear";
    }

    @Override
    public String description() {
      return "sigmoid(x·W + b), a linear probe, trained after main training by 'moma train-aux'";
    }

    @Override
    public List<OptionSpec> options() {
      return List.of();
    }

    @Override
    public AuxiliaryRouterBlock create(AuxiliaryContext context, Options options) {
      return new LinearAuxiliaryRouter(context.dModel(), context.outputs());
    }
  }

  /** {@code joint}: the paper's MLP, trained during main training on stop-gradient hidden states. */
  @Component(service = AuxiliaryRouterPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=joint")
  public static final class Joint extends MlpPlugin {
    @Override
    public String name() {
      return "joint";
    }

    @Override
    public String description() {
      return "the mlp router trained during main training on stop-gradient hidden states (as Raposo et al. 2024 for MoD)";
    }

    @Override
    public boolean trainsJointly() {
      return true;
    }
  }
}
