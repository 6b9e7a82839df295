package org.moma.api.model;

import ai.djl.ndarray.NDArray;

/**
 * An expert group of a feed-forward block as the platform sees it: for auxiliary routers (training
 * targets, causal routing), router-noise tests and FLOPs. Layer plugins expose theirs through
 * {@link FeedForwardBlock#expertGroups()}.
 */
public interface RoutedGroup {
  /** Experts in the group; 1 means no router (every token passes the one expert). */
  int count();

  /** Forward FLOPs per token of the router alone (0 without one). */
  double routerFlopsPerToken();

  /** True when the group routes each token on its own: one expert, a causal router, or an auxiliary router in use. */
  boolean causal();

  /** Whether causal inference needs an auxiliary router here: several experts and a router that routes over the batch. */
  boolean needsAuxiliary();

  /**
   * Routes causally at evaluation: a token goes to an expert when the auxiliary router's
   * probability is above {@link AuxiliaryRouterBlock#THRESHOLD}, weighted by the main router's
   * score (paper §2.4). Null restores batch top-k.
   */
  void useAuxiliary(AuxiliaryRouterBlock router);

  /**
   * At evaluation, flips each routing decision with probability {@code sigma} (paper §4.6): the
   * auxiliary router's when one is in use, else the batch top-k of the training router; 0 for none.
   */
  void setRoutingNoise(double sigma);

  /**
   * While on, every forward keeps its input {@code [n, d]} (without gradient) and the selections
   * {@code [n, E]} (1 where an expert took the token): the training data of auxiliary routers.
   * With {@code noiseFree} the selections come from the router without its training noise (what
   * causal inference imitates); otherwise they are the training step's own.
   */
  void record(boolean on, boolean noiseFree);

  NDArray recordedInput();

  NDArray recordedTargets();
}
