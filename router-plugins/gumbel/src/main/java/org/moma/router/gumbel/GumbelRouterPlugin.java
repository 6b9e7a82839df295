package org.moma.router.gumbel;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.List;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.model.RouterBlock;
import org.moma.api.model.RouterContext;
import org.moma.api.model.RouterPlugin;
import org.moma.router.expertchoice.ExpertChoice;
import org.moma.router.expertchoice.SigmoidRouter;
import org.osgi.service.component.annotations.Component;

/**
 * {@code gumbel}: expert choice on {@code sigmoid(logits + G' − G'')} with independent Gumbel
 * noise while training (paper eq. 5, used after upcycling); plain sigmoid scores at evaluation.
 */
@Component(service = RouterPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=gumbel")
public final class GumbelRouterPlugin implements RouterPlugin {
  private static final List<OptionSpec> OPTIONS =
      List.of(
          ExpertChoice.CAPACITY,
          OptionSpec.number("scale", 1.0, "multiplier of the Gumbel noise"));

  @Override
  public String name() {
    return "gumbel";
  }

  @Override
  public String description() {
    return "expert choice on Gumbel-sigmoid scores while training, plain sigmoid at evaluation (paper eq. 5)";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public RouterBlock create(RouterContext context, Options options) {
    double capacity = ExpertChoice.capacity(options);
    double scale = options.getDouble("scale");
    return new SigmoidRouter(context.dModel(), context.experts(), capacity) {
      @Override
      protected NDArray trainingLogits(NDArray logits) {
        // the noise carries no gradient, so a plain number is safe here
        return logits.add(gumbel(logits).sub(gumbel(logits)).mul(scale));
      }
    };
  }

  /** Standard Gumbel noise {@code −log(−log U)} shaped like {@code like}, from the engine's seeded RNG. */
  static NDArray gumbel(NDArray like) {
    NDArray u = like.getManager().randomUniform(1e-6f, 1f - 1e-6f, like.getShape(), DataType.FLOAT32).toDevice(like.getDevice(), false);
    return u.log().neg().log().neg().toType(like.getDataType(), false);
  }
}
