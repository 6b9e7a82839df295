package org.moma.api.eval;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import org.moma.api.data.DocumentSource;

/** What an evaluator is given to run. */
public interface EvalContext {
  LanguageModel model();

  /** A held-out split of the run's dataset. */
  DocumentSource split(String name);

  NDManager manager();

  /** Folder for the evaluator's own files (plots, per-item results). */
  Path outputDir();
}
