package org.moma.api.data;

/**
 * One document as the model sees it: token ids and, per token, its modality id.
 */
public record TokenizedDocument(int[] tokens, byte[] modalities) {
  public TokenizedDocument {
    if (tokens.length != modalities.length) {
      throw new IllegalArgumentException(
          "tokens and modalities differ in length: " + tokens.length + " vs " + modalities.length);
    }
  }

  public int length() {
    return tokens.length;
  }
}
