package org.moma.data.scenes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.data.DocumentSource;
import org.moma.api.data.TokenizedDocument;
import org.moma.api.data.Vocabulary;
import org.moma.data.shapes.Scene;

/** The scenes corpus: text and pixels tell the same facts, answers are right, and there is more to learn than in shapes. */
class ScenesCorpusTest {
  @TempDir static Path store;
  static Options options;
  static final ScenesDatasetPlugin PLUGIN = new ScenesDatasetPlugin();

  @BeforeAll
  static void smallTokenizers() throws Exception {
    options = PLUGIN.parseOptions(new ObjectMapper().readTree(
        "{\"codebook\": 64, \"textVocab\": 320, \"tokenizerImages\": 80, \"tokenizers\": \"" + store + "\"}"), "data.options");
  }

  @Test
  void everyObjectIsDrawnInItsCellInItsColour() {
    SplittableRandom random = new SplittableRandom(3);
    for (int n = 0; n < 200; n++) {
      SceneGraph scene = SceneGraph.random(random);
      assertTrue(scene.objects().size() >= 2 && scene.objects().size() <= 5);
      BufferedImage image = scene.render(48);
      for (SceneGraph.Obj o : scene.objects()) {
        int x = (int) ((o.column() + 0.5) * 16);
        int y = (int) ((o.row() + 0.5) * 16);
        assertEquals(SceneGraph.COLORS[o.color()].getRGB(), image.getRGB(x, y), "centre of " + o.phrase());
      }
    }
  }

  @Test
  void answersFollowFromTheScene() {
    SplittableRandom random = new SplittableRandom(5);
    int checked = 0;
    for (int n = 0; n < 2000; n++) {
      SceneGraph scene = SceneGraph.random(random);
      String[] qa = scene.questionAndAnswer(random);
      if (qa[0].equals("how many shapes are there?")) {
        assertEquals(SceneGraph.NUMBERS[scene.objects().size()], qa[1]);
        checked++;
      } else if (qa[0].startsWith("is the ")) {
        // "is the red circle left of the blue square?": recompute from the cells of the first matching objects
        boolean left = qa[0].contains(" left of ");
        String[] names = qa[0].substring(7, qa[0].length() - 1).split(left ? " left of the " : " above the ");
        SceneGraph.Obj a = scene.objects().stream().filter(o -> o.name().equals(names[0])).findFirst().orElseThrow();
        boolean any = scene.objects().stream().filter(o -> o.name().equals(names[1]))
            .anyMatch(b -> left ? a.column() < b.column() : a.row() < b.row());
        if (scene.objects().stream().filter(o -> o.name().equals(names[0]) || o.name().equals(names[1])).count() == 2) {
          assertEquals(any ? "yes" : "no", qa[1], qa[0]);
          checked++;
        }
      } else if (qa[0].startsWith("how many ") && qa[0].endsWith("s are there?") && !qa[0].contains("shapes")) {
        String shape = qa[0].substring(9, qa[0].length() - 12);
        assertEquals(SceneGraph.NUMBERS[(int) scene.objects().stream().filter(o -> o.shape().name().equals(shape)).count()], qa[1]);
        checked++;
      }
    }
    assertTrue(checked > 300, "checked " + checked);
  }

  @Test
  void moreToLearnThanShapes() {
    Set<String> scenes = new HashSet<>();
    Set<String> shapes = new HashSet<>();
    SplittableRandom a = new SplittableRandom(1);
    SplittableRandom b = new SplittableRandom(1);
    for (int n = 0; n < 3000; n++) {
      scenes.add(SceneGraph.random(a).caption(a));
      shapes.add(Scene.random(b).caption());
    }
    assertTrue(scenes.size() > 2990 && shapes.size() < 2900, "distinct captions: scenes " + scenes.size() + ", shapes " + shapes.size());
  }

  @Test
  void splitsAreDeterministicAndTextDocumentsHaveNoImage() {
    DocumentSource a = PLUGIN.open("train", 1, options);
    assertArrayEquals(a.document(7).tokens(), PLUGIN.open("train", 1, options).document(7).tokens());
    assertFalse(java.util.Arrays.equals(a.document(7).tokens(), PLUGIN.open("valid", 1, options).document(7).tokens()));
    DocumentSource text = PLUGIN.open("text", 2, options);
    Vocabulary v = text.vocabulary();
    for (long i = 0; i < 20; i++) {
      TokenizedDocument d = text.document(i);
      for (int t = 0; t < d.length(); t++) {
        assertFalse(v.isImageCode(d.tokens()[t]), "an image code in a text-only document");
      }
    }
    TokenizedDocument caption = PLUGIN.open("caption", 2, options).document(0);
    assertTrue(caption.scoreFrom() > 0 && caption.scoreFrom() < caption.length());
    SpecException e = assertThrows(SpecException.class, () -> PLUGIN.open("test", 1, options));
    assertTrue(e.getMessage().contains("scenes corpus has no split 'test'"), e.getMessage());
  }
}
