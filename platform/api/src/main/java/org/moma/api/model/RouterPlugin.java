package org.moma.api.model;

import org.moma.api.MomaPlugin;
import org.moma.api.Options;

/** Builds routers: {@code expert-choice}, {@code gumbel}, {@code token-choice} … */
public interface RouterPlugin extends MomaPlugin {
  RouterBlock create(RouterContext context, Options options);
}
