package org.moma.router.hash;

import java.util.List;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.model.RouterBlock;
import org.moma.api.model.RouterContext;
import org.moma.api.model.RouterPlugin;
import org.osgi.service.component.annotations.Component;

/** {@code hash}: every token goes to the expert its token id hashes to (Hash Layers, Roller et al. 2021). */
@Component(service = RouterPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=hash")
public final class HashRouterPlugin implements RouterPlugin {
  private static final List<OptionSpec> OPTIONS =
      List.of(OptionSpec.integer("seed", 0, "which fixed assignment of token ids to experts"));

  @Override
  public String name() {
    return "hash";
  }

  @Override
  public String description() {
    return "fixed balanced assignment by token id, one expert per token, gate 1, no parameters (Hash Layers)";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public RouterBlock create(RouterContext context, Options options) {
    return new HashRouter(context.experts(), options.getInt("seed"));
  }
}
