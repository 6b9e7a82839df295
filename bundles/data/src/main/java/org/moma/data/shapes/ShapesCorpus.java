package org.moma.data.shapes;

import org.moma.api.data.TokenizedDocument;
import org.moma.data.corpus.MixedModalTokenizer;
import org.moma.data.corpus.TokenizedCorpus;

/**
 * One split of a generated corpus ({@code shapes}, {@code scenes}), tokenized on demand: documents
 * are a pure function of their index and cheap to regenerate, so the split is endless.
 */
public final class ShapesCorpus extends TokenizedCorpus {
  private final java.util.function.LongFunction<ShapesDocuments.Document> documents;

  public ShapesCorpus(java.util.function.LongFunction<ShapesDocuments.Document> documents, MixedModalTokenizer tokenizer) {
    super(tokenizer);
    this.documents = documents;
  }

  @Override
  public long size() {
    return Long.MAX_VALUE;
  }

  @Override
  public TokenizedDocument document(long index) {
    ShapesDocuments.Document d = documents.apply(index);
    return tokenizer.tokenize(d.segments(), d.scoredSegment());
  }
}
