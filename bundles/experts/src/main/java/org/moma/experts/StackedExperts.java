package org.moma.experts;

import org.moma.api.nn.Tensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * {@code E} SwiGLU experts of equal shape stored as stacked weights {@code [E, d, h]}, so that all
 * experts run as one batched matrix product over {@code [E, k, d]} tokens — the batched execution
 * that expert choice allows because every expert takes exactly {@code k} tokens.
 */
public final class StackedExperts extends AbstractBlock {
  private final int experts;
  private final int dModel;
  private final int hidden;
  private final Parameter gate;
  private final Parameter up;
  private final Parameter down;

  public StackedExperts(int experts, int dModel, int hidden) {
    super((byte) 1);
    this.experts = experts;
    this.dModel = dModel;
    this.hidden = hidden;
    gate = addParameter(weight("w1", new Shape(experts, dModel, hidden)));
    up = addParameter(weight("w3", new Shape(experts, dModel, hidden)));
    down = addParameter(weight("w2", new Shape(experts, hidden, dModel)));
  }

  private static Parameter weight(String name, Shape shape) {
    return Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).optShape(shape).build();
  }

  public int hidden() {
    return hidden;
  }

  /**
   * {@code x [E, k, d]} → {@code [E, k, d]}, expert {@code e} applied to row block {@code e}. The
   * products are {@code bmm} itself: {@code matmul} of two 3-d arrays reaches the same kernel through
   * an expand and reshapes of each operand, and their backward nodes (a dozen more operators per
   * expert group and step, each a dispatch on a GPU).
   */
  public NDArray apply(ParameterStore store, NDArray x) {
    NDArray g = x.batchMatMul(store.getValue(gate, x.getDevice(), true));
    NDArray u = x.batchMatMul(store.getValue(up, x.getDevice(), true));
    return Tensors.silu(g).mul(u).batchMatMul(store.getValue(down, x.getDevice(), true));
  }

  /** Expert {@code e} alone on {@code x [m, d]} (for checks and naive loops). */
  public NDArray applyOne(ParameterStore store, int e, NDArray x) {
    NDArray g = x.matMul(store.getValue(gate, x.getDevice(), false).get(e));
    NDArray u = x.matMul(store.getValue(up, x.getDevice(), false).get(e));
    return Tensors.silu(g).mul(u).matMul(store.getValue(down, x.getDevice(), false).get(e));
  }

  /** The weights of expert {@code e} as {@code [w1 d×h, w3 d×h, w2 h×d]} (views), e.g. for upcycling. */
  public NDList expert(int e) {
    return new NDList(gate.getArray().get(e), up.getArray().get(e), down.getArray().get(e));
  }

  @Override
  protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(apply(store, inputs.head()));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {}

  @Override
  public void prepare(Shape[] inputShapes) {
    if (inputShapes[0].get(inputShapes[0].dimension() - 1) != dModel || inputShapes[0].get(0) != experts) {
      throw new IllegalArgumentException("StackedExperts(" + experts + "×" + dModel + ") given " + inputShapes[0]);
    }
  }
}
