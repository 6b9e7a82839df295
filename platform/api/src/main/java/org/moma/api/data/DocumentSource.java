package org.moma.api.data;

import java.util.List;
import org.moma.api.model.Modality;

/**
 * Random access to the tokenized documents of one split. Random access by index is what makes the
 * loader's position a single number that checkpoints can store.
 */
public interface DocumentSource {
  Vocabulary vocabulary();

  /** The modalities its documents use, by id; text and image unless a source says otherwise. */
  default List<Modality> modalities() {
    return Modality.STANDARD;
  }

  /** Number of documents, or {@code Long.MAX_VALUE} for an unbounded generated corpus. */
  long size();

  TokenizedDocument document(long index);

  /**
   * The text tokenizer of this source's vocabulary (ids are vocabulary ids), for evaluators that
   * score text of their own (multiple-choice tasks); null when the source has none (bare shards).
   */
  default Tokenizer textTokenizer() {
    return null;
  }

  /**
   * Documents this source found bad and skipped so far (an image that does not decode, a sample
   * without a caption …): each is named in the log when found; a bad document comes back empty and
   * the loader passes over it.
   */
  default long badDocuments() {
    return 0;
  }

  /** The image decoder of this source's vocabulary, or null when it has none. */
  default ImageCodec imageCodec() {
    return null;
  }
}
