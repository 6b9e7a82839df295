package org.moma.data.shapes;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.moma.data.corpus.Segment;

/**
 * Interleaved documents about shape scenes, by kind. Each document is a pure function of
 * (seed, split, index). {@link #scoredSegment} says which segment a conditional evaluator scores.
 */
public final class ShapesDocuments {
  /** The document kinds; {@code mixed} draws one of the others per document. */
  public enum Kind { caption, t2i, vqa, interleaved, mixed }

  private static final String[] INTROS = {
    "here is a picture.", "look at this image.", "a drawing of some shapes.", "the next picture shows a scene.", "an image:"
  };
  private static final String[] OUTROS = {
    "that is all.", "nothing else is in the picture.", "the background is white.", "a simple scene."
  };

  private final long seed;
  private final int imageSize;

  public ShapesDocuments(long seed, int imageSize) {
    this.seed = seed;
    this.imageSize = imageSize;
  }

  /** A document and the index of its scored segment. */
  public record Document(List<Segment> segments, int scoredSegment) {}

  public Document document(String split, Kind kind, long index) {
    SplittableRandom random = new SplittableRandom(mix(seed, split.hashCode(), kind.ordinal(), index));
    Kind k = kind == Kind.mixed ? Kind.values()[random.nextInt(4)] : kind;
    Scene scene = Scene.random(random);
    List<Segment> s = new ArrayList<>();
    switch (k) {
      case caption -> {
        s.add(Segment.text(INTROS[random.nextInt(INTROS.length)] + " "));
        s.add(Segment.image(scene.render(imageSize)));
        s.add(Segment.text(" it shows " + scene.caption()));
        return new Document(s, 2);
      }
      case t2i -> {
        s.add(Segment.text("draw " + scene.caption() + " "));
        s.add(Segment.image(scene.render(imageSize)));
        return new Document(s, 1);
      }
      case vqa -> {
        String[] qa = scene.questionAndAnswer(random);
        s.add(Segment.image(scene.render(imageSize)));
        s.add(Segment.text(" question: " + qa[0] + " answer:"));
        s.add(Segment.text(" " + qa[1] + "."));
        return new Document(s, 2);
      }
      default -> {
        Scene second = Scene.random(random);
        s.add(Segment.text(INTROS[random.nextInt(INTROS.length)] + " "));
        s.add(Segment.image(scene.render(imageSize)));
        s.add(Segment.text(" it shows " + scene.caption() + " then another one: "));
        s.add(Segment.image(second.render(imageSize)));
        s.add(Segment.text(" with " + second.caption() + " " + OUTROS[random.nextInt(OUTROS.length)]));
        return new Document(s, 0);
      }
    }
  }

  /** A seed for one document from its coordinates (seed, split, kind, index). */
  public static long mix(long... parts) {
    long h = 0x9E3779B97F4A7C15L;
    for (long p : parts) {
      h ^= p;
      h *= 0xBF58476D1CE4E5B9L;
      h ^= h >>> 31;
    }
    return h;
  }
}
