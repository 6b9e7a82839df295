package org.moma.api.model;

/**
 * What an auxiliary router is built for.
 *
 * @param dModel width of the hidden states it reads
 * @param outputs the group's experts, or 1 for a mixture-of-depths layer
 * @param group a readable name ({@code layer1.image}, {@code layer0.depth}) for errors and reports
 */
public record AuxiliaryContext(int dModel, int outputs, String group) {}
