package org.moma.eval.routing;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.moma.api.data.Vocabulary;
import org.moma.api.eval.LanguageModel;
import javax.imageio.ImageIO;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.data.DocumentSource;
import org.moma.api.data.TokenizedDocument;
import org.moma.api.eval.EvalContext;
import org.moma.api.eval.EvalResult;
import org.moma.api.eval.EvaluatorPlugin;
import org.moma.api.eval.RoutingStats;
import org.moma.api.eval.Scoring;
import org.osgi.service.component.annotations.Component;

/**
 * {@code routing}: per layer and group (mixed-modal MoE, each MoMa modality, mixture-of-depths), the
 * share of tokens each expert took, the tokens no expert took and those several took, and the MoD
 * selection rate; plus {@code routing.png}, a heat map of expert load per layer.
 *
 * <p>{@code routerGradientShare}: with the norm after the expert output (the paper's Chameleon-style
 * layer), a token taken by exactly one expert has its gate scaled away by RMSNorm, so the router
 * learns only from tokens two or more experts took; this is their share, per layer and group.
 *
 * <p>With auxiliary routers (paper §2.4): each one's precision and recall against the batch top-k
 * it imitates, per layer and group, and the held-out loss with causal routing against the loss with
 * training (batch top-k) routing: the price of causal inference.
 */
