package org.moma.itest.faulty;

import ai.djl.training.ParameterStore;
import java.util.List;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.model.RouterBlock;
import org.moma.api.model.RouterContext;
import org.moma.api.model.RouterPlugin;
import org.moma.api.model.RouterInput;
import org.moma.api.model.Routing;
import org.moma.router.expertchoice.SigmoidRouter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/** Routers that fail on purpose: one cannot even activate, one throws in its forward pass. */
public final class FaultyPlugins {
  private FaultyPlugins() {}

  /** Throws when Declarative Services activates it. */
  @Component(service = RouterPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=explodes-on-activation")
  public static final class ExplodesOnActivation implements RouterPlugin {
    @Activate
    void activate() {
      throw new IllegalStateException("this router refuses to start");
    }

    @Override
    public String name() {
      return "explodes-on-activation";
    }

    @Override
    public String description() {
      return "fails in activate";
    }

    @Override
    public List<OptionSpec> options() {
      return List.of();
    }

    @Override
    public RouterBlock create(RouterContext context, Options options) {
      throw new AssertionError("never activated");
    }
  }

  /** Routes like expert choice, then throws from its forward pass after a given number of calls. */
  @Component(service = RouterPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=explodes-in-forward")
  public static final class ExplodesInForward implements RouterPlugin {
    @Override
    public String name() {
      return "explodes-in-forward";
    }

    @Override
    public String description() {
      return "throws in its forward pass";
    }

    @Override
    public List<OptionSpec> options() {
      return List.of(OptionSpec.integer("calls", 2, "forward calls before it throws"));
    }

    @Override
    public RouterBlock create(RouterContext context, Options options) {
      int calls = options.getInt("calls");
      return new SigmoidRouter(context.dModel(), context.experts(), 0) {
        private int seen;

        @Override
        public Routing route(ParameterStore store, RouterInput input) {
          if (++seen > calls) {
            throw new IllegalStateException("router bug after " + calls + " calls");
          }
          return super.route(store, input);
        }
      };
    }
  }
}
