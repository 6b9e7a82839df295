package org.moma.data.clipart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.data.DocumentSource;
import org.moma.api.data.TokenizedDocument;
import org.moma.api.model.Modality;

class ClipartPluginTest {
  @TempDir Path dir;

  private Options options(Map<String, Object> given) {
    Map<String, Object> all = new java.util.HashMap<>(Map.of("clipart", dir.resolve("openclipart").toString(),
        "wordnet", dir.resolve("wordnet").toString(), "tokenizers", dir.resolve("tokenizers").toString(),
        "validEvery", 3, "imageSize", 8, "patch", 4, "codebook", 4, "textVocab", 260));
    all.putAll(given);
    return Options.parse(new ObjectMapper().valueToTree(all), new ClipartPlugin().options(), "data.options");
  }

  private void fixture() throws IOException {
    ClipartFixture.clipart(dir.resolve("openclipart"));
    ClipartFixture.wordnet(dir.resolve("wordnet"));
  }

  private static boolean hasImage(TokenizedDocument d) {
    for (byte m : d.modalities()) {
      if (m == Modality.IMAGE.id()) {
        return true;
      }
    }
    return false;
  }

  @Test
  void drawingsOnceEachAndGlossesSplitByIdentityNotSeed() throws IOException {
    fixture();
    Catalogue.Scan scan = Catalogue.scan(dir.resolve("openclipart"));
    assertEquals(12, scan.drawings().size(), "two links count once, an SVG without a PNG is left out");
    assertEquals(2, scan.links());
    assertEquals(1, scan.withoutRendering());
    ClipartPlugin plugin = new ClipartPlugin();
    DocumentSource train = plugin.open("train", 1, options(Map.of()));
    DocumentSource valid = plugin.open("valid", 1, options(Map.of()));
    DocumentSource otherSeed = plugin.open("train", 7, options(Map.of()));
    assertEquals(12 + 6, train.size() + valid.size());
    assertTrue(valid.size() > 0 && train.size() > valid.size(), "about one in three held out, found " + valid.size());
    Set<String> trainTexts = new HashSet<>();
    int images = 0;
    for (long i = 0; i < train.size(); i++) {
      TokenizedDocument d = train.document(i);
      org.junit.jupiter.api.Assertions.assertArrayEquals(d.tokens(), otherSeed.document(i).tokens(), "order and split do not follow the seed");
      images += hasImage(d) ? 1 : 0;
      trainTexts.add(train.textTokenizer().decode(d.tokens()));
    }
    assertTrue(images > 0 && images < train.size(), "image-text and text-only documents mixed: " + images + " of " + train.size());
    for (long i = 0; i < valid.size(); i++) {
      assertTrue(!trainTexts.contains(valid.textTokenizer().decode(valid.document(i).tokens())), "a valid document is also in train");
    }
  }

  @Test
  void aDrawingsCaptionComesBeforeOrAfterItsImageByItsHash() throws IOException {
    fixture();
    ClipartPlugin plugin = new ClipartPlugin();
    for (double first : new double[] {0, 1}) {
      DocumentSource train = plugin.open("train", 1, options(Map.of("captionFirst", first)));
      for (long i = 0; i < train.size(); i++) {
        TokenizedDocument d = train.document(i);
        if (hasImage(d)) {
          boolean startsWithText = d.modalities()[1] == Modality.TEXT.id(); // [0] is text (caption) or BEGIN_IMAGE
          assertEquals(first == 1, startsWithText, "captionFirst " + first);
        }
      }
    }
  }

  @Test
  void captionAndT2iHoldTheHeldOutDrawingsScoredOnTheirSecondPart() throws IOException {
    fixture();
    ClipartPlugin plugin = new ClipartPlugin();
    DocumentSource valid = plugin.open("valid", 1, options(Map.of()));
    long drawings = java.util.stream.LongStream.range(0, valid.size()).filter(i -> hasImage(valid.document(i))).count();
    for (String split : new String[] {"caption", "t2i"}) {
      DocumentSource s = plugin.open(split, 1, options(Map.of()));
      assertEquals(drawings, s.size(), split + ": the held-out drawings");
      for (long i = 0; i < s.size(); i++) {
        TokenizedDocument d = s.document(i);
        boolean captionFirst = d.modalities()[1] == Modality.TEXT.id();
        assertEquals(split.equals("t2i"), captionFirst, split);
        // scored from the second part: the caption after the image, or the image (its BEGIN_IMAGE marker) after the caption
        assertTrue(d.scoreFrom() > 0 && d.scoreFrom() < d.length(), split + " scoreFrom " + d.scoreFrom());
        assertEquals(split.equals("t2i") ? Modality.IMAGE.id() : Modality.TEXT.id(), d.modalities()[d.scoreFrom() + 1], split);
      }
    }
  }

  @Test
  void renderingsFitASquareOnWhiteKeepingTheirShape() {
    BufferedImage tall = new BufferedImage(20, 80, BufferedImage.TYPE_INT_ARGB); // all transparent but a black column
    for (int y = 0; y < 80; y++) {
      for (int x = 6; x < 14; x++) {
        tall.setRGB(x, y, 0xff000000);
      }
    }
    BufferedImage fitted = ClipartCorpus.fit(tall, 16);
    assertEquals(16, fitted.getWidth());
    assertEquals(16, fitted.getHeight());
    assertEquals(0xffffff, fitted.getRGB(1, 8) & 0xffffff, "transparent pixels and the margins are white");
    assertTrue((fitted.getRGB(8, 8) & 0xff) < 128, "the drawing's column stays dark in the middle");
    assertEquals(0xffffff, fitted.getRGB(14, 8) & 0xffffff, "a tall drawing is not stretched across the square");
  }

  @Test
  void missingFoldersAreNamedWithTheirPackages() throws IOException {
    ClipartFixture.wordnet(dir.resolve("wordnet"));
    SpecException e = assertThrows(SpecException.class, () -> new ClipartPlugin().open("train", 1, options(Map.of())));
    assertTrue(e.getMessage().contains("data.options.clipart") && e.getMessage().contains("openclipart-svg"), e.getMessage());
    ClipartFixture.clipart(dir.resolve("openclipart"));
    e = assertThrows(SpecException.class,
        () -> new ClipartPlugin().open("train", 1, options(Map.of("wordnet", dir.resolve("nowhere").toString()))));
    assertTrue(e.getMessage().contains("data.options.wordnet") && e.getMessage().contains("wordnet-base"), e.getMessage());
    DocumentSource drawingsOnly = new ClipartPlugin().open("train", 1, options(Map.of("wordnet", "")));
    for (long i = 0; i < drawingsOnly.size(); i++) {
      assertTrue(hasImage(drawingsOnly.document(i)), "wordnet '' leaves the glosses out");
    }
    assertThrows(SpecException.class, () -> new ClipartPlugin().open("test", 1, options(Map.of())));
  }
}
