package org.moma.data.shapes;

import java.util.List;
import org.moma.api.data.DocumentSource;
import org.moma.api.data.TokenizedDocument;
import org.moma.api.data.Vocabulary;
import org.moma.api.model.Modality;
import org.moma.data.corpus.MixedModalTokenizer;

/** One split of the shapes corpus, tokenized on demand (documents are cheap to regenerate). */
final class ShapesCorpus implements DocumentSource {
  private final ShapesDocuments documents;
  private final String split;
  private final ShapesDocuments.Kind kind;
  private final MixedModalTokenizer tokenizer;

  ShapesCorpus(ShapesDocuments documents, String split, ShapesDocuments.Kind kind, MixedModalTokenizer tokenizer) {
    this.documents = documents;
    this.split = split;
    this.kind = kind;
    this.tokenizer = tokenizer;
  }

  @Override
  public Vocabulary vocabulary() {
    return tokenizer.vocabulary();
  }

  @Override
  public org.moma.api.data.Tokenizer textTokenizer() {
    return tokenizer.textTokenizer();
  }

  @Override
  public org.moma.api.data.ImageCodec imageCodec() {
    return tokenizer.imageCodec();
  }

  @Override
  public List<Modality> modalities() {
    return Modality.STANDARD;
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
