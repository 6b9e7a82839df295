package org.moma.api.model;

import org.moma.api.MomaPlugin;
import org.moma.api.Options;

/**
 * Builds auxiliary routers ({@code mlp}, {@code linear}, {@code joint} …), selected by a spec's
 * {@code model.auxiliary} or by {@code moma train-aux RUN --auxiliary NAME}.
 */
public interface AuxiliaryRouterPlugin extends MomaPlugin {
  AuxiliaryRouterBlock create(AuxiliaryContext context, Options options);

  /**
   * True when its routers train during main training (on stop-gradient hidden states, as Raposo
   * et al. 2024 do for MoD) and are saved with the model; false when they are trained after main
   * training by {@code moma train-aux}, the paper's two-stage recipe (Appendix A.2).
   */
  default boolean trainsJointly() {
    return false;
  }
}
