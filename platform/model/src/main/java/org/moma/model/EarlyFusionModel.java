package org.moma.model;

import org.moma.model.internal.RmsNorm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import org.moma.api.nn.Tensors;
import ai.djl.util.PairList;
import java.util.List;
import org.moma.api.model.ModelDims;

/**
 * Chameleon-style early-fusion decoder: one embedding over the shared text+image vocabulary, a
 * stack of {@link TransformerLayer}s, a final RMSNorm and the LM head.
 *
 * <p>Input {@code NDList(tokens [B, T] int32, modality [B, T] int32)}; output
 * {@code NDList(logits [B, T, V], auxLoss scalar)}.
 */
public final class EarlyFusionModel extends AbstractBlock {
  private final ModelDims dims;
  private final Parameter embedding;
  private final List<TransformerLayer> layers;
  private final RmsNorm finalNorm;
  private final Linear head;
  private AuxiliaryRouters joint;

  public EarlyFusionModel(ModelDims dims, List<TransformerLayer> layers) {
    super((byte) 1);
    this.dims = dims;
    embedding =
        addParameter(
            Parameter.builder()
                .setName("embedding")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(dims.vocabSize(), dims.dModel()))
                .build());
    for (int i = 0; i < layers.size(); i++) {
      addChildBlock("layer" + i, layers.get(i));
    }
    this.layers = List.copyOf(layers);
    finalNorm = addChildBlock("final_norm", new RmsNorm(dims.dModel()));
    head = addChildBlock("head", Linear.builder().setUnits(dims.vocabSize()).optBias(false).build());
  }

  public ModelDims dims() {
    return dims;
  }

  /**
   * Trains these auxiliary routers with the model: every training forward records the selections
   * and adds the routers' cross-entropy (on hidden states without gradient, so the model itself is
   * untouched) to the auxiliary loss. They become a child block, so the optimizer, the gradient
   * allreduce and the checkpoints include them. Call before {@code initialize}.
   */
  public void trainJointly(AuxiliaryRouters routers) {
    joint = addChildBlock("auxiliary", routers);
  }

  /** The auxiliary routers trained with the model, or null. */
  public AuxiliaryRouters jointAuxiliary() {
    return joint;
  }

  public List<TransformerLayer> layers() {
    return layers;
  }

  /** Active forward FLOPs per token: every layer plus the LM head (embedding lookups are free). */
  public double forwardFlopsPerToken() {
    double flops = 2.0 * dims.dModel() * dims.vocabSize();
    for (TransformerLayer layer : layers) {
      flops += layer.flopsPerToken(dims.seqLen());
    }
    return flops;
  }

  /** One cache per layer, for {@link #forwardCached}. */
  public List<CausalSelfAttention.Cache> newCaches() {
    List<CausalSelfAttention.Cache> caches = new java.util.ArrayList<>();
    layers.forEach(l -> caches.add(new CausalSelfAttention.Cache()));
    return caches;
  }

  /**
   * Logits {@code [B, t, V]} of new tokens {@code [B, t]} given everything already in the caches
   * (the prompt, then each generated token): the same as a full forward over the whole sequence,
   * without recomputing the past.
   */
  public NDArray forwardCached(ParameterStore store, NDArray tokens, NDArray modality, List<CausalSelfAttention.Cache> caches) {
    Shape shape = tokens.getShape();
    long past = caches.get(0).seen; // positions count every token, also those a MoD layer skipped
    NDArray positions = tokens.getManager().arange((int) shape.get(1)).toDevice(tokens.getDevice(), false)
        .add(past).reshape(1, shape.get(1)).broadcast(shape);
    return forwardCached(store, tokens, modality, positions, null, caches);
  }

  /**
   * Batched generation step: each row has its own {@code positions [B, t]}, and {@code valid [B, t]}
   * marks padding (prompts are left-padded to one length; finished rows feed padding).
   */
  public NDArray forwardCached(ParameterStore store, NDArray tokens, NDArray modality, NDArray positions, NDArray valid,
      List<CausalSelfAttention.Cache> caches) {
    Shape shape = tokens.getShape();
    NDArray table = store.getValue(embedding, tokens.getDevice(), false);
    NDArray ids = tokens.toType(DataType.INT64, false);
    NDArray x = ids.getNDArrayInternal().embedding(ids, table, SparseFormat.DENSE).head();
    NDArray sequences = sequenceIndices(tokens);
    for (int i = 0; i < layers.size(); i++) {
      x = layers.get(i).applyCached(store, x, positions, modality, ids, sequences, valid, caches.get(i)).get(0);
    }
    caches.forEach(c -> c.seen += shape.get(1));
    return Tensors.widen(head.forward(store, new NDList(finalNorm.apply(store, x)), false).head());
  }

  /** {@code [B, T]}: the row of the batch each token is in, once per forward for every layer. */
  private static NDArray sequenceIndices(NDArray tokens) {
    Shape shape = tokens.getShape();
    return tokens.getManager().arange((int) shape.get(0)).toDevice(tokens.getDevice(), false).reshape(shape.get(0), 1).broadcast(shape);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray tokens = inputs.get(0);
    NDArray modality = inputs.get(1);
    Shape shape = tokens.getShape();
    NDArray table = store.getValue(embedding, tokens.getDevice(), training);
    // torch::embedding: its CPU backward is safe with intra-op threads, unlike advanced indexing's
    // index_put_ accumulation, which produced sporadic NaN gradients with two threads
    NDArray ids = tokens.toType(DataType.INT64, false);
    NDArray x = ids.getNDArrayInternal().embedding(ids, table, SparseFormat.DENSE).head();
    NDManager manager = tokens.getManager();
    NDArray positions =
        manager.arange((int) shape.get(1)).toDevice(tokens.getDevice(), false)
            .reshape(1, shape.get(1)).broadcast(shape);
    NDArray aux = manager.zeros(new Shape()).toDevice(tokens.getDevice(), false);
    NDArray flatModality = modality.reshape(-1); // one array for all layers: modality indices are cached on it
    org.moma.experts.ModalityIndex.carry(modality, flatModality); // what the trainer knows of the batch's
    NDArray flatIds = ids.reshape(-1);
    NDArray sequences = sequenceIndices(tokens).reshape(-1);
    // not while someone else records (train-aux, evaluators comparing routers with batch top-k)
    boolean trainJoint = training && joint != null && !joint.recording();
    if (trainJoint) {
      joint.record(true, false); // the training step's own selections: recording must not change its routing
    }
    try {
      for (TransformerLayer layer : layers) {
        NDList out = layer.forward(store, new NDList(x, positions, flatModality, flatIds, sequences), training);
        x = out.get(0);
        aux = aux.add(out.get(1));
      }
      if (trainJoint) {
        NDArray crossEntropy = joint.loss(store, true);
        aux = crossEntropy == null ? aux : aux.add(crossEntropy);
      }
    } finally {
      if (trainJoint) {
        joint.record(false, false);
      }
    }
    NDArray logits = head.forward(store, new NDList(finalNorm.apply(store, x)), training).head();
    // whatever the compute precision, scores and losses are taken in fp32
    return new NDList(Tensors.widen(logits), Tensors.widen(aux));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape t = inputShapes[0];
    return new Shape[] {new Shape(t.get(0), t.get(1), dims.vocabSize()), new Shape()};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape tokens = inputShapes[0];
    Shape hidden = new Shape(tokens.get(0), tokens.get(1), dims.dModel());
    for (TransformerLayer layer : layers) {
      layer.initialize(manager, dataType, hidden, tokens, new Shape(tokens.get(0) * tokens.get(1)));
    }
    finalNorm.initialize(manager, dataType, hidden);
    head.initialize(manager, dataType, hidden);
    if (joint != null) {
      joint.initialize(manager, dataType, hidden);
    }
  }
}
