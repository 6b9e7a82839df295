package org.moma.api.train;

import ai.djl.ndarray.NDArray;

/** One weighted term of the objective. */
public interface LossTerm {
  /** This term's weighted contribution (a 0-d tensor), or null for a term a layer adds itself. */
  NDArray value(LossInputs inputs);

  /** The weight of the loss a layer computes under this term's name, or NaN for a term computed from the outputs. */
  default double layerWeight() {
    return Double.NaN;
  }
}
