package org.moma.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import org.moma.api.model.RouterBlock;
import org.moma.api.model.Routing;

/**
 * A group of SwiGLU experts with a learned router (MoE, or one modality's group in MoMa). With a
 * single expert there is no router: every token goes through it unweighted (the paper's 1t1i).
 *
 * <p>Execution: route, gather each expert's tokens, run the expert, scale by the gate, write the
 * result into a per-expert buffer at the tokens' rows (index-put, differentiable), sum the buffers.
 * Experts run one after another (paper §3.2).
 */
public final class ExpertGroup extends AbstractBlock {
  private final int dModel;
  private final List<SwiGlu> experts = new ArrayList<>();
  private final RouterBlock router;
  private Routing lastRouting;

  public ExpertGroup(int dModel, int hidden, int count, RouterBlock router) {
    super((byte) 1);
    if (count > 1 && router == null) {
      throw new IllegalArgumentException("a group of " + count + " experts needs a router");
    }
    this.dModel = dModel;
    for (int e = 0; e < count; e++) {
      experts.add(addChildBlock("expert" + e, new SwiGlu(dModel, hidden)));
    }
    this.router = count > 1 ? addChildBlock("router", router) : null;
  }

  public List<SwiGlu> experts() {
    return experts;
  }

  /** The routing of the last forward (for metrics and auxiliary-router targets); null with 1 expert. */
  public Routing lastRouting() {
    return lastRouting;
  }

  /** Active forward FLOPs per token: the experts a token passes on average plus the router. */
  public double flopsPerToken() {
    double expert = SwiGlu.flopsPerToken(dModel, experts.get(0).hidden());
    if (experts.size() == 1) {
      return expert;
    }
    return router.expertsPerToken() * expert + router.flopsPerToken();
  }

  /**
   * @param x {@code [n, d]} the group's tokens
   * @return {@code y [n, d]} and the router's auxiliary loss (0-d, zero when it has none)
   */
  public NDList apply(ParameterStore store, NDArray x, boolean training) {
    NDManager manager = x.getManager();
    if (experts.size() == 1) {
      return new NDList(experts.get(0).apply(store, x, training), Tensors.scalar(x, 0));
    }
    Routing routing = router.route(store, x, training);
    lastRouting = routing;
    NDArray y = null;
    for (int e = 0; e < experts.size(); e++) {
      NDArray index = routing.tokenIndices().get(e);
      if (index.size() == 0) {
        continue;
      }
      NDArray chosen = x.get(new NDIndex("{}", index));
      NDArray out = experts.get(e).apply(store, chosen, training).mul(routing.gates().get(e).expandDims(1));
      NDArray buffer = manager.zeros(x.getShape(), x.getDataType()).toDevice(x.getDevice(), false);
      buffer.set(new NDIndex("{}", index), out);
      y = y == null ? buffer : y.add(buffer);
    }
    if (y == null) {
      y = manager.zeros(x.getShape(), x.getDataType());
    }
    NDArray aux = routing.auxLoss() != null ? routing.auxLoss() : Tensors.scalar(x, 0);
    return new NDList(y, aux);
  }

  @Override
  protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    return apply(store, inputs.head(), training);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0], new Shape()};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    for (SwiGlu expert : experts) {
      expert.initialize(manager, dataType, inputShapes[0]);
    }
    if (router != null) {
      router.initialize(manager, dataType, inputShapes[0]);
    }
  }
}
