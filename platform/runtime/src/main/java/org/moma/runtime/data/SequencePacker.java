package org.moma.runtime.data;

import org.moma.api.data.DocumentSource;
import org.moma.api.data.TokenizedDocument;

/**
 * Packs documents end to end into rows of {@code seqLen + 1} tokens (inputs and shifted targets).
 * Its position — the document index and the offset inside it — is all a checkpoint needs to
 * resume on exactly the next batch.
 */
public final class SequencePacker {
  private final DocumentSource source;
  private final int rowLength;
  private long document;
  private int offset;
  private TokenizedDocument current;

  public SequencePacker(DocumentSource source, int seqLen) {
    this.source = source;
    this.rowLength = seqLen + 1;
  }

  /** A batch of {@code batchSize} rows. */
  public Batch next(int batchSize) {
    int[] tokens = new int[batchSize * rowLength];
    int[] modality = new int[batchSize * rowLength];
    for (int i = 0; i < tokens.length; i++) {
      if (current == null) {
        if (document >= source.size()) {
          document = 0; // a finite corpus starts its next epoch
        }
        current = source.document(document);
      }
      tokens[i] = current.tokens()[offset];
      modality[i] = current.modalities()[offset];
      if (++offset == current.length()) {
        current = null;
        offset = 0;
        document++;
      }
    }
    return new Batch(batchSize, rowLength - 1, tokens, modality);
  }

  public long document() {
    return document;
  }

  public int offset() {
    return offset;
  }

  /** Moves to a position saved by {@link #document()} and {@link #offset()}. */
  public void seek(long documentIndex, int tokenOffset) {
    document = documentIndex;
    offset = tokenOffset;
    current = tokenOffset == 0 ? null : source.document(documentIndex);
  }
}
