package org.example.router;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import org.moma.api.model.RouterBlock;
import org.moma.api.model.RouterInput;
import org.moma.api.model.Routing;

/**
 * The router block: all a router implements is {@link #route} and three numbers. Its parameter
 * ({@code W_g}) is a child block, so the optimizer and checkpoints see it; the platform initialises
 * it for the group's hidden states and checks every answer against the Routing contract.
 */
final class TemperedChoiceRouter extends RouterBlock {
  private final int dModel;
  private final int experts;
  private final double temperature;
  private final double capacity;
  private final Linear gate;

  TemperedChoiceRouter(int dModel, int experts, double temperature, double capacity) {
    this.dModel = dModel;
    this.experts = experts;
    this.temperature = temperature;
    this.capacity = capacity > 0 ? capacity : 1.0 / experts;
    gate = addChildBlock("w_g", Linear.builder().setUnits(experts).optBias(false).build());
  }

  @Override
  public Routing route(ParameterStore store, RouterInput input) {
    // input also carries token ids, positions, sequences and the group's modality: input.tokens()
    NDArray logits = gate.forward(store, new NDList(input.hidden()), input.training()).singletonOrThrow();
    NDArray scores = Activation.sigmoid(logits.div(temperature)); // [N, E]
    int k = (int) Math.max(1, Math.min(input.size(), Math.round(capacity * input.size())));
    NDList top = scores.transpose().topK(k, -1, true, false); // per expert: its k best tokens
    List<NDArray> indices = new ArrayList<>();
    List<NDArray> gates = new ArrayList<>();
    for (int e = 0; e < experts; e++) {
      gates.add(top.get(0).get(e));
      indices.add(top.get(1).get(e));
    }
    return new Routing(indices, gates, scores, null);
  }

  @Override
  public int experts() {
    return experts;
  }

  @Override
  public double flopsPerToken() {
    return 2.0 * dModel * experts;
  }

  @Override
  public double expertsPerToken() {
    return capacity * experts;
  }
}
