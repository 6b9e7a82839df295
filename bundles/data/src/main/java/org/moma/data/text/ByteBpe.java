package org.moma.data.text;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte-level BPE (GPT-2 style): ids 0–255 are the bytes, every later id is a learned merge of two
 * earlier ids. Any string round-trips exactly, unseen text included.
 */
public final class ByteBpe {
  /** Words keep their leading space, as in GPT-2, so merges never cross word boundaries. */
  private static final Pattern PRETOKEN = Pattern.compile(" ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+");

  private final int[][] merges; // merges[i] = {left, right} for id 256 + i
  private final Map<Long, Integer> rank = new HashMap<>();
  private final byte[][] bytesOf;
  private final Map<String, int[]> cache = new java.util.concurrent.ConcurrentHashMap<>(); // evaluators may encode beside a loader thread
  private final String identity;

  public ByteBpe(int[][] merges) {
    this.merges = merges;
    bytesOf = new byte[256 + merges.length][];
    for (int b = 0; b < 256; b++) {
      bytesOf[b] = new byte[] {(byte) b};
    }
    for (int i = 0; i < merges.length; i++) {
      int left = merges[i][0];
      int right = merges[i][1];
      if (left < 0 || right < 0 || left >= 256 + i || right >= 256 + i) {
        throw new IllegalArgumentException("merge " + i + " refers to an id not defined before it");
      }
      rank.put(pair(left, right), i);
      byte[] joined = new byte[bytesOf[left].length + bytesOf[right].length];
      System.arraycopy(bytesOf[left], 0, joined, 0, bytesOf[left].length);
      System.arraycopy(bytesOf[right], 0, joined, bytesOf[left].length, bytesOf[right].length);
      bytesOf[256 + i] = joined;
    }
    identity = fingerprint(merges);
  }

  /** Learns {@code vocabSize - 256} merges from a corpus; deterministic for the same input. */
  public static ByteBpe train(Iterable<String> texts, int vocabSize) {
    if (vocabSize < 256) {
      throw new IllegalArgumentException("byte-level BPE needs a vocabulary of at least 256, got " + vocabSize);
    }
    Map<String, Integer> wordCounts = new LinkedHashMap<>();
    for (String text : texts) {
      Matcher m = PRETOKEN.matcher(text);
      while (m.find()) {
        wordCounts.merge(m.group(), 1, Integer::sum);
      }
    }
    List<int[]> words = new ArrayList<>();
    List<Integer> counts = new ArrayList<>();
    for (Map.Entry<String, Integer> e : wordCounts.entrySet()) {
      byte[] bytes = e.getKey().getBytes(StandardCharsets.UTF_8);
      int[] symbols = new int[bytes.length];
      for (int i = 0; i < bytes.length; i++) {
        symbols[i] = bytes[i] & 0xFF;
      }
      words.add(symbols);
      counts.add(e.getValue());
    }
    List<int[]> merges = new ArrayList<>();
    while (256 + merges.size() < vocabSize) {
      Map<Long, Integer> pairCounts = new HashMap<>();
      for (int w = 0; w < words.size(); w++) {
        int[] s = words.get(w);
        for (int i = 0; i + 1 < s.length; i++) {
          pairCounts.merge(pair(s[i], s[i + 1]), counts.get(w), Integer::sum);
        }
      }
      long best = -1;
      int bestCount = 1; // a pair seen once is not worth a merge
      for (Map.Entry<Long, Integer> e : pairCounts.entrySet()) {
        if (e.getValue() > bestCount || (e.getValue() == bestCount && best >= 0 && e.getKey() < best)) {
          best = e.getKey();
          bestCount = e.getValue();
        }
      }
      if (best < 0) {
        break; // the corpus has nothing left to merge
      }
      int left = (int) (best >>> 32);
      int right = (int) best;
      int id = 256 + merges.size();
      merges.add(new int[] {left, right});
      for (int w = 0; w < words.size(); w++) {
        words.set(w, apply(words.get(w), left, right, id));
      }
    }
    return new ByteBpe(merges.toArray(new int[0][]));
  }

  private static int[] apply(int[] s, int left, int right, int id) {
    int[] out = new int[s.length];
    int n = 0;
    for (int i = 0; i < s.length; i++) {
      if (i + 1 < s.length && s[i] == left && s[i + 1] == right) {
        out[n++] = id;
        i++;
      } else {
        out[n++] = s[i];
      }
    }
    return n == s.length ? s : java.util.Arrays.copyOf(out, n);
  }

  public int vocabSize() {
    return 256 + merges.length;
  }

  public int[][] merges() {
    return merges;
  }

  public String identity() {
    return identity;
  }

  public int[] encode(String text) {
    List<Integer> ids = new ArrayList<>();
    Matcher m = PRETOKEN.matcher(text);
    int end = 0;
    while (m.find()) {
      if (m.start() != end) {
        throw new IllegalStateException("pre-tokenizer skipped text at " + end);
      }
      end = m.end();
      for (int id : encodeWord(m.group())) {
        ids.add(id);
      }
    }
    return ids.stream().mapToInt(Integer::intValue).toArray();
  }

  private int[] encodeWord(String word) {
    int[] cached = cache.get(word);
    if (cached != null) {
      return cached;
    }
    byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
    int[] s = new int[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      s[i] = bytes[i] & 0xFF;
    }
    while (s.length > 1) {
      int bestRank = Integer.MAX_VALUE;
      int at = -1;
      for (int i = 0; i + 1 < s.length; i++) {
        Integer r = rank.get(pair(s[i], s[i + 1]));
        if (r != null && r < bestRank) {
          bestRank = r;
          at = i;
        }
      }
      if (at < 0) {
        break;
      }
      s = apply(s, s[at], s[at + 1], 256 + bestRank);
    }
    if (cache.size() < 100_000) {
      cache.put(word, s);
    }
    return s;
  }

  public String decode(int[] ids) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (int id : ids) {
      if (id < 0 || id >= bytesOf.length) {
        throw new IllegalArgumentException("id " + id + " is not in this tokenizer (" + bytesOf.length + " ids)");
      }
      out.writeBytes(bytesOf[id]);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static long pair(int left, int right) {
    return ((long) left << 32) | (right & 0xFFFFFFFFL);
  }

  private static String fingerprint(int[][] merges) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (int[] m : merges) {
        sha.update((m[0] + "," + m[1] + ";").getBytes(StandardCharsets.US_ASCII));
      }
      return "bpe" + (256 + merges.length) + "-" + HexFormat.of().formatHex(sha.digest()).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
