package org.moma.router.expertchoice;

import java.util.List;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.model.RouterBlock;
import org.moma.api.model.RouterContext;
import org.moma.api.model.RouterPlugin;
import org.osgi.service.component.annotations.Component;

/** {@code expert-choice}: each expert takes its top {@code capacity·n} tokens by sigmoid score. */
@Component(service = RouterPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=expert-choice")
public final class ExpertChoiceRouterPlugin implements RouterPlugin {
  private static final List<OptionSpec> OPTIONS = List.of(ExpertChoice.CAPACITY);

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
    return new SigmoidRouter(context.dModel(), context.experts(), ExpertChoice.capacity(options));
  }
}
