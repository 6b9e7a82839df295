package org.moma.data.packing;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.moma.api.data.DocumentSource;
import org.moma.api.data.TokenizedDocument;
import org.moma.api.model.Modality;

/**
 * Packs documents end to end into rows of {@code seqLen + 1} tokens (inputs and shifted targets).
 *
 * <p>With a target image ratio (paper §3.1) documents are sorted as they are read into those with
 * more image tokens than the target share and those with fewer; the next document comes from
 * whichever kind moves the running share towards the target. Each kind waits in a queue of at most
 * {@code window} documents; a document pushed out of a full queue is skipped, and the number of
 * skipped documents is reported ({@link #skipped()}), never hidden. Its {@link State} is all a
 * checkpoint needs to resume on exactly the next batch.
 */
public final class SequencePacker {
  /** Everything that decides the next batch. Document indices grow past the corpus size (epochs). */
  public record State(
      long nextDocument, List<Long> imageRich, List<Long> textRich, long current, int offset,
      long textTokens, long imageTokens, long skipped) {}

  private final DocumentSource source;
  private final int rowLength;
  private final double imageRatio;
  private final int window;
  private long nextDocument;
  private final java.util.ArrayDeque<Long> imageRich = new java.util.ArrayDeque<>();
  private final java.util.ArrayDeque<Long> textRich = new java.util.ArrayDeque<>();
  private final Map<Long, TokenizedDocument> pending = new HashMap<>();
  private long current = -1;
  private TokenizedDocument document;
  private int offset;
  private long textTokens;
  private long imageTokens;
  private long skipped;

  public SequencePacker(DocumentSource source, int seqLen) {
    this(source, seqLen, Double.NaN, 1);
  }

  /**
   * @param imageRatio target share of image tokens in [0, 1], or NaN for plain document order
   * @param window how many documents are considered for each choice when balancing
   */
  public SequencePacker(DocumentSource source, int seqLen, double imageRatio, int window) {
    if (source.size() == 0) {
      throw new IllegalArgumentException("the dataset split is empty");
    }
    this.source = source;
    this.rowLength = seqLen + 1;
    this.imageRatio = imageRatio;
    this.window = Math.max(1, window);
  }

  /** The packer a training spec asks for: balanced to {@code imageRatio} when it sets one (window 8). */
  public static SequencePacker forTraining(DocumentSource source, int seqLen, org.moma.api.spec.TrainingSpec training) {
    return training.balanced()
        ? new SequencePacker(source, seqLen, training.imageRatio(), 8)
        : new SequencePacker(source, seqLen);
  }

  /** A batch of {@code rows} rows. */
  public Batch next(int rows) {
    int[] tokens = new int[rows * rowLength];
    int[] modality = new int[rows * rowLength];
    for (int i = 0; i < tokens.length; i++) {
      if (document == null) {
        startNextDocument();
      }
      tokens[i] = document.tokens()[offset];
      modality[i] = document.modalities()[offset];
      if (modality[i] == Modality.IMAGE.id()) {
        imageTokens++;
      } else {
        textTokens++;
      }
      if (++offset == document.length()) {
        document = null;
        offset = 0;
      }
    }
    return new Batch(rows, rowLength - 1, tokens, modality);
  }

  private void startNextDocument() {
    if (Double.isNaN(imageRatio)) {
      for (long passed = 0; document == null; passed++) {
        if (passed > source.size()) {
          throw new IllegalStateException("every document of the source is empty or bad");
        }
        current = nextDocument++;
        document = fetch(current); // null: a bad document the source left empty, passed over
      }
      return;
    }
    boolean wantImages = imageShare() < imageRatio;
    java.util.ArrayDeque<Long> wanted = wantImages ? imageRich : textRich;
    // read ahead (at most two windows) until a document of the wanted kind is queued
    for (int read = 0; wanted.isEmpty() && read < 2 * window; read++) {
      long index = nextDocument++;
      TokenizedDocument fetched = fetch(index);
      if (fetched == null) {
        continue; // a bad document the source left empty
      }
      java.util.ArrayDeque<Long> queue = imageShareOf(fetched) > imageRatio ? imageRich : textRich;
      queue.addLast(index);
      if (queue.size() > window) {
        pending.remove(queue.removeFirst());
        skipped++;
      }
    }
    java.util.ArrayDeque<Long> from = wanted.isEmpty() ? (wantImages ? textRich : imageRich) : wanted;
    if (from.isEmpty()) {
      startNextDocument(); // two windows of bad documents: read on
      return;
    }
    current = from.removeFirst();
    document = fetch(current);
    pending.remove(current);
  }

  private static double imageShareOf(TokenizedDocument d) {
    int images = 0;
    for (byte m : d.modalities()) {
      images += m == Modality.IMAGE.id() ? 1 : 0;
    }
    return (double) images / d.length();
  }

  /** The document at {@code index}, or null for one the source left empty (a bad sample, named in its log). */
  private TokenizedDocument fetch(long index) {
    TokenizedDocument d = pending.get(index);
    if (d == null) {
      d = source.document(Math.floorMod(index, source.size()));
      if (d.length() == 0) {
        return null;
      }
      if (!Double.isNaN(imageRatio)) {
        pending.put(index, d); // queued documents are read once
      }
    }
    return d;
  }

  /** Share of image tokens among all tokens packed so far. */
  public double imageShare() {
    long total = imageTokens + textTokens;
    return total == 0 ? 0 : (double) imageTokens / total;
  }

  /** Documents skipped to hold the target ratio (0 without balancing). */
  public long skipped() {
    return skipped;
  }

  public State state() {
    return new State(nextDocument, List.copyOf(imageRich), List.copyOf(textRich), document == null ? -1 : current,
        offset, textTokens, imageTokens, skipped);
  }

  /** Continues exactly where a packer in {@code state} would. */
  public void restore(State state) {
    nextDocument = state.nextDocument();
    imageRich.clear();
    imageRich.addAll(state.imageRich());
    textRich.clear();
    textRich.addAll(state.textRich());
    pending.clear();
    current = state.current();
    offset = state.offset();
    document = current < 0 ? null : fetch(current);
    textTokens = state.textTokens();
    imageTokens = state.imageTokens();
    skipped = state.skipped();
  }
}
