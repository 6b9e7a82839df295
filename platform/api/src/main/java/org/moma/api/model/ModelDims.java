package org.moma.api.model;

/** The shape of the backbone that a layer plugin builds into. */
public record ModelDims(
    int vocabSize, int dModel, int heads, int ffnDim, int layers, int seqLen) {
  public int headDim() {
    return dModel / heads;
  }
}
