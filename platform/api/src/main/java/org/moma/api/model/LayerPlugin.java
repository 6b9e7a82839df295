package org.moma.api.model;

import org.moma.api.MomaPlugin;
import org.moma.api.Options;

/** Builds the feed-forward of a layer: {@code dense}, {@code moe}, {@code moma} … */
public interface LayerPlugin extends MomaPlugin {
  FeedForwardBlock create(LayerContext context, Options options);
}
