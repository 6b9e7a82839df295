package org.moma.data.files;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.moma.data.corpus.Segment;
import org.moma.data.corpus.SegmentedCorpus;

/**
 * Interleaved documents from a JSONL file, one per line:
 * {@code {"segments": [{"text": "…"}, {"image": "pics/1.png"}, …], "scoreFrom": 2}}. Image paths
 * are relative to the file; PNG and JPEG are read. Every line is parsed and every image path
 * checked when the file is opened, so a bad line fails the run before training starts.
 */
public final class JsonlDocuments {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A parsed line: text segments, image paths (null for text) and the scored segment. */
  private record Line(int number, List<String> texts, List<Path> images, int scoreFrom) {}

  private final Path file;
  private final List<Line> lines;

  private JsonlDocuments(Path file, List<Line> lines) {
    this.file = file;
    this.lines = lines;
  }

  public static JsonlDocuments read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException(file + ": no such file");
    }
    List<Line> lines = new ArrayList<>();
    try (BufferedReader reader = Files.newBufferedReader(file)) {
      String text;
      int number = 0;
      while ((text = reader.readLine()) != null) {
        number++;
        if (!text.isBlank()) {
          lines.add(parse(file, number, text));
        }
      }
    }
    if (lines.isEmpty()) {
      throw new IOException(file + ": no documents");
    }
    return new JsonlDocuments(file, lines);
  }

  private static Line parse(Path file, int number, String text) throws IOException {
    String where = file + ":" + number;
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IOException(where + ": not valid JSON: " + e.getOriginalMessage());
    }
    JsonNode segments = root.path("segments");
    if (!segments.isArray() || segments.isEmpty()) {
      throw new IOException(where + ": expected a non-empty \"segments\" array");
    }
    List<String> texts = new ArrayList<>();
    List<Path> images = new ArrayList<>();
    for (int i = 0; i < segments.size(); i++) {
      JsonNode s = segments.get(i);
      if (s.has("text") && s.get("text").isTextual()) {
        texts.add(s.get("text").asText());
        images.add(null);
      } else if (s.has("image") && s.get("image").isTextual()) {
        Path image = file.toAbsolutePath().getParent().resolve(s.get("image").asText());
        if (!Files.isRegularFile(image)) {
          throw new IOException(where + ": segments[" + i + "]: image file not found: " + image);
        }
        texts.add(null);
        images.add(image);
      } else {
        throw new IOException(where + ": segments[" + i + "]: expected {\"text\": …} or {\"image\": …}");
      }
    }
    int scoreFrom = root.path("scoreFrom").asInt(0);
    if (scoreFrom < 0 || scoreFrom >= segments.size()) {
      throw new IOException(where + ": scoreFrom " + scoreFrom + " is not a segment index");
    }
    return new Line(number, texts, images, scoreFrom);
  }

  public int size() {
    return lines.size();
  }

  public SegmentedCorpus.Entry entry(long index) {
    Line line = lines.get((int) index);
    List<Segment> segments = new ArrayList<>();
    for (int i = 0; i < line.texts().size(); i++) {
      segments.add(line.texts().get(i) != null
          ? Segment.text(line.texts().get(i))
          : Segment.image(readImage(line.images().get(i), file + ":" + line.number())));
    }
    return new SegmentedCorpus.Entry(segments, line.scoreFrom());
  }

  /**
   * Each document with exactly one image as (line, image file, its text segments joined): what a
   * WebDataset sample holds; documents with several images or none are counted in {@code others[0]}.
   */
  public List<Object[]> imageTextPairs(long[] others) {
    List<Object[]> pairs = new ArrayList<>();
    for (Line l : lines) {
      List<Path> images = l.images().stream().filter(p -> p != null).toList();
      if (images.size() != 1) {
        others[0]++;
        continue;
      }
      String caption = String.join(" ", l.texts().stream().filter(t -> t != null).map(String::strip).toList());
      pairs.add(new Object[] {l.number(), images.get(0), caption});
    }
    return pairs;
  }

  public List<String> texts() {
    List<String> texts = new ArrayList<>();
    lines.forEach(l -> l.texts().stream().filter(t -> t != null).forEach(texts::add));
    return texts;
  }

  public List<BufferedImage> images(int max) {
    List<BufferedImage> images = new ArrayList<>();
    for (Line l : lines) {
      for (Path p : l.images()) {
        if (p != null && images.size() < max) {
          images.add(readImage(p, file + ":" + l.number()));
        }
      }
    }
    return images;
  }

  /** Reads a PNG or JPEG; anything else is an error naming the image and the line using it. */
  static BufferedImage readImage(Path image, String where) {
    try {
      BufferedImage read = ImageIO.read(image.toFile());
      if (read == null) {
        throw new IllegalArgumentException(where + ": " + image + ": not a readable PNG or JPEG image");
      }
      return read;
    } catch (IOException e) {
      throw new IllegalArgumentException(where + ": " + image + ": corrupt image: " + e.getMessage(), e);
    }
  }
}
