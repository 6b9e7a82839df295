package org.moma.api.data;

/**
 * One document as the model sees it: token ids and, per token, its modality id.
 *
 * @param scoreFrom index of the first token whose prediction an evaluator scores (the caption after
 *     an image, the image after a caption, the answer after a question); 0 scores everything
 */
public record TokenizedDocument(int[] tokens, byte[] modalities, int scoreFrom) {
  public TokenizedDocument {
    if (tokens.length != modalities.length) {
      throw new IllegalArgumentException(
          "tokens and modalities differ in length: " + tokens.length + " vs " + modalities.length);
    }
    if (scoreFrom < 0 || scoreFrom > tokens.length) {
      throw new IllegalArgumentException("scoreFrom " + scoreFrom + " outside [0, " + tokens.length + "]");
    }
  }

  public TokenizedDocument(int[] tokens, byte[] modalities) {
    this(tokens, modalities, 0);
  }

  public int length() {
    return tokens.length;
  }
}
