package org.moma.layer.moe;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.List;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.model.FeedForwardBlock;
import org.moma.api.model.LayerContext;
import org.moma.api.model.LayerPlugin;
import org.moma.api.model.RouterContext;
import org.moma.experts.ExecutionOption;
import org.moma.experts.ExpertGroup;
import org.moma.api.spec.PluginRef;
import org.osgi.service.component.annotations.Component;

/** {@code moe}: one group of mixed-modal experts over all tokens (the paper's {@code moe_8x}). */
@Component(service = LayerPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=moe")
public final class MoeLayerPlugin implements LayerPlugin {
  private static final List<OptionSpec> OPTIONS =
      List.of(
          OptionSpec.integer("experts", 8, "number of experts"),
          ExecutionOption.SPEC,
          OptionSpec.json("router", "router plugin {\"name\": …, \"options\": {…}}; default expert-choice"));

  @Override
  public String name() {
    return "moe";
  }

  @Override
  public String description() {
    return "mixture of mixed-modal experts with any router (moe_8x)";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public FeedForwardBlock create(LayerContext context, Options options) {
    int experts = options.getPositiveInt("experts");
    PluginRef router = PluginRef.fromOption(options.getJson("router"), "expert-choice");
    String path = options.path() + ".router";
    int d = context.dims().dModel();
    ExpertGroup group = new ExpertGroup(d, context.dims().ffnDim(), experts,
        experts > 1 ? context.routers().create(router, new RouterContext(d, experts, "layer" + context.layerIndex()), path) : null,
        ExecutionOption.batched(options));
    return new Mixture(group);
  }

  /** The feed-forward: the expert group applied to all tokens of the batch. */
  static final class Mixture extends FeedForwardBlock {
    private final ExpertGroup group;

    Mixture(ExpertGroup group) {
      super((byte) 1);
      this.group = addChildBlock("experts", group);
    }

    @Override
    public double forwardFlopsPerToken() {
      return group.flopsPerToken();
    }

    @Override
    public java.util.Map<String, ExpertGroup> expertGroups() {
      return java.util.Map.of("moe", group);
    }

    @Override
    public List<org.moma.api.eval.RoutingStats> lastRouting(int layer) {
      org.moma.api.eval.RoutingStats stats = group.stats(layer, "moe");
      return stats == null ? List.of() : List.of(stats);
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
      return group.apply(store, inputs.get(0), org.moma.api.model.TokenContext.fromInputs(inputs), null, training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return new Shape[] {inputShapes[0], new Shape()};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
      group.initialize(manager, dataType, inputShapes[0]);
    }
  }
}
