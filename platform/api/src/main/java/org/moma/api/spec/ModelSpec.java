package org.moma.api.spec;

import org.moma.api.SpecException;

/**
 * The backbone: a Chameleon-style decoder. {@code ffn} names the layer plugin that builds every
 * layer's feed-forward; {@code depth}, when given, names a whole-layer wrapper (mixture-of-depths).
 * {@code vocabSize} 0 means "exactly the data's vocabulary". {@code auxiliary}, when given, names
 * the auxiliary-router plugin for causal inference: one that trains jointly ({@code joint}) is
 * trained with the model; any other is what {@code moma train-aux} trains by default.
 */
public record ModelSpec(
    Integer vocabSize,
    Integer dModel,
    Integer layers,
    Integer heads,
    Integer ffnDim,
    Integer seqLen,
    PluginRef ffn,
    PluginRef depth,
    Double zLoss,
    PluginRef auxiliary) {

  public ModelSpec {
    vocabSize = vocabSize == null ? 0 : vocabSize;
    dModel = dModel == null ? 64 : dModel;
    layers = layers == null ? 2 : layers;
    heads = heads == null ? 4 : heads;
    ffnDim = ffnDim == null ? 4 * dModel : ffnDim;
    seqLen = seqLen == null ? 64 : seqLen;
    ffn = ffn == null ? PluginRef.of("dense") : ffn;
    zLoss = zLoss == null ? 0.0 : zLoss;
  }

  public static ModelSpec defaults() {
    return new ModelSpec(null, null, null, null, null, null, null, null, null, null);
  }

  void validate(String path) {
    positive(path + ".dModel", dModel);
    positive(path + ".layers", layers);
    positive(path + ".heads", heads);
    positive(path + ".ffnDim", ffnDim);
    positive(path + ".seqLen", seqLen);
    if (vocabSize < 0) {
      throw new SpecException(path + ".vocabSize", "must be 0 (from the data) or positive");
    }
    if (dModel % heads != 0) {
      throw new SpecException(
          path + ".heads", "heads (" + heads + ") must divide dModel (" + dModel + ")");
    }
    if ((dModel / heads) % 2 != 0) {
      throw new SpecException(
          path + ".heads", "dModel/heads = " + dModel / heads + " must be even for rotary positions");
    }
    if (ffn.name() == null || ffn.name().isBlank()) {
      throw new SpecException(path + ".ffn.name", "missing layer plugin name");
    }
    if (auxiliary != null && (auxiliary.name() == null || auxiliary.name().isBlank())) {
      throw new SpecException(path + ".auxiliary.name", "missing auxiliary-router plugin name");
    }
    if (zLoss < 0) {
      throw new SpecException(path + ".zLoss", "must be >= 0");
    }
  }

  static void positive(String path, int value) {
    if (value <= 0) {
      throw new SpecException(path, "must be positive, found " + value);
    }
  }
}
