package org.moma.api.model;

/**
 * What a router is built for.
 *
 * @param dModel width of the tokens it routes
 * @param experts number of experts in the group
 * @param group a readable name of the group ({@code layer3.image}) for errors and metrics
 */
public record RouterContext(int dModel, int experts, String group) {}
