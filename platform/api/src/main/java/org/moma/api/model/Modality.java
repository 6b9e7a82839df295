package org.moma.api.model;

import java.util.List;

/**
 * A modality of the early-fusion sequence. Every token carries a modality id; ids index
 * {@link #STANDARD} order but more modalities are allowed (MoMa groups take any number).
 */
public record Modality(int id, String name) {
  public static final Modality TEXT = new Modality(0, "text");
  public static final Modality IMAGE = new Modality(1, "image");
  public static final List<Modality> STANDARD = List.of(TEXT, IMAGE);

  public Modality {
    if (id < 0 || id > Byte.MAX_VALUE) {
      throw new IllegalArgumentException("modality id out of range: " + id);
    }
  }
}
