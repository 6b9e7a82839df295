package org.moma.experts;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import org.moma.api.eval.RoutingStats;
import org.moma.api.model.AuxiliaryRouterBlock;
import org.moma.api.model.Modality;
import org.moma.api.model.RoutedGroup;
import org.moma.api.model.RouterBlock;
import org.moma.api.model.RouterInput;
import org.moma.api.model.Routing;
import org.moma.api.model.TokenContext;
import org.moma.api.nn.Tensors;

/**
 * A group of SwiGLU experts with a learned router (MoE, or one modality's group in MoMa). With a
 * single expert there is no router: every token goes through it unweighted (the paper's 1t1i).
 *
 * <p>Two executions. <b>Sequential</b> (paper §3.2): route, gather each expert's tokens, run the
 * expert, scale by the gate, and add every result into its token's row. <b>Batched</b>: when every
 * expert takes the same number of tokens (expert choice), gather all of them as {@code [E, k, d]}
 * and run the experts as one batched product over stacked weights. Either way the combine is one
 * sparse product ({@link Tensors#sumRowsInto}).
 */
public final class ExpertGroup extends AbstractBlock implements RoutedGroup {
  private final int dModel;
  private final List<SwiGlu> experts = new ArrayList<>();
  private final StackedExperts stacked;
  private final int count;
  private final int hidden;
  private final RouterBlock router;
  private Routing lastRouting;
  private long[][] lastCounts; // {perExpert, {tokens, unchosen, multiChosen}} of the last evaluation forward
  private AuxiliaryRouterBlock auxiliary;
  private double routingNoise;
  private boolean recording;
  private boolean rangeChecked;
  private boolean recordNoiseFree;
  private NDArray recordedInput;
  private NDArray recordedTargets;

  /** Sequential execution. */
  public ExpertGroup(int dModel, int hidden, int count, RouterBlock router) {
    this(dModel, hidden, count, router, false);
  }

  /**
   * @param batched keep the experts' weights stacked and run them as one batched product whenever
   *     every expert got the same number of tokens (always with expert choice); otherwise (token
   *     choice) the stacked experts run one after another
   */
  public ExpertGroup(int dModel, int hidden, int count, RouterBlock router, boolean batched) {
    super((byte) 1);
    if (count > 1 && router == null) {
      throw new IllegalArgumentException("a group of " + count + " experts needs a router");
    }
    this.dModel = dModel;
    this.count = count;
    this.hidden = hidden;
    if (batched && count > 1) {
      stacked = addChildBlock("experts", new StackedExperts(count, dModel, hidden));
    } else {
      stacked = null;
      for (int e = 0; e < count; e++) {
        experts.add(addChildBlock("expert" + e, new SwiGlu(dModel, hidden)));
      }
    }
    this.router = count > 1 ? addChildBlock("router", router) : null;
  }

  /** The experts as separate blocks (sequential execution); empty when they are stacked. */
  public List<SwiGlu> experts() {
    return experts;
  }

  /** The stacked experts of batched execution, or null. */
  public StackedExperts stacked() {
    return stacked;
  }

  /** Expert {@code e} applied to {@code x [m, d]}, whichever the execution. */
  public NDArray expert(ParameterStore store, int e, NDArray x, boolean training) {
    return stacked != null ? stacked.applyOne(store, e, x) : experts.get(e).apply(store, x, training);
  }

  /** The routing of the last forward (for metrics and auxiliary-router targets); null with 1 expert. */
  public Routing lastRouting() {
    return lastRouting;
  }

  @Override
  public int count() {
    return count;
  }

  /** The group's router, or null with a single expert. */
  public RouterBlock router() {
    return router;
  }

  @Override
  public void useAuxiliary(AuxiliaryRouterBlock router) {
    this.auxiliary = count > 1 ? router : null;
  }

  @Override
  public boolean needsAuxiliary() {
    return count > 1 && !router.causal();
  }

  @Override
  public boolean causal() {
    return count == 1 || auxiliary != null || router.causal();
  }

  @Override
  public void setRoutingNoise(double sigma) {
    this.routingNoise = sigma;
  }

  @Override
  public void record(boolean on, boolean noiseFree) {
    recording = on;
    recordNoiseFree = noiseFree;
    recordedInput = null;
    recordedTargets = null;
  }

  @Override
  public NDArray recordedInput() {
    return recordedInput;
  }

  @Override
  public NDArray recordedTargets() {
    return recordedTargets;
  }

  /** Statistics of the last evaluation forward (null before one, and with a single expert). */
  public RoutingStats stats(int layer, String group) {
    if (lastCounts == null) {
      return null;
    }
    return new RoutingStats(layer, group, lastCounts[1][0], lastCounts[0], lastCounts[1][1], lastCounts[1][2]);
  }

  /** Copied to Java right away: the routing's arrays belong to the forward pass's scope. */
  private long[][] count(Routing routing, long n) {
    int[] taken = new int[(int) n];
    long[] perExpert = new long[count];
    for (int e = 0; e < count; e++) {
      long[] index = routing.tokenIndices().get(e).toLongArray();
      perExpert[e] = index.length;
      for (long t : index) {
        taken[(int) t]++;
      }
    }
    long none = java.util.Arrays.stream(taken).filter(c -> c == 0).count();
    long several = java.util.Arrays.stream(taken).filter(c -> c > 1).count();
    return new long[][] {perExpert, {n, none, several}};
  }

  @Override
  public double routerFlopsPerToken() {
    return count == 1 ? 0 : router.flopsPerToken();
  }

  /** Active forward FLOPs per token: the experts a token passes on average plus the router. */
  public double flopsPerToken() {
    double expert = SwiGlu.flopsPerToken(dModel, hidden);
    if (count == 1) {
      return expert;
    }
    return router.expertsPerToken() * expert + router.flopsPerToken();
  }

