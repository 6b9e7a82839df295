package org.moma.api.train;

import org.moma.api.MomaPlugin;
import org.moma.api.Options;

/**
 * A term of the training objective besides the next-token cross-entropy, weighted by the spec
 * ({@code "training": {"loss": [{"name": "z-loss", "options": {"weight": 1e-4}}]}}). A term either
 * computes its value from the step's outputs ({@link LossTerm#value}), or weights a loss a layer
 * computes where it is computed ({@link LossTerm#layerWeight}, handed to the routers through their
 * context): one knob per weight, and a spec that sets one weight twice is refused.
 */
public interface LossTermPlugin extends MomaPlugin {
  LossTerm create(Options options);
}
