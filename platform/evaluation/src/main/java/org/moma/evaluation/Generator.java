package org.moma.evaluation;

import org.moma.runs.TrainedModel;

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
import org.moma.model.CausalSelfAttention;

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
   * Several prompts in one batch with the KV cache: prompts are left-padded to one length (padding
   * is never attended to), each row keeps its own positions and sampler (seeded {@code seed + row}),
   * and finished rows feed padding until all are done. Mixture-of-depths layers keep a cache slot
   * per token but attend only to the tokens they processed, row by row.
   */
  public List<Output> generate(List<String> prompts, int maxTokens, double temperature, double topP, long seed) {
    if (prompts.size() == 1) {
      List<Output> outputs = new ArrayList<>();
      for (int p = 0; p < prompts.size(); p++) {
        outputs.add(generate(prompts.get(p), maxTokens, temperature, topP, seed + p, true));
      }
      return outputs;
    }
    int rows = prompts.size();
    List<Row> state = new ArrayList<>();
    int longest = 0;
    for (int r = 0; r < rows; r++) {
      state.add(new Row(prompts.get(r), text.encode(prompts.get(r)), new SplittableRandom(seed + r)));
      longest = Math.max(longest, state.get(r).prompt.length);
    }
    int[] tokens = new int[rows * longest];
    int[] positions = new int[rows * longest];
    boolean[] valid = new boolean[rows * longest];
    Arrays.fill(tokens, vocabulary.pad());
    for (int r = 0; r < rows; r++) {
      int[] ids = state.get(r).prompt;
      int pad = longest - ids.length;
      for (int i = 0; i < ids.length; i++) {
        tokens[r * longest + pad + i] = ids[i];
        positions[r * longest + pad + i] = i;
        valid[r * longest + pad + i] = true;
      }
      state.get(r).position = ids.length;
    }
    ParameterStore store = model.store();
    List<CausalSelfAttention.Cache> caches = model.model().newCaches();
    try (NDManager scope = model.manager().newSubManager()) {
      NDArray logits = batchStep(store, scope, tokens, new int[tokens.length], positions, valid, rows, longest, caches);
      for (int n = 0; n < maxTokens && longest + n < model.dims().seqLen(); n++) {
        int[] next = new int[rows];
        int[] modality = new int[rows];
        int[] nextPositions = new int[rows];
        boolean[] live = new boolean[rows];
        boolean any = false;
        for (int r = 0; r < rows; r++) {
          Row row = state.get(r);
          if (row.done) {
            next[r] = vocabulary.pad();
            continue;
          }
          float[] last = logits.get(r, logits.getShape().get(1) - 1).toFloatArray();
          int token = row.imageLeft == 0 ? vocabulary.endImage() : sample(last, row.imageLeft > 0, temperature, topP, row.random);
          modality[r] = row.accept(token);
          next[r] = token;
          nextPositions[r] = row.position++;
          live[r] = !row.done || token == vocabulary.endOfDocument();
          any = true;
        }
        if (!any) {
          break;
        }
        logits = batchStep(store, scope, next, modality, nextPositions, live, rows, 1, caches);
      }
    }
    return state.stream().map(Row::output).toList();
  }

  /** One row of a batch: its prompt, sampler, position and where it is in text or an image. */
  private final class Row {
    final int[] prompt;
    final SplittableRandom random;
    final StringBuilder shown;
    final List<Integer> grid = new ArrayList<>();
    final List<BufferedImage> decoded = new ArrayList<>();
    int position;
    int imageLeft = -1; // -1: in text; n > 0: n image codes to draw; 0: end-of-image next
    int generated;
    boolean done;

    Row(String text, int[] prompt, SplittableRandom random) {
      if (prompt.length == 0) {
        throw new IllegalArgumentException("empty prompt");
      }
      this.prompt = prompt;
      this.random = random;
      this.shown = new StringBuilder(text);
    }

    /** Takes a sampled token; returns its modality id. */
    int accept(int token) {
      generated++;
      if (token == vocabulary.beginImage()) {
        imageLeft = images.tokensPerImage();
        grid.clear();
        return Modality.TEXT.id();
      }
      if (imageLeft > 0) {
        grid.add(token);
        imageLeft--;
        return Modality.IMAGE.id();
      }
      if (imageLeft == 0) {
        decoded.add(images.decode(grid.stream().mapToInt(Integer::intValue).toArray()));
        shown.append(" [image ").append(decoded.size()).append("] ");
        imageLeft = -1;
        return Modality.IMAGE.id();
      }
      if (token == vocabulary.endOfDocument()) {
        done = true;
      } else {
        shown.append(text.decode(new int[] {token}));
      }
      return Modality.TEXT.id();
    }

    Output output() {
      return new Output(shown.toString(), decoded, generated);
    }
  }

  private NDArray batchStep(ParameterStore store, NDManager scope, int[] tokens, int[] modality, int[] positions,
      boolean[] valid, int rows, int length, List<CausalSelfAttention.Cache> caches) {
    Shape shape = new Shape(rows, length);
    NDArray t = scope.create(tokens, shape).duplicate();
    NDArray m = scope.create(modality, shape).duplicate();
    NDArray p = scope.create(positions, shape).duplicate();
    NDArray v = scope.create(valid, shape).duplicate();
    return model.model().forwardCached(store, t, m, p, v, caches);
  }

  /**
   * One prompt: with the KV cache ({@code cached}) or, for comparison, recomputing the whole
   * sequence at every step.
   */
  public Output generate(String prompt, int maxTokens, double temperature, double topP, long seed, boolean cached) {
    ParameterStore store = model.store();
    List<CausalSelfAttention.Cache> caches = cached ? model.model().newCaches() : null;
    List<int[]> sequence = new ArrayList<>(); // {token, modality} of everything so far, without a cache
    Row row = new Row(prompt, text.encode(prompt), new SplittableRandom(seed));
    try (NDManager scope = model.manager().newSubManager()) {
      NDArray logits = step(store, scope, row.prompt, new int[row.prompt.length], caches, sequence);
      for (int n = 0; n < maxTokens && row.prompt.length + n < model.dims().seqLen() && !row.done; n++) {
        float[] last = logits.get(logits.getShape().get(0) - 1).toFloatArray(); // logits [t, V]: the newest token's
        int next = row.imageLeft == 0 ? vocabulary.endImage() : sample(last, row.imageLeft > 0, temperature, topP, row.random);
        int modality = row.accept(next);
        if (row.done) {
          break;
        }
        logits = step(store, scope, new int[] {next}, new int[] {modality}, caches, sequence);
      }
    }
    return row.output();
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

  /**
   * Temperature and nucleus (top-p) sampling; inside an image only image codes, outside none.
   * Temperature 0 is greedy: the most likely allowed token (the lowest id on a tie), no randomness.
   */
  int sample(float[] logits, boolean inImage, double temperature, double topP, SplittableRandom random) {
    if (temperature == 0) {
      int best = -1;
      for (int i = 0; i < logits.length; i++) {
        boolean allowed = inImage == vocabulary.isImageCode(i) && i != vocabulary.pad() && i != vocabulary.endImage();
        if (allowed && (best < 0 || logits[i] > logits[best])) {
          best = i;
        }
      }
      return best;
    }
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