  /** {@link #apply(ParameterStore, NDArray, TokenContext, Modality, boolean)} without token context. */
  public NDList apply(ParameterStore store, NDArray x, boolean training) {
    return apply(store, x, TokenContext.unknown(), null, training);
  }

  /**
   * @param x {@code [n, d]} the group's tokens
   * @param tokens their ids, positions, sequences and modality ids, for the router
   * @param modality the group's modality, or null when it mixes modalities
   * @return {@code y [n, d]} and the router's auxiliary loss (0-d, zero when it has none)
   */
  public NDList apply(ParameterStore store, NDArray x, TokenContext tokens, Modality modality, boolean training) {
    NDManager manager = x.getManager();
    if (count == 1) {
      return new NDList(experts.get(0).apply(store, x, training), Tensors.scalar(x, 0));
    }
    // targets for post-hoc auxiliary routers come from noise-free scores: inference routes on clean
    // sigmoids, so a Gumbel router's training noise must not enter what they learn and are scored against
    Routing routing = router.route(store, new RouterInput(x, tokens, modality, training && !(recording && recordNoiseFree)));
    // a plugin's bug is named here, not deep in libtorch; the index range (two reads) on the first forward only
    routing.check(x.getShape().get(0), count, router.origin(), !rangeChecked);
    rangeChecked = true;
    if (!training && auxiliary != null) {
      routing = causalRouting(store, x, routing.scores());
    } else if (!training && routingNoise > 0) {
      // §4.6: the training router's batch top-k with a share of its decisions flipped
      routing = fromDecisions(Tensors.flip(selections(routing, x).gt(0.5f), routingNoise), routing.scores());
    }
    lastRouting = routing;
    if (recording) {
      recordedInput = x.stopGradient();
      recordedTargets = selections(routing, x);
    }
    if (!training) {
      lastCounts = count(routing, x.getShape().get(0));
    }
    NDArray aux = routing.auxLoss() != null ? routing.auxLoss() : Tensors.scalar(x, 0);
    NDArray taken = stacked != null ? routing.indexMatrix() : null;
    if (taken != null) {
      return new NDList(batched(store, x, taken, routing.gateMatrix()), aux);
    }
    NDList outputs = new NDList();
    NDList rows = new NDList();
    for (int e = 0; e < count; e++) {
      NDArray index = routing.tokenIndices().get(e);
      if (index.size() == 0) {
        continue;
      }
      NDArray chosen = Tensors.rows(x, index);
      outputs.add(expert(store, e, chosen, training).mul(routing.gates().get(e).expandDims(1)));
      rows.add(index);
    }
    if (outputs.isEmpty()) {
      return new NDList(manager.zeros(x.getShape(), x.getDataType()).toDevice(x.getDevice(), false), aux);
    }
    NDArray y = Tensors.sumRowsInto(Tensors.concat(outputs), Tensors.concat(rows), x.getShape().get(0));
    return new NDList(y, aux);
  }

  /** Decisions from the auxiliary router (optionally flipped at random), gates from the main one. */
  private Routing causalRouting(ParameterStore store, NDArray x, NDArray mainScores) {
    return fromDecisions(Tensors.flip(auxiliary.decisions(store, x), routingNoise), mainScores);
  }

  /** Per expert the tokens its column of {@code decide} takes, gated by the main router's scores. */
  private Routing fromDecisions(NDArray decide, NDArray mainScores) {
    List<NDArray> indices = new ArrayList<>(count);
    List<NDArray> gates = new ArrayList<>(count);
    for (int e = 0; e < count; e++) {
      NDArray index = decide.get(new NDIndex(":, {}", e)).nonzero().reshape(-1).toType(DataType.INT64, false);
      indices.add(index);
      gates.add(mainScores.get(new NDIndex(":, {}", e)).get(new NDIndex("{}", index)));
    }
    return new Routing(indices, gates, mainScores, null);
  }

  /** {@code [n, E]} with 1 where the routing gave token t to expert e. */
  private NDArray selections(Routing routing, NDArray x) {
    NDManager manager = x.getManager();
    NDArray targets = manager.zeros(new Shape(x.getShape().get(0), count), x.getDataType()).toDevice(x.getDevice(), false);
    for (int e = 0; e < count; e++) {
      NDArray index = routing.tokenIndices().get(e);
      if (index.size() > 0) {
        NDArray column = manager.full(new Shape(index.size()), (long) e, DataType.INT64).toDevice(x.getDevice(), false);
        targets.set(new NDIndex("{}, {}", index, column), 1f);
      }
    }
    return targets;
  }

  /** The experts as one batched product over {@code tokens} and {@code gates}, both {@code [E, k]}. */
  private NDArray batched(ParameterStore store, NDArray x, NDArray tokens, NDArray gates) {
    long k = tokens.getShape().get(1);
    // a token several experts chose repeats in the index: Tensors.rows keeps its backward deterministic
    NDArray chosen = Tensors.rows(x, tokens).reshape(count, k, dModel);
    NDArray out = stacked.apply(store, chosen).mul(gates.expandDims(-1)).reshape(count * k, dModel);
    return Tensors.sumRowsInto(out, tokens.reshape(-1), x.getShape().get(0));
  }

  @Override
  protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    return apply(store, inputs.head(), training);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0], new Shape()};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    for (SwiGlu expert : experts) {
      expert.initialize(manager, dataType, inputShapes[0]);
    }
    if (stacked != null) {
      stacked.initialize(manager, dataType, new Shape(count, 1, dModel));
    }
    if (router != null) {
      router.initialize(manager, dataType, inputShapes[0]);
    }
  }
}
