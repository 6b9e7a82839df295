package org.moma.api.eval;

/**
 * What one routing decision of one layer looked like over the tokens of a forward pass.
 *
 * @param layer layer index
 * @param group {@code moe}, a modality name for MoMa groups, or {@code depth} for mixture-of-depths
 * @param tokens tokens the router saw
 * @param perExpert tokens each expert took (for depth: one entry, the tokens that went through)
 * @param unchosen tokens no expert took
 * @param multiChosen tokens taken by more than one expert
 */
public record RoutingStats(int layer, String group, long tokens, long[] perExpert, long unchosen, long multiChosen) {}
