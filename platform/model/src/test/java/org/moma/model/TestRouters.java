package org.moma.model;

import org.moma.api.Options;
import org.moma.api.model.AuxiliaryContext;
import org.moma.api.model.AuxiliaryRouterBlock;
import org.moma.api.model.RouterBlock;
import org.moma.api.model.RouterContext;
import org.moma.router.auxiliary.AuxiliaryRouterPlugins;
import org.moma.router.expertchoice.ExpertChoiceRouterPlugin;

/** The shipped router plugins with default options, for tests that assemble models by hand. */
final class TestRouters {
  private TestRouters() {}

  static RouterBlock expertChoice(RouterContext context) {
    ExpertChoiceRouterPlugin plugin = new ExpertChoiceRouterPlugin();
    return plugin.create(context, Options.defaults(plugin.options()));
  }

  /** The router a spec names: {@code hash}, else expert choice. */
  static RouterBlock named(org.moma.api.spec.PluginRef ref, RouterContext context) {
    if ("hash".equals(ref.name())) {
      org.moma.router.hash.HashRouterPlugin plugin = new org.moma.router.hash.HashRouterPlugin();
      return plugin.create(context, Options.defaults(plugin.options()));
    }
    return expertChoice(context);
  }

  static AuxiliaryRouterBlock mlpAuxiliary(int dModel, int outputs) {
    AuxiliaryRouterPlugins.Mlp plugin = new AuxiliaryRouterPlugins.Mlp();
    return plugin.create(new AuxiliaryContext(dModel, outputs, "test"), Options.defaults(plugin.options()));
  }
}
