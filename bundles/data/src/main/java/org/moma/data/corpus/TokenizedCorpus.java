package org.moma.data.corpus;

import org.moma.api.data.DocumentSource;
import org.moma.api.data.ImageCodec;
import org.moma.api.data.Tokenizer;
import org.moma.api.data.Vocabulary;

/** A corpus of interleaved text and images tokenized with one {@link MixedModalTokenizer}. */
public abstract class TokenizedCorpus implements DocumentSource {
  protected final MixedModalTokenizer tokenizer;

  protected TokenizedCorpus(MixedModalTokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  @Override
  public Vocabulary vocabulary() {
    return tokenizer.vocabulary();
  }

  @Override
  public Tokenizer textTokenizer() {
    return tokenizer.textTokenizer();
  }

  @Override
  public ImageCodec imageCodec() {
    return tokenizer.imageCodec();
  }

}
