package org.example.router;

import java.util.List;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.model.RouterBlock;
import org.moma.api.model.RouterContext;
import org.moma.api.model.RouterPlugin;
import org.osgi.service.component.annotations.Component;

/**
 * {@code tempered-choice}: expert choice on {@code sigmoid(x · W_g / τ)}. A low temperature makes
 * the gates sharper; the selection (top-k tokens per expert) is the same as expert choice.
 *
 * <p>Three things make this a plugin: the {@code @Component} annotation registers it as a
 * {@link RouterPlugin} service, the {@code moma.name} property gives the name specs use, and the
 * options it declares are validated by the platform before {@link #create} is called.
 */
@Component(service = RouterPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=tempered-choice")
public final class TemperedChoiceRouterPlugin implements RouterPlugin {
  private static final List<OptionSpec> OPTIONS = List.of(
      OptionSpec.number("temperature", 0.5, "divides the router logits; below 1 sharpens the gates"),
      OptionSpec.number("capacity", 0, "share of the group's tokens each expert takes; 0 = 1/experts"));

  @Override
  public String name() {
    return "tempered-choice";
  }

  @Override
  public String description() {
    return "expert choice with tempered sigmoid gates (example plugin)";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public RouterBlock create(RouterContext context, Options options) {
    double temperature = options.getDouble("temperature");
    if (!(temperature > 0)) {
      throw new SpecException(options.path() + ".temperature", "must be positive, found " + temperature);
    }
    double capacity = options.getDouble("capacity");
    if (capacity < 0 || capacity > 1) {
      throw new SpecException(options.path() + ".capacity", "must be in [0, 1], found " + capacity);
    }
    return new TemperedChoiceRouter(context.dModel(), context.experts(), temperature, capacity);
  }
}
