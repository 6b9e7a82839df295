package org.moma.data.corpus;

import java.util.List;
import java.util.function.LongFunction;
import org.moma.api.data.TokenizedDocument;

/**
 * A finite corpus of interleaved documents read from files, tokenized when first asked for.
 * {@code valid} holds every {@code validEvery}-th document, {@code train} the others.
 */
public final class SegmentedCorpus extends TokenizedCorpus {
  /** A document by index: its segments and which of them an evaluator scores. */
  public record Entry(List<Segment> segments, int scoredSegment) {}

  private final long[] indices;
  private final LongFunction<Entry> documents;

  public SegmentedCorpus(long total, String split, int validEvery, LongFunction<Entry> documents, MixedModalTokenizer tokenizer) {
    super(tokenizer);
    this.documents = documents;
    boolean valid = split.equals("valid");
    if (!valid && !split.equals("train")) {
      throw new org.moma.api.SpecException("data", "file corpora have the splits train and valid, not '" + split + "'");
    }
    indices = java.util.stream.LongStream.range(0, total)
        .filter(i -> (i % validEvery == validEvery - 1) == valid)
        .toArray();
  }

  @Override
  public long size() {
    return indices.length;
  }

  @Override
  public TokenizedDocument document(long index) {
    Entry e = documents.apply(indices[(int) index]);
    return tokenizer.tokenize(e.segments(), e.scoredSegment());
  }
}
