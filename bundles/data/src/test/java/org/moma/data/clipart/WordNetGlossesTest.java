package org.moma.data.clipart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WordNetGlossesTest {
  @Test
  void oneDocumentPerSynsetWithWordsAndGloss(@TempDir Path dir) throws IOException {
    List<WordNetGlosses.Gloss> all = WordNetGlosses.read(ClipartFixture.wordnet(dir));
    assertEquals(6, all.size(), "the licence lines are not synsets");
    assertEquals("wordnet:noun:02084071", all.get(1).id());
    assertEquals("dog, domestic dog, Canis familiaris (noun): a member of the genus Canis; \"the dog barked all night\"", all.get(1).text());
    assertEquals("eat, feed (verb): take in food; used of animals only; \"This dog doesn't eat certain kinds of meat\"", all.get(2).text());
    assertEquals("galore (adjective): in great numbers; \"there were daffodils galore\"", all.get(4).text());
    assertEquals("a cappella (adverb): without musical accompaniment", all.get(5).text());
  }

  @Test
  void aLineOfAnotherShapeIsNamedWithItsFileAndLine(@TempDir Path dir) throws IOException {
    ClipartFixture.wordnet(dir);
    Files.writeString(dir.resolve("data.verb"), "  licence\nnot a synset at all\n");
    IOException e = assertThrows(IOException.class, () -> WordNetGlosses.read(dir));
    assertEquals(dir.resolve("data.verb") + ":2: not a WordNet data line", e.getMessage());
    assertNull(WordNetGlosses.parse("00001740 03 n zz entity 0 | gloss", "noun", "noun"));
  }

  @Test
  void aMissingDatabaseFileNamesThePackage(@TempDir Path dir) {
    NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> WordNetGlosses.read(dir));
    assertTrue(e.getMessage().contains("data.noun") && e.getMessage().contains("wordnet-base"), e.getMessage());
  }
}
