package org.moma.api.model;

import java.util.Map;
import java.util.OptionalDouble;

/**
 * What a router is built for.
 *
 * @param dModel width of the tokens it routes
 * @param experts number of experts in the group
 * @param group a readable name of the group ({@code layer3.image}) for errors and metrics
 * @param lossWeights weights the spec's loss terms give to losses routers compute, by term name
 *     ({@code load-balance}); a router that computes such a loss takes its weight from here
 */
public record RouterContext(int dModel, int experts, String group, Map<String, Double> lossWeights) {
  public RouterContext {
    lossWeights = lossWeights == null ? Map.of() : Map.copyOf(lossWeights);
  }

  public RouterContext(int dModel, int experts, String group) {
    this(dModel, experts, group, Map.of());
  }

  /** The weight the spec's loss term {@code term} sets, if it lists one. */
  public OptionalDouble lossWeight(String term) {
    Double w = lossWeights.get(term);
    return w == null ? OptionalDouble.empty() : OptionalDouble.of(w);
  }

  /** This context with the loss terms' weights. */
  public RouterContext withLossWeights(Map<String, Double> weights) {
    return new RouterContext(dModel, experts, group, weights);
  }
}
