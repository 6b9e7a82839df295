package org.moma.data.synthetic;

import java.util.SplittableRandom;
import org.moma.api.data.DocumentSource;
import org.moma.api.data.TokenizedDocument;
import org.moma.api.data.Vocabulary;
import org.moma.api.model.Modality;

/**
 * A deterministic corpus: document {@code i} of a split is a pure function of (seed, split, i), so
 * a loader position is just an index. Text follows a noisy first-order chain; the image's codes
 * are derived from the text's first token (text→image dependence) and the closing text repeats the
 * image's first code mapped into text ids (image→text dependence).
 */
final class SyntheticCorpus implements DocumentSource {
  private static final int PAD = 0;
  private static final int EOD = 1;
  private static final int BOI = 2;
  private static final int EOI = 3;
  private static final int SPECIALS = 4;

  private final long splitSeed;
  private final int textVocab;
  private final int imageCodes;
  private final int grid;
  private final int textLength;
  private final Vocabulary vocabulary;

  SyntheticCorpus(String split, long seed, int textVocab, int imageCodes, int grid, int textLength) {
    this.splitSeed = seed * 0x9E3779B97F4A7C15L + split.hashCode();
    this.textVocab = textVocab;
    this.imageCodes = imageCodes;
    this.grid = grid;
    this.textLength = textLength;
    int imageStart = SPECIALS + textVocab;
    this.vocabulary =
        new Vocabulary(
            imageStart + imageCodes,
            PAD,
            EOD,
            BOI,
            EOI,
            imageStart,
            imageCodes,
            "synthetic-t" + textVocab + "-i" + imageCodes);
  }

  @Override
  public Vocabulary vocabulary() {
    return vocabulary;
  }


  @Override
  public long size() {
    return Long.MAX_VALUE;
  }

  @Override
  public TokenizedDocument document(long index) {
    SplittableRandom random = new SplittableRandom(splitSeed ^ (index * 0xBF58476D1CE4E5B9L));
    int before = textLength / 2 + random.nextInt(textLength);
    int after = textLength / 2 + random.nextInt(textLength);
    int length = before + 2 + grid * grid + after + 1;
    int[] tokens = new int[length];
    byte[] modality = new byte[length];
    int pos = 0;
    int token = random.nextInt(textVocab);
    int subject = token;
    for (int i = 0; i < before; i++) {
      tokens[pos++] = SPECIALS + token;
      token = nextText(token, random);
    }
    tokens[pos++] = BOI;
    int code = (subject * 7) % imageCodes;
    int firstCode = code;
    for (int i = 0; i < grid * grid; i++) {
      modality[pos] = (byte) Modality.IMAGE.id();
      tokens[pos++] = vocabulary.imageStart() + code;
      code = random.nextInt(8) == 0 ? random.nextInt(imageCodes) : (code + 1 + i % 3) % imageCodes;
    }
    modality[pos] = (byte) Modality.IMAGE.id();
    tokens[pos++] = EOI;
    token = firstCode % textVocab;
    for (int i = 0; i < after; i++) {
      tokens[pos++] = SPECIALS + token;
      token = nextText(token, random);
    }
    tokens[pos] = EOD;
    return new TokenizedDocument(tokens, modality);
  }

  private int nextText(int token, SplittableRandom random) {
    return random.nextInt(6) == 0 ? random.nextInt(textVocab) : (token * 5 + 3) % textVocab;
  }
}
