package org.moma.data.clipart;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Captions that say something about a drawing, from its work's title, description and keywords and
 * its category folder. Open Clip Art's metadata is uneven: about a fifth of the titles are the same
 * word ("gramastar") and many more name a collection ("Part of the Flat Icon Collection …"), so a
 * title shared by several works gives way to the file's name; keywords most works carry ("hash",
 * "computer", "icons") are left out, as is the category repeated as a keyword.
 */
final class Captions {
  /** A title at least this many works share names a collection, not the drawing. */
  static final int SHARED_TITLE = 5;
  /** A keyword more than this share of works carry says nothing about one of them. */
  static final double COMMON_KEYWORD = 1.0 / 8;
  private static final int MAX_DESCRIPTION = 240;
  private static final int MAX_KEYWORDS = 8;
  private static final Set<String> EMPTY_KEYWORDS = Set.of("unsorted", "clip art", "clipart", "svg", "image", "picture");
  private static final Pattern STAR = Pattern.compile("star_(\\d+)pt(\\d+)step");
  private static final Pattern BY_ARTIST = Pattern.compile("(?i)^clip ?art by [^-]+ - ");
  /** A zero-padded number ending a file's name counts copies ({@code _01}); others say something (the card {@code white_h_10}). */
  private static final Pattern TRAILING_NUMBER = Pattern.compile("[ _-]*(?<!\\d)0\\d+$");

  private final Map<String, Integer> titleCounts;
  private final Map<String, Integer> keywordCounts;
  private final int works;

  /**
   * @param titleCounts how many works carry each title
   * @param keywordCounts how many works carry each keyword (as {@link #keywords} cleans them)
   */
  Captions(Map<String, Integer> titleCounts, Map<String, Integer> keywordCounts, int works) {
    this.titleCounts = titleCounts;
    this.keywordCounts = keywordCounts;
    this.works = works;
  }

  /**
   * "Name. Description. Keywords: a, b. Category: science / medicine." for the SVG at {@code relative}
   * (its path under {@code svg/}).
   */
  String caption(String relative, SvgMetadata work) {
    String category = category(relative);
    String name = informative(work.title()) ? titleName(work.title()) : fromFileName(relative);
    StringBuilder s = new StringBuilder(capitalize(name)).append('.');
    String description = clean(work.description());
    if (!description.isEmpty() && !description.equalsIgnoreCase(work.title().strip())) {
      s.append(' ').append(sentence(shorten(description)));
    }
    List<String> kept = new ArrayList<>();
    String said = (name + " " + category).toLowerCase(Locale.ROOT);
    for (String k : keywords(work.keywords())) {
      if (kept.size() < MAX_KEYWORDS && keywordCounts.getOrDefault(k, 0) <= COMMON_KEYWORD * works && !said.contains(k)) {
        kept.add(k);
      }
    }
    if (!kept.isEmpty()) {
      s.append(" Keywords: ").append(String.join(", ", kept)).append('.');
    }
    if (!category.isEmpty()) {
      s.append(" Category: ").append(category).append('.');
    }
    return s.toString();
  }

  private boolean informative(String title) {
    String t = title.strip();
    return !t.isEmpty() && t.length() <= 80 && titleCounts.getOrDefault(t, 0) < SHARED_TITLE;
  }

  /** A title as a name: underscores as spaces, without the "Clipart by Someone - " of an artist's collection. */
  static String titleName(String title) {
    String t = clean(BY_ARTIST.matcher(title.strip()).replaceFirst("").replace('_', ' '));
    return t.isEmpty() ? clean(title) : t;
  }

  /** A work's keywords as captions use them: split at commas, lower case, underscores as spaces, each once, generic ones out. */
  static List<String> keywords(List<String> raw) {
    Set<String> out = new LinkedHashSet<>();
    for (String r : raw) {
      for (String part : r.split("[,;]")) {
        String k = clean(part.replace('_', ' ')).toLowerCase(Locale.ROOT);
        if (!k.isEmpty() && k.length() <= 40 && !EMPTY_KEYWORDS.contains(k)) {
          out.add(k);
        }
      }
    }
    return List.copyOf(out);
  }

  /** The category folders of an SVG's path: {@code science/medicine/x.svg} is "science / medicine". */
  static String category(String relative) {
    int slash = relative.lastIndexOf('/');
    String folders = slash < 0 ? "" : relative.substring(0, slash).replace('_', ' ').replace("/", " / ");
    return folders.equals("unsorted") ? "" : folders;
  }

  /** A name from a file's name: {@code chemistry_flask_matthew__01.svg} is "chemistry flask matthew". */
  static String fromFileName(String relative) {
    String base = relative.substring(relative.lastIndexOf('/') + 1).replaceFirst("\\.[^.]*$", "");
    Matcher star = STAR.matcher(base);
    if (star.matches()) {
      return "star polygon with " + Integer.parseInt(star.group(1)) + " points and step " + Integer.parseInt(star.group(2));
    }
    String words = TRAILING_NUMBER.matcher(base).replaceFirst("")
        .replaceAll("([a-z])([A-Z])", "$1 $2")
        .replace('_', ' ').replace('-', ' ').replace('.', ' ');
    words = clean(words);
    return words.isEmpty() ? base : words;
  }

  private static String clean(String s) {
    return s.replaceAll("\\s+", " ").strip();
  }

  private static String shorten(String s) {
    if (s.length() <= MAX_DESCRIPTION) {
      return s;
    }
    int cut = s.lastIndexOf(' ', MAX_DESCRIPTION);
    return s.substring(0, cut > 0 ? cut : MAX_DESCRIPTION) + " …";
  }

  private static String sentence(String s) {
    char last = s.charAt(s.length() - 1);
    return last == '.' || last == '!' || last == '?' || last == '…' ? s : s + ".";
  }

  private static String capitalize(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
