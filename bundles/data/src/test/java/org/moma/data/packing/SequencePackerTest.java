package org.moma.data.packing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.moma.api.data.DocumentSource;
import org.moma.api.data.TokenizedDocument;
import org.moma.api.data.Vocabulary;
import org.moma.api.model.Modality;

class SequencePackerTest {
  /** Document i is i+1 tokens long, every token equal to i, the last one an image token. */
  private static final DocumentSource SOURCE =
      new DocumentSource() {
        @Override
        public Vocabulary vocabulary() {
          return new Vocabulary(100, 0, 1, 2, 3, 50, 50, "test");
        }

        @Override
        public List<Modality> modalities() {
          return Modality.STANDARD;
        }

        @Override
        public long size() {
          return 6;
        }

        @Override
        public TokenizedDocument document(long index) {
          int n = (int) index + 1;
          int[] tokens = new int[n];
          byte[] modality = new byte[n];
          java.util.Arrays.fill(tokens, (int) index + 10);
          modality[n - 1] = 1;
          return new TokenizedDocument(tokens, modality);
        }
      };

  @Test
  void packsDocumentsEndToEndAndWrapsAround() {
    SequencePacker packer = new SequencePacker(SOURCE, 4);
    Batch batch = packer.next(5); // 25 tokens; the corpus has 21
    assertArrayEquals(
        new int[] {10, 11, 11, 12, 12, 12, 13, 13, 13, 13, 14, 14, 14, 14, 14, 15, 15, 15, 15, 15, 15, 10, 11, 11, 12},
        batch.tokens());
    assertEquals(1, batch.modality()[0]);
    assertEquals(0, batch.modality()[1]);
  }

  @Test
  void resumingFromASavedPositionYieldsTheSameBatches() {
    SequencePacker uninterrupted = new SequencePacker(SOURCE, 3);
    uninterrupted.next(2);
    Batch expected1 = uninterrupted.next(2);
    Batch expected2 = uninterrupted.next(3);

    SequencePacker first = new SequencePacker(SOURCE, 3);
    first.next(2);
    SequencePacker resumed = new SequencePacker(SOURCE, 3);
    resumed.restore(first.state());
    assertArrayEquals(expected1.tokens(), resumed.next(2).tokens());
    Batch b2 = resumed.next(3);
    assertArrayEquals(expected2.tokens(), b2.tokens());
    assertArrayEquals(expected2.modality(), b2.modality());
  }

  @Test
  void countsTargetTokensPerModality() {
    Batch batch = new SequencePacker(SOURCE, 4).next(2);
    // rows: [10 11 11 12 12] [12 13 13 13 13]; targets exclude each row's first token
    assertEquals(2, batch.targetCount(1)); // 11 (end of doc 1), 12 (end of doc 2)
    assertEquals(6, batch.targetCount(0));
  }

  @Test
  void badDocumentsLeftEmptyArePassedOverTheSameWayAfterAResume() {
    DocumentSource holes = new DocumentSource() {
      @Override
      public Vocabulary vocabulary() {
        return SOURCE.vocabulary();
      }

      @Override
      public long size() {
        return 6;
      }

      @Override
      public TokenizedDocument document(long index) {
        return index == 1 || index == 3 ? new TokenizedDocument(new int[0], new byte[0]) : SOURCE.document(index);
      }
    };
    SequencePacker packer = new SequencePacker(holes, 4);
    assertArrayEquals(new int[] {10, 12, 12, 12, 14, 14, 14, 14, 14, 15}, packer.next(2).tokens(), "documents 1 and 3 passed over");
    SequencePacker.State state = packer.state();
    Batch next = packer.next(2);
    SequencePacker resumed = new SequencePacker(holes, 4);
    resumed.restore(state);
    assertArrayEquals(next.tokens(), resumed.next(2).tokens());
    SequencePacker balanced = new SequencePacker(holes, 4, 0.3, 2);
    for (int i = 0; i < 5; i++) {
      for (int t : balanced.next(2).tokens()) {
        assertTrue(t != 11 && t != 13, "an empty document never packed");
      }
    }
  }
}
