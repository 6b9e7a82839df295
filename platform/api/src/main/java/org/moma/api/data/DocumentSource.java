package org.moma.api.data;

import java.util.List;
import org.moma.api.model.Modality;

/**
 * Random access to the tokenized documents of one split. Random access by index is what makes the
 * loader's position a single number that checkpoints can store.
 */
public interface DocumentSource {
  Vocabulary vocabulary();

  List<Modality> modalities();

  /** Number of documents, or {@code Long.MAX_VALUE} for an unbounded generated corpus. */
  long size();

  TokenizedDocument document(long index);
}
