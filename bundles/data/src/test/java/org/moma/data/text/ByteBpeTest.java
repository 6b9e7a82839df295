package org.moma.data.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ByteBpeTest {
  private static final List<String> CORPUS =
      List.of("a large red circle at the top left.", "a small red square at the top right.",
          "how many shapes are there? two.", "a large blue circle in the center.");

  @Test
  void roundTripsAnyTextIncludingUnseenAndUnicode() {
    ByteBpe bpe = ByteBpe.train(CORPUS, 300);
    for (String text : List.of("a large red circle at the top left.", "zebra crossing 42!", "über straße ✓ 漢字", "", "  two  spaces")) {
      assertEquals(text, bpe.decode(bpe.encode(text)));
    }
  }

  @Test
  void mergesCompressFrequentWords() {
    ByteBpe bpe = ByteBpe.train(CORPUS, 300);
    String text = "a large red circle";
    assertTrue(bpe.encode(text).length < text.length() / 2, "BPE did not compress: " + bpe.encode(text).length);
    assertTrue(bpe.vocabSize() > 256 && bpe.vocabSize() <= 300);
  }

  @Test
  void trainingIsDeterministicAndIdentityFollowsTheMerges() {
    ByteBpe a = ByteBpe.train(CORPUS, 290);
    ByteBpe b = ByteBpe.train(CORPUS, 290);
    assertEquals(a.identity(), b.identity());
    assertArrayEquals(a.encode("red circle"), b.encode("red circle"));
    assertNotEquals(a.identity(), ByteBpe.train(CORPUS, 270).identity());
  }

  @Test
  void rejectsIdsOutsideTheVocabulary() {
    ByteBpe bpe = ByteBpe.train(CORPUS, 260);
    assertThrows(IllegalArgumentException.class, () -> bpe.decode(new int[] {bpe.vocabSize()}));
  }
}
