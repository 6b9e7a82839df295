package org.moma.data.clipart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moma.api.Options;
import org.moma.api.data.DocumentSource;
import org.moma.api.data.TokenizedDocument;
import org.moma.api.model.Modality;

/**
 * The {@code clipart} corpus on the real Debian packages, with their published counts. It runs when
 * {@value #CLIPART} names the Open Clip Art folder ({@code /usr/share/openclipart}, from
 * openclipart-svg and openclipart-png) and {@value #WORDNET} the WordNet folder
 * ({@code /usr/share/wordnet}, from wordnet-base); then a missing folder fails. Without them it is
 * skipped, and says so.
 */
class RealClipartFilesTest {
  static final String CLIPART = "MOMA_CLIPART";
  static final String WORDNET = "MOMA_WORDNET";
  static final String WHY_SKIPPED = CLIPART + " and " + WORDNET + " are not set: the tests on the real clip art and WordNet files"
      + " are skipped (apt-get install openclipart-svg openclipart-png wordnet-base, then set them to /usr/share/openclipart and"
      + " /usr/share/wordnet)";
  static Path clipart;
  static Path wordnet;

  @BeforeAll
  static void folders() {
    String c = System.getenv(CLIPART);
    String w = System.getenv(WORDNET);
    if ((c == null || c.isBlank()) && (w == null || w.isBlank())) {
      System.out.println("[RealClipartFilesTest] SKIPPED: " + WHY_SKIPPED);
      return;
    }
    assertTrue(c != null && !c.isBlank() && w != null && !w.isBlank(), "set both " + CLIPART + " and " + WORDNET);
    clipart = Path.of(c);
    wordnet = Path.of(w);
    assertTrue(Files.isDirectory(clipart.resolve("svg")) && Files.isDirectory(clipart.resolve("png")),
        CLIPART + "=" + c + " has no svg/ and png/ (apt-get install openclipart-svg openclipart-png)");
    assertTrue(Files.isRegularFile(wordnet.resolve("data.noun")), WORDNET + "=" + w + " has no data.noun (apt-get install wordnet-base)");
  }

  @BeforeEach
  void onlyWithTheFolders() {
    Assumptions.assumeTrue(clipart != null, WHY_SKIPPED);
  }

  @Test
  void everyDrawingOnceWithACaptionThatSaysSomething() throws IOException {
    Catalogue.Scan scan = Catalogue.scan(clipart);
    // openclipart 1:0.18: 8,121 SVG files, 663 of them links to a drawing already counted
    assertEquals(8121, scan.drawings().size() + scan.links() + scan.withoutRendering() + scan.unreadable());
    assertEquals(663, scan.links());
    assertTrue(scan.drawings().size() >= 7450, scan.drawings().size() + " drawings");
    Set<String> captions = new HashSet<>();
    for (Drawing d : scan.drawings()) {
      assertTrue(!d.caption().toLowerCase(java.util.Locale.ROOT).startsWith("gramastar"), d.id() + ": " + d.caption());
      captions.add(d.caption());
    }
    assertTrue(captions.size() > 0.9 * scan.drawings().size(), captions.size() + " distinct captions of " + scan.drawings().size());
  }

  @Test
  void wordNetGivesItsSynsets() throws IOException {
    List<WordNetGlosses.Gloss> glosses = WordNetGlosses.read(wordnet);
    assertEquals(117_659, glosses.size(), "WordNet 3.0: 82,115 noun, 13,767 verb, 18,156 adjective and 3,621 adverb synsets");
  }

  @Test
  void theCorpusMixesDrawingsAndText(@TempDir Path tokenizers) {
    Options options = Options.parse(new ObjectMapper().valueToTree(Map.of("clipart", clipart.toString(), "wordnet", wordnet.toString(),
        "tokenizers", tokenizers.toString(), "imageSize", 16, "codebook", 16, "textVocab", 300)), new ClipartPlugin().options(), "data");
    DocumentSource train = new ClipartPlugin().open("train", 1, options);
    int images = 0;
    for (long i = 0; i < 2000; i++) {
      TokenizedDocument d = train.document(i);
      for (byte m : d.modalities()) {
        if (m == Modality.IMAGE.id()) {
          images++;
          break;
        }
      }
    }
    // 7.5k drawings among 125k documents, mixed by hash: about 6% of any stretch
    assertTrue(images > 60 && images < 200, images + " of 2000 documents hold a drawing");
    assertTrue(train.badDocuments() <= 2, train.badDocuments() + " bad drawings");
  }
}
