package org.moma.api.eval;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import org.moma.api.data.DocumentSource;
import org.moma.api.data.Tokenizer;
import org.moma.api.spec.ExperimentSpec;

/** What an evaluator is given to run. */
public interface EvalContext {
  LanguageModel model();

  /** A held-out split of the run's dataset ({@code valid}, {@code caption}, {@code t2i}, {@code vqa} …). */
  DocumentSource split(String name);

  /** The text tokenizer of the run's vocabulary; an error naming the dataset when it has none. */
  Tokenizer textTokenizer();

  NDManager manager();

  /** The run being evaluated: its folder (metrics.jsonl, summary.json, checkpoints) and spec. */
  Path runDirectory();

  ExperimentSpec spec();

  /** Folder for the evaluator's own files (plots, per-item results). */
  Path outputDir();

  /** Whether routing decisions are causal (auxiliary routers) or use the batch (training-time top-k). */
  boolean causal();
}
