package org.moma.api.data;

/** Turns text into ids of the shared vocabulary and back. */
public interface Tokenizer {
  int[] encode(String text);

  String decode(int[] ids);

  /** Stable fingerprint of the trained tokenizer (merges, codebook, config). */
  String identity();
}
