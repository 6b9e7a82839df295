package org.moma.data.shapes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.data.DocumentSource;
import org.moma.api.data.TokenizedDocument;
import org.moma.api.data.Vocabulary;
import org.moma.data.corpus.MixedModalTokenizer;

class ShapesCorpusTest {
  @TempDir static Path store;
  static Options options;
  static final ShapesDatasetPlugin PLUGIN = new ShapesDatasetPlugin();

  @BeforeAll
  static void smallTokenizers() throws Exception {
    options = PLUGIN.parseOptions(new ObjectMapper().readTree(
        "{\"codebook\": 64, \"textVocab\": 320, \"tokenizerImages\": 80, \"tokenizers\": \"" + store + "\"}"), "data.options");
  }

  @Test
  void sameSeedSameCorpusOtherSeedOtherCorpus() {
    DocumentSource a = PLUGIN.open("train", 1, options);
    DocumentSource b = PLUGIN.open("train", 1, options);
    DocumentSource c = PLUGIN.open("train", 2, options);
    for (long i = 0; i < 5; i++) {
      assertArrayEquals(a.document(i).tokens(), b.document(i).tokens());
    }
    assertFalse(Arrays.equals(a.document(0).tokens(), c.document(0).tokens()));
    assertFalse(Arrays.equals(a.document(0).tokens(), PLUGIN.open("valid", 1, options).document(0).tokens()));
  }

  @Test
  void documentsInterleaveTextAndImageGridsInOneVocabulary() {
    DocumentSource source = PLUGIN.open("interleaved", 3, options);
    Vocabulary v = source.vocabulary();
    TokenizedDocument d = source.document(0);
    int images = 0;
    for (int i = 0; i < d.length(); i++) {
      int id = d.tokens()[i];
      assertTrue(id >= 0 && id < v.size());
      assertEquals(v.isImageCode(id) || id == v.endImage() ? 1 : 0, d.modalities()[i], "modality of token " + i);
      if (id == v.beginImage()) {
        images++;
        for (int k = 1; k <= 64; k++) {
          assertTrue(v.isImageCode(d.tokens()[i + k]), "image grid interrupted at " + k);
        }
        assertEquals(v.endImage(), d.tokens()[i + 65]);
      }
    }
    assertEquals(2, images);
    assertEquals(v.endOfDocument(), d.tokens()[d.length() - 1]);
  }

  @Test
  void captionSplitScoresTheCaptionAfterTheImage() {
    DocumentSource source = PLUGIN.open("caption", 3, options);
    TokenizedDocument d = source.document(4);
    MixedModalTokenizer tokenizer = ShapesDatasetPlugin.tokenizer(options);
    int[] scored = Arrays.copyOfRange(d.tokens(), d.scoreFrom(), d.length());
    String caption = tokenizer.decodeText(scored);
    assertTrue(caption.startsWith(" it shows a "), caption);
    for (int i = 0; i < d.scoreFrom(); i++) {
      if (source.vocabulary().isImageCode(d.tokens()[i])) {
        return; // the image precedes the scored caption
      }
    }
    throw new AssertionError("no image before the caption");
  }

  @Test
  void tokenizersAreSavedOnceAndReloadedIdentically() throws Exception {
    MixedModalTokenizer first = ShapesDatasetPlugin.tokenizer(options);
    try (var dirs = Files.list(store)) {
      Path dir = dirs.findFirst().orElseThrow();
      MixedModalTokenizer reloaded = MixedModalTokenizer.load(dir);
      assertEquals(first.vocabulary(), reloaded.vocabulary());
    }
  }

  @Test
  void unknownSplitIsNamed() {
    SpecException e = assertThrows(SpecException.class, () -> PLUGIN.open("test", 1, options));
    assertTrue(e.getMessage().contains("no split 'test'"), e.getMessage());
  }
}
