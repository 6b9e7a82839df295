package org.moma.api.data;

/**
 * The one shared vocabulary of the early-fusion model (Chameleon): special tokens first, then text
 * tokens, then image codes.
 *
 * @param size total number of ids
 * @param pad padding id (ignored by the loss)
 * @param endOfDocument id ending every document
 * @param beginImage id opening an image's grid of codes
 * @param endImage id closing it
 * @param imageStart first image-code id; image codes are {@code [imageStart, imageStart+imageCodes)}
 * @param imageCodes codebook size of the image tokenizer
 * @param identity a stable fingerprint of the tokenizers behind it; checkpoints and shards record it
 */
public record Vocabulary(
    int size,
    int pad,
    int endOfDocument,
    int beginImage,
    int endImage,
    int imageStart,
    int imageCodes,
    String identity) {

  public boolean isImageCode(int id) {
    return id >= imageStart && id < imageStart + imageCodes;
  }
}