@Component(service = EvaluatorPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=routing")
public final class RoutingEvaluator implements EvaluatorPlugin {
  private static final List<OptionSpec> OPTIONS = List.of(
      OptionSpec.string("split", "valid", "split whose documents are routed"),
      OptionSpec.integer("batches", 10, "batches of 8 documents observed"));

  @Override
  public String name() {
    return "routing";
  }

  @Override
  public String description() {
    return "expert load, unrouted and multiply-routed tokens per layer and modality, MoD selection rate";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public EvalResult evaluate(EvalContext context, Options options) {
    DocumentSource source = context.split(options.getString("split"));
    Map<String, long[]> totals = new LinkedHashMap<>(); // key -> {tokens, unchosen, multi, load...}
    Map<String, long[]> agreement = new LinkedHashMap<>(); // auxiliary router -> {tp, fp, fn, tn}
    double[] loss = new double[3]; // -log p with causal routing, with batch top-k, tokens
    boolean auxiliary = context.model().hasAuxiliaryRouters();
    int batches = options.getPositiveInt("batches");
    for (int b = 0; b < batches; b++) {
      List<TokenizedDocument> docs = new ArrayList<>();
      for (long i = b * 8L; i < Math.min(source.size(), (b + 1) * 8L); i++) {
        docs.add(source.document(i));
      }
      if (docs.isEmpty()) {
        break;
      }
      List<Scoring.Score> scores = Scoring.score(context.model(), context.manager(), docs, source.vocabulary(), 2, docs.size());
      List<RoutingStats> observed = context.model().lastRouting();
      if (auxiliary) {
        compareWithTopK(context, docs, source.vocabulary(), scores, agreement, loss);
      }
      for (RoutingStats s : observed) {
        long[] t = totals.computeIfAbsent("layer" + s.layer() + "." + s.group(), k -> new long[3 + s.perExpert().length]);
        t[0] += s.tokens();
        t[1] += s.unchosen();
        t[2] += s.multiChosen();
        for (int e = 0; e < s.perExpert().length; e++) {
          t[3 + e] += s.perExpert()[e];
        }
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("causal", context.causal());
    if (totals.isEmpty()) {
      m.put("note", "the model has no routed layers (dense)");
      return new EvalResult(name(), m);
    }
    for (Map.Entry<String, long[]> e : totals.entrySet()) {
      long[] t = e.getValue();
      if (e.getKey().endsWith(".depth")) {
        m.put(e.getKey() + ".selectionRate", (double) t[3] / t[0]);
        continue;
      }
      double[] load = new double[t.length - 3];
      for (int i = 0; i < load.length; i++) {
        load[i] = (double) t[3 + i] / t[0];
      }
      m.put(e.getKey() + ".load", load);
      m.put(e.getKey() + ".unchosen", (double) t[1] / t[0]);
      m.put(e.getKey() + ".multiChosen", (double) t[2] / t[0]);
      // the norm after the expert output (Chameleon's order) scales a lone expert's gate away: only
      // tokens that two or more experts took give the router a gradient
      m.put(e.getKey() + ".routerGradientShare", (double) t[2] / t[0]);
    }
    if (auxiliary) {
      for (Map.Entry<String, long[]> e : agreement.entrySet()) {
        long[] c = e.getValue();
        m.put(e.getKey() + ".auxiliary.precision", c[0] + c[1] == 0 ? Double.NaN : (double) c[0] / (c[0] + c[1]));
        m.put(e.getKey() + ".auxiliary.recall", c[0] + c[2] == 0 ? Double.NaN : (double) c[0] / (c[0] + c[2]));
      }
      m.put("auxiliary.loss.causal", loss[0] / loss[2]);
      m.put("auxiliary.loss.topK", loss[1] / loss[2]);
      m.put("auxiliary.loss.gap", (loss[0] - loss[1]) / loss[2]);
    }
    heatMap(context, totals);
    return new EvalResult(name(), m);
  }

  /**
   * The same documents with training routing (batch top-k): their loss beside the causal one, and
   * each auxiliary router's decisions against the selections it imitates.
   */
  private static void compareWithTopK(EvalContext context, List<TokenizedDocument> docs, Vocabulary vocabulary,
      List<Scoring.Score> causal, Map<String, long[]> agreement, double[] loss) {
    LanguageModel model = context.model();
    model.useAuxiliaryRouters(false);
    List<Scoring.Score> topK;
    try {
      topK = Scoring.score(model, context.manager(), docs, vocabulary, 2, docs.size());
    } finally {
      model.useAuxiliaryRouters(true);
    }
    for (int i = 0; i < docs.size(); i++) {
      loss[0] -= causal.get(i).logLikelihood();
      loss[1] -= topK.get(i).logLikelihood();
      loss[2] += causal.get(i).tokens();
    }
    for (Scoring.Batch batch : Scoring.batches(docs, vocabulary, model.dims().seqLen(), docs.size())) {
      try (NDManager scope = context.manager().newSubManager()) {
        NDArray[] arrays = batch.arrays(scope);
        model.countAuxiliaryAgreement(scope, arrays[0].get(":, :-1"), arrays[1].get(":, :-1"), agreement);
      }
    }
  }

  private static void cell(Graphics2D g, int x, int y, int size, double share, Color full) {
    double s = Math.min(1, Math.max(0, share));
    g.setColor(new Color((int) (255 - s * (255 - full.getRed())), (int) (255 - s * (255 - full.getGreen())),
        (int) (255 - s * (255 - full.getBlue()))));
    g.fillRect(x, y, size - 2, size - 2);
    g.setColor(s > 0.5 ? Color.WHITE : Color.BLACK);
    g.drawString(String.format(java.util.Locale.ROOT, "%.2f", share), x + 3, y + size / 2 + 4);
  }

  /** Rows: layer.group; columns: experts; shade: share of the group's tokens the expert took. */
  private static void heatMap(EvalContext context, Map<String, long[]> totals) {
    int cell = 36;
    int label = 160;
    int experts = totals.values().stream().mapToInt(t -> t.length - 3).max().orElse(1);
    int columns = experts + 2; // then: taken by no expert, taken by several
    BufferedImage image = new BufferedImage(Math.max(840, label + columns * cell + 10), totals.size() * cell + 56, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, image.getWidth(), image.getHeight());
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    int row = 0;
    for (Map.Entry<String, long[]> e : totals.entrySet()) {
      long[] t = e.getValue();
      g.setColor(Color.BLACK);
      g.drawString(e.getKey(), 6, 30 + row * cell + cell / 2);
      boolean depth = e.getKey().endsWith(".depth");
      for (int x = 0; x < t.length - 3; x++) {
        cell(g, label + x * cell, 20 + row * cell, cell, (double) t[3 + x] / t[0], new Color(60, 90, 230));
      }
      if (!depth) {
        cell(g, label + experts * cell, 20 + row * cell, cell, (double) t[1] / t[0], new Color(220, 60, 60));
        cell(g, label + (experts + 1) * cell, 20 + row * cell, cell, (double) t[2] / t[0], new Color(40, 160, 60));
      }
      row++;
    }
    g.setColor(Color.BLACK);
    g.drawString("share of each group's tokens: taken by expert 0.." + (experts - 1) + " (blue), by none (red), by several"
        + " (green: the only tokens that give the router a gradient)", 6, 14);
    g.drawString("depth rows: share of tokens that went through the layer", 6, image.getHeight() - 8);
    g.dispose();
    try {
      ImageIO.write(image, "png", context.outputDir().resolve("routing.png").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
