package org.moma.data.corpus;

import java.util.List;
import org.moma.api.data.DocumentSource;
import org.moma.api.data.ImageCodec;
import org.moma.api.data.Tokenizer;
import org.moma.api.data.Vocabulary;
import org.moma.api.model.Modality;

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

  @Override
  public List<Modality> modalities() {
    return Modality.STANDARD;
  }
}
