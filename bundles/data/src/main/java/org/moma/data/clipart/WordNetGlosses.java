package org.moma.data.clipart;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * English text from WordNet's database files ({@code data.noun}, {@code data.verb},
 * {@code data.adj}, {@code data.adv}, as Debian's {@code wordnet-base} installs them): one document
 * per synset, its words then its gloss with the gloss's example sentences, e.g. "dog, domestic dog,
 * Canis familiaris (noun): a member of the genus Canis …; "the dog barked all night"".
 */
final class WordNetGlosses {
  /** A synset's document text and its identity ({@code wordnet:noun:02084071}), which the split and order hash. */
  record Gloss(String id, String text) {}

  static final String[] PARTS = {"noun", "verb", "adj", "adv"};
  private static final String[] SPOKEN = {"noun", "verb", "adjective", "adverb"};

  private WordNetGlosses() {}

  /** Every synset of the four database files in {@code dict}. */
  static List<Gloss> read(Path dict) throws IOException {
    List<Gloss> all = new ArrayList<>();
    for (int p = 0; p < PARTS.length; p++) {
      Path file = dict.resolve("data." + PARTS[p]);
      if (!Files.isRegularFile(file)) {
        throw new NoSuchFileException(file.toString(), null, "no WordNet database file (apt-get install wordnet-base)");
      }
      try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
        int lineNumber = 0;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lineNumber++;
          if (line.startsWith(" ") || line.isBlank()) {
            continue; // the licence at the head of each file
          }
          Gloss g = parse(line, PARTS[p], SPOKEN[p]);
          if (g == null) {
            throw new IOException(file + ":" + lineNumber + ": not a WordNet data line");
          }
          all.add(g);
        }
      }
    }
    return all;
  }

  /**
   * One data line: {@code offset lex_filenum ss_type w_cnt word lex_id [word lex_id…] p_cnt … | gloss}.
   * Null when the line does not have that shape.
   */
  static Gloss parse(String line, String part, String spoken) {
    int bar = line.indexOf(" | ");
    if (bar < 0) {
      return null;
    }
    String[] f = line.substring(0, bar).split(" ");
    if (f.length < 6) {
      return null;
    }
    int words;
    try {
      words = Integer.parseInt(f[3], 16);
    } catch (NumberFormatException e) {
      return null;
    }
    if (f.length < 4 + 2 * words) {
      return null;
    }
    List<String> names = new ArrayList<>();
    for (int w = 0; w < words; w++) {
      // adjectives may carry a syntactic marker: "galore(ip)"
      names.add(f[4 + 2 * w].replaceFirst("\\((a|p|ip)\\)$", "").replace('_', ' '));
    }
    String gloss = line.substring(bar + 3).strip();
    return new Gloss("wordnet:" + part + ":" + f[0],
        String.join(", ", names) + " (" + spoken + "): " + gloss);
  }
}
