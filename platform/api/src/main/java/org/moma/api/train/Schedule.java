package org.moma.api.train;

/** The learning rate of each optimizer step. */
@FunctionalInterface
public interface Schedule {
  /** The rate of step {@code step}, counted from 0; a run of {@code steps} steps asks for 0 … steps − 1. */
  double at(int step);
}
