package org.moma.data.scenes;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.moma.data.corpus.Segment;
import org.moma.data.shapes.ShapesDocuments;

/**
 * Documents about scene graphs, by kind: captions, text-to-image, questions, interleaved pairs of
 * pictures, and text-only documents from the same grammar (a scene told in words, then questions
 * about it). Each document is a pure function of (seed, split, kind, index).
 */
public final class SceneDocuments {
  /** The document kinds; {@code mixed} draws one of the others per document. */
  public enum Kind { caption, t2i, vqa, interleaved, text, mixed }

  private static final String[] INTROS = {"here is a picture.", "look at this image.", "a scene:", "the next picture shows some shapes."};

  private final long seed;
  private final int imageSize;

  public SceneDocuments(long seed, int imageSize) {
    this.seed = seed;
    this.imageSize = imageSize;
  }

  public ShapesDocuments.Document document(String split, Kind kind, long index) {
    SplittableRandom random = new SplittableRandom(ShapesDocuments.mix(seed, split.hashCode(), 7919L + kind.ordinal(), index));
    Kind k = kind == Kind.mixed ? Kind.values()[random.nextInt(5)] : kind;
    SceneGraph scene = SceneGraph.random(random);
    List<Segment> s = new ArrayList<>();
    switch (k) {
      case caption -> {
        s.add(Segment.text(INTROS[random.nextInt(INTROS.length)] + " "));
        s.add(Segment.image(scene.render(imageSize)));
        s.add(Segment.text(" it shows " + scene.caption(random)));
        return new ShapesDocuments.Document(s, 2);
      }
      case t2i -> {
        s.add(Segment.text("draw " + scene.caption(random) + " "));
        s.add(Segment.image(scene.render(imageSize)));
        return new ShapesDocuments.Document(s, 1);
      }
      case vqa -> {
        String[] qa = scene.questionAndAnswer(random);
        s.add(Segment.image(scene.render(imageSize)));
        s.add(Segment.text(" question: " + qa[0] + " answer:"));
        s.add(Segment.text(" " + qa[1] + "."));
        return new ShapesDocuments.Document(s, 2);
      }
      case text -> {
        StringBuilder t = new StringBuilder("imagine " + scene.caption(random));
        for (int q = 0; q < 2; q++) {
          String[] qa = scene.questionAndAnswer(random);
          t.append(" question: ").append(qa[0]).append(" answer: ").append(qa[1]).append('.');
        }
        s.add(Segment.text(t.toString()));
        return new ShapesDocuments.Document(s, 0);
      }
      default -> {
        SceneGraph second = SceneGraph.random(random);
        int a = scene.objects().size();
        int b = second.objects().size();
        s.add(Segment.text("two pictures. "));
        s.add(Segment.image(scene.render(imageSize)));
        s.add(Segment.text(" the first shows " + scene.caption(random) + " "));
        s.add(Segment.image(second.render(imageSize)));
        s.add(Segment.text(" the second shows " + second.caption(random) + " the first has "
            + (a > b ? "more" : a < b ? "fewer" : "as many") + " shapes" + (a == b ? " as" : " than") + " the second."));
        return new ShapesDocuments.Document(s, 0);
      }
    }
  }
}
