package org.moma.api.model;

import org.moma.api.MomaPlugin;
import org.moma.api.Options;

/**
 * Whole-layer wrappers in the style of mixture-of-depths: decides per layer whether the layer is
 * wrapped and, if so, which tokens of each sequence go through it.
 */
public interface DepthPlugin extends MomaPlugin {
  /** The depth router for this layer, or {@code null} when this layer is not wrapped. */
  DepthRouterBlock create(LayerContext context, Options options);
}
