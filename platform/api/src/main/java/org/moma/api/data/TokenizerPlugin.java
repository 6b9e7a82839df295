package org.moma.api.data;

import org.moma.api.MomaPlugin;
import org.moma.api.Options;

/** Provides text or image tokenizers by name. */
public interface TokenizerPlugin extends MomaPlugin {
  Tokenizer create(Options options);
}
