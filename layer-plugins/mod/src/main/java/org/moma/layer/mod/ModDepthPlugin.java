package org.moma.layer.mod;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.List;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.model.DepthPlugin;
import org.moma.api.model.DepthRouterBlock;
import org.moma.api.model.DepthSelection;
import org.moma.api.model.LayerContext;
import org.osgi.service.component.annotations.Component;

/**
 * {@code mod}: mixture-of-depths (paper §2.3). In every {@code interval}-th layer from
 * {@code start}, a router {@code ĝ = sigmoid(x · Ŵ_g)} picks the top {@code capacity · T} tokens of
 * each sequence; only those go through the layer, and its update is scaled by {@code ĝ}.
 */
@Component(service = DepthPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=mod")
public final class ModDepthPlugin implements DepthPlugin {
  private static final List<OptionSpec> OPTIONS =
      List.of(
          OptionSpec.number("capacity", 0.25, "share of each sequence's tokens a wrapped layer processes (c_d)"),
          OptionSpec.integer("interval", 2, "wrap every interval-th layer"),
          OptionSpec.integer("start", 0, "first wrapped layer"));

  @Override
  public String name() {
    return "mod";
  }

  @Override
  public String description() {
    return "mixture-of-depths: per-sequence top-k tokens pass a wrapped layer, scaled by the router weight";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public DepthRouterBlock create(LayerContext context, Options options) {
    double capacity = options.getFraction("capacity");
    int interval = options.getPositiveInt("interval");
    int start = options.getInt("start");
    if (start < 0) {
      throw new SpecException(options.path() + ".start", "must be >= 0, found " + start);
    }
    int layer = context.layerIndex();
    if (layer < start || (layer - start) % interval != 0) {
      return null;
    }
    return new DepthRouter(context.dims().dModel(), capacity);
  }

  /** Tokens per sequence a wrapped layer processes. */
  static int selected(long sequenceLength, double capacity) {
    return (int) Math.max(1, Math.min(sequenceLength, Math.round(capacity * sequenceLength)));
  }

  /** The per-layer router: one linear score per token, top-k per sequence, positions ascending. */
  static final class DepthRouter extends DepthRouterBlock {
    private final int dModel;
    private final double capacity;
    private final Linear gate;

    DepthRouter(int dModel, double capacity) {
      super((byte) 1);
      this.dModel = dModel;
      this.capacity = capacity;
      gate = addChildBlock("w_g", Linear.builder().setUnits(1).optBias(false).build());
    }

    @Override
    public DepthSelection select(ParameterStore store, NDArray hidden, boolean training) {
      long t = hidden.getShape().get(1);
      NDArray scores = Activation.sigmoid(gate.forward(store, new NDList(hidden), training).singletonOrThrow().squeeze(-1));
      NDList top = scores.topK(selected(t, capacity), 1, true, false);
      NDArray order = top.get(1).argSort(1);
      return new DepthSelection(top.get(1).gather(order, 1), top.get(0).gather(order, 1), scores);
    }

    @Override
    public double flopsPerToken() {
      return 2.0 * dModel;
    }

    @Override
    public double capacity() {
      return capacity;
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
      DepthSelection s = select(store, inputs.head(), training);
      return new NDList(s.positions(), s.weights());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      Shape x = inputShapes[0];
      Shape k = new Shape(x.get(0), selected(x.get(1), capacity));
      return new Shape[] {k, k};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
      gate.initialize(manager, dataType, inputShapes[0]);
    }
  }
}
