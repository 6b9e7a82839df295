package org.moma.data.shapes;

import org.moma.api.data.TokenizedDocument;
import org.moma.data.corpus.MixedModalTokenizer;
import org.moma.data.corpus.TokenizedCorpus;

/** One split of the shapes corpus, tokenized on demand (documents are cheap to regenerate). */
final class ShapesCorpus extends TokenizedCorpus {
  private final ShapesDocuments documents;
  private final String split;
  private final ShapesDocuments.Kind kind;

  ShapesCorpus(ShapesDocuments documents, String split, ShapesDocuments.Kind kind, MixedModalTokenizer tokenizer) {
    super(tokenizer);
    this.documents = documents;
    this.split = split;
    this.kind = kind;
  }

  @Override
  public long size() {
    return Long.MAX_VALUE;
  }

  @Override
  public TokenizedDocument document(long index) {
    ShapesDocuments.Document d = documents.document(split, kind, index);
    return tokenizer.tokenize(d.segments(), d.scoredSegment());
  }
}
