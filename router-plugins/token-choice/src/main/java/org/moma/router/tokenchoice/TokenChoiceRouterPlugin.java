package org.moma.router.tokenchoice;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.model.RouterContext;
import org.moma.api.model.RouterPlugin;
import org.moma.api.model.Routing;
import ai.djl.ndarray.NDList;
import org.moma.api.model.RouterBlock;
import org.moma.api.model.RouterInput;
import org.moma.api.nn.Tensors;
import ai.djl.nn.core.Linear;
import org.osgi.service.component.annotations.Component;

/**
 * {@code token-choice}: the usual baseline. Each token picks its top-k experts by softmax
 * probability; an expert accepts at most {@code ceil(capacityFactor · k · n / E)} tokens, in token
 * order, and drops the rest; the load-balancing loss {@code E · Σ_j f_j · P_j} (Switch) keeps the
 * experts evenly used.
 */
@Component(service = RouterPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=token-choice")
public final class TokenChoiceRouterPlugin implements RouterPlugin {
  /** The loss term whose weight is this router's balancing loss's. */
  static final String LOAD_BALANCE = "load-balance";
  private static final List<OptionSpec> OPTIONS =
      List.of(
          OptionSpec.integer("topK", 1, "experts per token (1 = Switch, 2 = Mixtral)"),
          OptionSpec.number("capacityFactor", 1.25, "expert capacity as a multiple of an even share"),
          OptionSpec.number("balance", 0.01, "weight of the load-balancing loss (or the spec's load-balance loss term)"),
          OptionSpec.bool("normalize", true, "renormalise the chosen experts' probabilities to sum to 1"));

  @Override
  public String name() {
    return "token-choice";
  }

  @Override
  public String description() {
    return "top-k softmax token choice with expert capacity and load-balancing loss (Switch/Mixtral)";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public RouterBlock create(RouterContext context, Options options) {
    int k = options.getPositiveInt("topK");
    if (k > context.experts()) {
      throw new SpecException(options.path() + ".topK", "is " + k + " but the group has " + context.experts() + " experts");
    }
    double factor = options.getDouble("capacityFactor");
    if (!(factor > 0)) {
      throw new SpecException(options.path() + ".capacityFactor", "must be positive, found " + factor);
    }
    // one knob per weight: the spec's load-balance loss term, or this option
    java.util.OptionalDouble term = context.lossWeight(LOAD_BALANCE);
    if (term.isPresent() && options.given("balance")) {
      throw new SpecException(options.path() + ".balance", "the load-balance loss term in training.loss sets this weight"
          + " already: keep one of the two");
    }
    double balance = term.isPresent() ? term.getAsDouble() : options.getDouble("balance");
    return new TokenChoiceRouter(context.dModel(), context.experts(), k, factor, balance, options.getBoolean("normalize"));
  }

  /** The router block: softmax gate, top-k per token, capacity per expert, balancing loss. */
  static final class TokenChoiceRouter extends RouterBlock {
    private final int dModel;
    private final Linear gate;
    private final int experts;
    private final int k;
    private final double capacityFactor;
    private final double balance;
    private final boolean normalize;

    TokenChoiceRouter(int dModel, int experts, int k, double capacityFactor, double balance, boolean normalize) {
      this.dModel = dModel;
      gate = addChildBlock("w_g", Linear.builder().setUnits(experts).optBias(false).build());
      this.experts = experts;
      this.k = k;
      this.capacityFactor = capacityFactor;
      this.balance = balance;
      this.normalize = normalize;
    }

    static int capacity(long tokens, int experts, int k, double factor) {
      return (int) Math.max(1, Math.ceil(factor * k * tokens / experts));
    }

    @Override
    public Routing route(ParameterStore store, RouterInput input) {
      long n = input.size();
      NDArray probs = gate.forward(store, new NDList(input.hidden()), input.training()).singletonOrThrow().softmax(-1);
      NDList top = probs.topK(k, -1, true, true); // values [n, k], indices [n, k]
      NDArray weights = top.get(0);
      if (normalize) {
        weights = weights.div(weights.sum(new int[] {-1}, true));
      }
      NDArray chosen = top.get(1);
      int capacity = capacity(n, experts, k, capacityFactor);
      List<NDArray> indices = new ArrayList<>(experts);
      List<NDArray> gates = new ArrayList<>(experts);
      NDArray fraction = null;
      for (int e = 0; e < experts; e++) {
        NDArray mask = chosen.eq(e).toType(weights.getDataType(), false); // [n, k]
        NDArray assigned = mask.sum(new int[] {-1}); // 0/1 per token
        // the first `capacity` tokens (in order) that chose this expert are kept, the rest dropped
        NDArray keep = assigned.mul(assigned.cumSum(0).lte(capacity).toType(weights.getDataType(), false));
        NDArray index = keep.nonzero().reshape(-1).toType(DataType.INT64, false);
        indices.add(index);
        gates.add(weights.mul(mask).sum(new int[] {-1}).get(new ai.djl.ndarray.index.NDIndex("{}", index)));
        NDArray f = assigned.mean().expandDims(0);
        fraction = fraction == null ? f : fraction.concat(f);
      }
      // Switch load balancing: E · Σ_j (share of tokens routed to j) · (mean probability of j)
      NDArray aux = Tensors.times(fraction.mul(probs.mean(new int[] {0})).sum(), balance * experts / k);
      return new Routing(indices, gates, probs, aux);
    }

    @Override
    public double expertsPerToken() {
      return k;
    }

    @Override
    public int experts() {
      return experts;
    }

    @Override
    public double flopsPerToken() {
      return 2.0 * dModel * experts;
    }
  }
}
