package org.moma.data.packing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.moma.api.data.DocumentSource;
import org.moma.api.data.TokenizedDocument;
import org.moma.api.data.Vocabulary;
import org.moma.api.model.Modality;

class BalancedPackingTest {
  /**
   * Unbounded source; document i is 20 tokens whose value is i, and it is image-heavy (16 image
   * tokens) only when i % 5 == 0, so the natural image share is 0.16·… ≈ 0.28.
   */
  private static final DocumentSource SOURCE =
      new DocumentSource() {
        @Override
        public Vocabulary vocabulary() {
          return new Vocabulary(1 << 20, 0, 1, 2, 3, 10, 10, "t");
        }

        @Override
        public List<Modality> modalities() {
          return Modality.STANDARD;
        }

        @Override
        public long size() {
          return Long.MAX_VALUE;
        }

        @Override
        public TokenizedDocument document(long index) {
          int[] tokens = new int[20];
          byte[] modality = new byte[20];
          java.util.Arrays.fill(tokens, (int) index);
          int images = index % 5 == 0 ? 16 : new SplittableRandom(index).nextInt(6);
          for (int i = 0; i < images; i++) {
            modality[i] = 1;
          }
          return new TokenizedDocument(tokens, modality);
        }
      };

  @Test
  void balancingHoldsTheTargetShareThatPlainOrderMisses() {
    SequencePacker plain = new SequencePacker(SOURCE, 63);
    SequencePacker balanced = new SequencePacker(SOURCE, 63, 0.4, 8);
    for (int i = 0; i < 40; i++) {
      plain.next(4);
      balanced.next(4);
    }
    assertTrue(Math.abs(plain.imageShare() - 0.4) > 0.1, "plain share " + plain.imageShare());
    assertEquals(0.4, balanced.imageShare(), 0.02);
  }

  @Test
  void everyDocumentReadIsEitherUsedOrCountedAsSkipped() {
    SequencePacker balanced = new SequencePacker(SOURCE, 99, 0.4, 8);
    TreeSet<Integer> used = new TreeSet<>();
    for (int i = 0; i < 60; i++) {
      for (int t : balanced.next(2).tokens()) {
        used.add(t);
      }
    }
    SequencePacker.State state = balanced.state();
    long queued = state.imageRich().size() + state.textRich().size() + (state.current() >= 0 ? 1 : 0);
    long read = state.nextDocument();
    // the document in progress is counted in 'used' and in 'queued': subtract it once
    assertEquals(read, used.size() + balanced.skipped() + queued - (state.current() >= 0 ? 1 : 0));
    assertTrue(balanced.skipped() > 0, "reaching 0.4 from a 0.27 mix must skip text documents");
    assertEquals(0, new SequencePacker(SOURCE, 99).skipped());
  }

  @Test
  void resumedBalancedPackerYieldsTheSameBatches() {
    SequencePacker uninterrupted = new SequencePacker(SOURCE, 31, 0.4, 8);
    SequencePacker first = new SequencePacker(SOURCE, 31, 0.4, 8);
    for (int i = 0; i < 7; i++) {
      uninterrupted.next(3);
      first.next(3);
    }
    SequencePacker resumed = new SequencePacker(SOURCE, 31, 0.4, 8);
    resumed.restore(first.state());
    for (int i = 0; i < 10; i++) {
      Batch expected = uninterrupted.next(3);
      Batch actual = resumed.next(3);
      assertArrayEquals(expected.tokens(), actual.tokens(), "batch " + i);
      assertArrayEquals(expected.modality(), actual.modality(), "batch " + i);
    }
  }
}
