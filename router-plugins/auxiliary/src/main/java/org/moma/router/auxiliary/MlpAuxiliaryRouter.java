package org.moma.router.auxiliary;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import org.moma.api.model.AuxiliaryRouterBlock;
import org.moma.api.nn.Tensors;

/** The paper's auxiliary router (eq. 3–4): {@code sigmoid(SiLU(x · W_a1) · W_a2)}, {@code W_a1} d × hidden. */
final class MlpAuxiliaryRouter extends AuxiliaryRouterBlock {
  private final int dModel;
  private final int hidden;
  private final Linear first;
  private final Linear second;

  MlpAuxiliaryRouter(int dModel, int hidden, int outputs) {
    super(outputs);
    this.dModel = dModel;
    this.hidden = hidden;
    first = addChildBlock("w_a1", Linear.builder().setUnits(hidden).optBias(false).build());
    second = addChildBlock("w_a2", Linear.builder().setUnits(outputs).optBias(false).build());
  }

  @Override
  public NDArray probabilities(ParameterStore store, NDArray x, boolean training) {
    NDArray h = Tensors.silu(first.forward(store, new NDList(x), training).singletonOrThrow());
    return Activation.sigmoid(second.forward(store, new NDList(h), training).singletonOrThrow());
  }

  @Override
  public double flopsPerToken() {
    return 2.0 * dModel * hidden + 2.0 * hidden * outputs();
  }
}
