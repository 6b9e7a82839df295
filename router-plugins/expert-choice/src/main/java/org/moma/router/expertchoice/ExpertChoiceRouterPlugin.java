package org.moma.router.expertchoice;

import java.util.List;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.model.RouterBlock;
import org.moma.api.model.RouterContext;
import org.moma.api.model.RouterPlugin;
import org.moma.api.nn.SigmoidRouter;
import org.osgi.service.component.annotations.Component;

/** {@code expert-choice}: each expert takes its top {@code capacity·n} tokens by sigmoid score. */
@Component(service = RouterPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=expert-choice")
public final class ExpertChoiceRouterPlugin implements RouterPlugin {
  static final List<OptionSpec> OPTIONS =
      List.of(OptionSpec.number("capacity", 0, "share of the group's tokens each expert takes; 0 = 1/experts"));

  @Override
  public String name() {
    return "expert-choice";
  }

  @Override
  public String description() {
    return "expert choice with sigmoid gates, top-k tokens per expert, no balancing loss (paper eq. 1)";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public RouterBlock create(RouterContext context, Options options) {
    double capacity = options.getDouble("capacity");
    if (capacity < 0 || capacity > 1) {
      throw new org.moma.api.SpecException(options.path() + ".capacity", "must be in [0, 1], found " + capacity);
    }
    return new SigmoidRouter(context.dModel(), context.experts(), capacity);
  }
}
