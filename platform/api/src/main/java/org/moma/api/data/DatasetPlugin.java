package org.moma.api.data;

import org.moma.api.MomaPlugin;
import org.moma.api.Options;

/** Provides corpora by name: the embedded generated corpus, JSONL documents, shards … */
public interface DatasetPlugin extends MomaPlugin {
  /**
   * @param split {@code train}, {@code valid}, or a dataset-specific held-out split
   * @param seed seed of the experiment (generated corpora must be a pure function of it)
   */
  DocumentSource open(String split, long seed, Options options);
}
