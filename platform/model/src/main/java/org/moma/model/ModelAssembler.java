package org.moma.model;

import java.util.ArrayList;
import java.util.List;
import org.moma.registry.PluginDefaults;
import org.moma.api.Options;
import org.moma.api.PluginKind;
import org.moma.api.SpecException;
import org.moma.api.data.Vocabulary;
import org.moma.api.model.DepthPlugin;
import org.moma.api.model.DepthRouterBlock;
import org.moma.api.model.FeedForwardBlock;
import org.moma.api.model.LayerContext;
import org.moma.api.model.LayerPlugin;
import org.moma.api.model.Modality;
import org.moma.api.model.ModelDims;
import org.moma.api.model.RouterBlock;
import org.moma.api.model.RouterContext;
import org.moma.api.model.RouterFactory;
import org.moma.api.model.RouterPlugin;
import org.moma.api.spec.ModelSpec;
import org.moma.api.spec.PluginRef;
import org.moma.registry.Plugins;

/** Builds the backbone from a spec, asking the registry for every plugin by name. */
public final class ModelAssembler {
  private final Plugins plugins;

  public ModelAssembler(Plugins plugins) {
    this.plugins = plugins;
  }

  private java.util.Map<String, Double> lossWeights = java.util.Map.of();

  public static ModelDims dims(ModelSpec spec, Vocabulary vocabulary) {
    int vocab = spec.vocabSize() == 0 ? vocabulary.size() : spec.vocabSize();
    if (vocab < vocabulary.size()) {
      throw new SpecException(
          "model.vocabSize",
          vocab + " is smaller than the data's vocabulary (" + vocabulary.size() + " ids)");
    }
    return new ModelDims(vocab, spec.dModel(), spec.heads(), spec.ffnDim(), spec.layers(), spec.seqLen());
  }

  public EarlyFusionModel build(ModelSpec spec, ModelDims dims, List<Modality> modalities) {
    return build(spec, dims, modalities, java.util.Map.of());
  }

  /**
   * @param lossWeights the weights the spec's loss terms give to losses routers compute, by term
   *     name; each router gets them in its context
   */
  public EarlyFusionModel build(ModelSpec spec, ModelDims dims, List<Modality> modalities, java.util.Map<String, Double> lossWeights) {
    this.lossWeights = lossWeights;
    LayerPlugin layerPlugin =
        plugins.require(PluginKind.LAYER, LayerPlugin.class, spec.ffn().name(), "model.ffn.name");
    Options options = PluginDefaults.options(layerPlugin, spec.ffn().options(), "model.ffn.options");
    DepthPlugin depthPlugin = spec.depth() == null ? null
        : plugins.require(PluginKind.DEPTH, DepthPlugin.class, spec.depth().name(), "model.depth.name");
    Options depthOptions = depthPlugin == null ? null : PluginDefaults.options(depthPlugin, spec.depth().options(), "model.depth.options");
    RouterFactory routers = this::router;
    List<TransformerLayer> layers = new ArrayList<>();
    for (int i = 0; i < dims.layers(); i++) {
      LayerContext context = new LayerContext(i, dims, modalities, routers);
      FeedForwardBlock ffn = layerPlugin.create(context, options);
      DepthRouterBlock depth = depthPlugin == null ? null : depthPlugin.create(context, depthOptions);
      layers.add(new TransformerLayer(dims.dModel(), dims.heads(), ffn, depth));
    }
    EarlyFusionModel model = new EarlyFusionModel(dims, layers);
    if (spec.auxiliary() != null) {
      AuxiliaryRouters auxiliary = AuxiliaryRouters.of(plugins, model, spec.auxiliary(), "model.auxiliary");
      if (auxiliary.joint() && !auxiliary.isEmpty()) {
        model.trainJointly(auxiliary);
      }
    }
    return model;
  }

  private RouterBlock router(PluginRef ref, RouterContext context, String path) {
    RouterPlugin plugin = plugins.require(PluginKind.ROUTER, RouterPlugin.class, ref.name(), path + ".name");
    RouterBlock block = plugin.create(context.withLossWeights(lossWeights), PluginDefaults.options(plugin, ref.options(), path + ".options"));
    block.setOrigin("router plugin '" + plugin.name() + "' of bundle " + plugins.origin(plugin) + " in group " + context.group());
    return block;
  }
}
