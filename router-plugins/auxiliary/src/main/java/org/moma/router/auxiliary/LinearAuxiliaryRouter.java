package org.moma.router.auxiliary;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import org.moma.api.model.AuxiliaryRouterBlock;

/** A linear probe: {@code sigmoid(x · W + b)}; how much of the top-k is readable from one token linearly. */
final class LinearAuxiliaryRouter extends AuxiliaryRouterBlock {
  private final int dModel;
  private final Linear probe;

  LinearAuxiliaryRouter(int dModel, int outputs) {
    super(outputs);
    this.dModel = dModel;
    probe = addChildBlock("w", Linear.builder().setUnits(outputs).build());
  }

  @Override
  public NDArray probabilities(ParameterStore store, NDArray x, boolean training) {
    return Activation.sigmoid(probe.forward(store, new NDList(x), training).singletonOrThrow());
  }

  @Override
  public double flopsPerToken() {
    return 2.0 * dModel * outputs();
  }
}
