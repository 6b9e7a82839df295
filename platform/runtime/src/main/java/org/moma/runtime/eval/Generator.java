package org.moma.runtime.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.moma.api.SpecException;
import org.moma.api.data.ImageCodec;
import org.moma.api.data.Tokenizer;
import org.moma.api.data.Vocabulary;
import org.moma.api.model.Modality;
import org.moma.runtime.model.CausalSelfAttention;

/**
 * Mixed-modal sampling with a KV cache: text continues until end of document; after
 * begin-of-image exactly one grid of image codes is drawn (only image ids allowed), then
 * end-of-image; the grid is decoded to pixels.
 */
public final class Generator {
  /** What one prompt produced: the text (images shown as [image N]) and the decoded images. */
  public record Output(String text, List<BufferedImage> images, int tokens) {}

  private final TrainedModel model;
  private final Vocabulary vocabulary;
  private final Tokenizer text;
  private final ImageCodec images;

  public Generator(TrainedModel model) {
    if (!model.causal()) {
      throw new SpecException("model", model.runDirectory() + " routes over the batch (expert choice or MoD without auxiliary"
          + " routers), which generation cannot do one token at a time: train them with 'moma train-aux "
          + model.runDirectory() + "'");
    }
    this.model = model;
    this.vocabulary = model.train().vocabulary();
    this.text = model.train().textTokenizer();
    this.images = model.train().imageCodec();
    if (text == null || images == null) {
      throw new SpecException("data", "dataset '" + model.spec().data().name() + "' has no tokenizers to generate with");
    }
  }

  public Output generate(String prompt, int maxTokens, double temperature, double topP, long seed) {
    return generate(prompt, maxTokens, temperature, topP, seed, true);
  }

  /**
   * @param cached extend a KV cache by one token per step, or (for comparison) recompute the whole
   *     sequence at every step
   */
  public Output generate(String prompt, int maxTokens, double temperature, double topP, long seed, boolean cached) {
    SplittableRandom random = new SplittableRandom(seed);
    ParameterStore store = new ParameterStore(model.manager(), false);
    List<CausalSelfAttention.Cache> caches = cached ? model.model().newCaches() : null;
    List<int[]> sequence = new ArrayList<>(); // {token, modality} of everything so far, without a cache
    int[] promptIds = text.encode(prompt);
    if (promptIds.length == 0) {
      throw new IllegalArgumentException("empty prompt");
    }
    List<Integer> generated = new ArrayList<>();
    List<BufferedImage> decoded = new ArrayList<>();
    StringBuilder shown = new StringBuilder(prompt);
    int context = model.dims().seqLen();
    try (NDManager scope = model.manager().newSubManager()) {
      NDArray logits = step(store, scope, promptIds, new int[promptIds.length], caches, sequence);
      int imageLeft = -1; // -1: in text; n > 0: n image codes to draw; 0: end-of-image next
      List<Integer> grid = new ArrayList<>();
      for (int n = 0; n < maxTokens && promptIds.length + n < context; n++) {
        float[] last = logits.get(logits.getShape().get(0) - 1).toFloatArray(); // logits [t, V]: the newest token's
        int next;
        if (imageLeft == 0) {
          next = vocabulary.endImage();
        } else {
          next = sample(last, imageLeft > 0, temperature, topP, random);
        }
        generated.add(next);
        int modality = Modality.TEXT.id();
        if (next == vocabulary.beginImage()) {
          imageLeft = images.tokensPerImage();
          grid.clear();
        } else if (imageLeft > 0) {
          grid.add(next);
          modality = Modality.IMAGE.id();
          imageLeft--;
        } else if (imageLeft == 0) {
          modality = Modality.IMAGE.id();
          decoded.add(images.decode(grid.stream().mapToInt(Integer::intValue).toArray()));
          shown.append(" [image ").append(decoded.size()).append("] ");
          imageLeft = -1;
        } else if (next == vocabulary.endOfDocument()) {
          break;
        } else {
          shown.append(text.decode(new int[] {next}));
        }
        logits = step(store, scope, new int[] {next}, new int[] {modality}, caches, sequence);
      }
    }
    return new Output(shown.toString(), decoded, generated.size());
  }

  private NDArray step(ParameterStore store, NDManager scope, int[] ids, int[] modality,
      List<CausalSelfAttention.Cache> caches, List<int[]> sequence) {
    if (caches == null) {
      for (int i = 0; i < ids.length; i++) {
        sequence.add(new int[] {ids[i], modality[i]});
      }
      ids = sequence.stream().mapToInt(p -> p[0]).toArray();
      modality = sequence.stream().mapToInt(p -> p[1]).toArray();
    }
    Shape shape = new Shape(1, ids.length);
    NDArray t = scope.create(ids, shape).duplicate();
    NDArray m = scope.create(modality, shape).duplicate();
    return caches == null
        ? model.logits(scope, t, m).get(0)
        : model.model().forwardCached(store, t, m, caches).get(0);
  }

  /** Temperature and nucleus (top-p) sampling; inside an image only image codes, outside none. */
  int sample(float[] logits, boolean inImage, double temperature, double topP, SplittableRandom random) {
    double[] p = new double[logits.length];
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < logits.length; i++) {
      boolean allowed = inImage == vocabulary.isImageCode(i) && i != vocabulary.pad() && i != vocabulary.endImage();
      p[i] = allowed ? logits[i] / Math.max(temperature, 1e-6) : Double.NEGATIVE_INFINITY;
      max = Math.max(max, p[i]);
    }
    double sum = 0;
    for (int i = 0; i < p.length; i++) {
      p[i] = Double.isInfinite(p[i]) ? 0 : Math.exp(p[i] - max);
      sum += p[i];
    }
    Integer[] order = new Integer[p.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
    double kept = 0;
    int cut = 0;
    while (cut < order.length && (kept < topP * sum || cut == 0)) {
      kept += p[order[cut++]];
    }
    double r = random.nextDouble() * kept;
    for (int i = 0; i < cut; i++) {
      r -= p[order[i]];
      if (r <= 0) {
        return order[i];
      }
    }
    return order[0];
  }
}
