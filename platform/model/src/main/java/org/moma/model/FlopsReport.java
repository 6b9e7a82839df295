package org.moma.model;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.moma.api.data.DocumentSource;
import org.moma.api.model.ModelDims;
import org.moma.api.spec.ExperimentSpec;
import org.moma.registry.Plugins;
import org.moma.registry.SpecDataset;

/**
 * The analytic FLOPs accounting of a spec: per layer the share of tokens it processes (mixture of
 * depths), the attention projections, the attention over the context, the feed-forward as its plugin
 * reports it and the depth router, then the LM head. Forward FLOPs per
 * token; training counts 3× forward (backward ≈ 2× forward).
 */
public record FlopsReport(ExperimentSpec spec, ModelDims dims, List<double[]> layers, List<String> ffnNames, double head) {
  /** Builds the model's blocks (no parameters are allocated) and reads their FLOPs. */
  public static FlopsReport of(Plugins plugins, ExperimentSpec spec) {
    DocumentSource source = SpecDataset.of(plugins, spec).open("train");
    ModelDims dims = ModelAssembler.dims(spec.model(), source.vocabulary());
    EarlyFusionModel model = new ModelAssembler(plugins).build(spec.model(), dims, source.modalities());
    List<double[]> layers = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (TransformerLayer layer : model.layers()) {
      // a depth-routed layer processes a share of the tokens, which attend over that share only
      double share = 1;
      int context = dims.seqLen();
      double router = 0;
      if (layer.depth() != null) {
        context = (int) Math.max(1, Math.round(layer.depth().capacity() * dims.seqLen()));
        share = (double) context / dims.seqLen();
        router = layer.depth().flopsPerToken();
      }
      double projections = 2.0 * 4 * dims.dModel() * dims.dModel();
      double attention = CausalSelfAttention.flopsPerToken(dims.dModel(), context) - projections;
      // the expert routers run inside the feed-forward: shown in the router column, not the ffn one
      double expertRouters = layer.feedForward().expertGroups().values().stream()
          .mapToDouble(org.moma.api.model.RoutedGroup::routerFlopsPerToken).average().orElse(0);
      layers.add(new double[] {share * projections, share * attention,
          share * (layer.feedForward().forwardFlopsPerToken() - expertRouters), router + share * expertRouters, share});
      names.add(spec.model().ffn().name() + (layer.depth() != null ? " + " + spec.model().depth().name() : ""));
    }
    return new FlopsReport(spec, dims, layers, names, 2.0 * dims.dModel() * dims.vocabSize());
  }

  public double forwardPerToken() {
    double total = head;
    for (double[] l : layers) {
      total += l[0] + l[1] + l[2] + l[3];
    }
    return total;
  }

  public void print(PrintWriter out) {
    out.printf(Locale.ROOT, "FLOPs per token of %s: vocab %d, d %d, %d layers, %d heads, ffn %d, context %d%n",
        spec.name(), dims.vocabSize(), dims.dModel(), dims.layers(), dims.heads(), dims.ffnDim(), dims.seqLen());
    out.printf(Locale.ROOT, "  %-6s %7s %12s %12s %12s %10s %12s%n", "layer", "tokens", "attn proj", "attn ctx", "ffn", "router", "total");
    for (int i = 0; i < layers.size(); i++) {
      double[] l = layers.get(i);
      out.printf(Locale.ROOT, "  %-6d %6.0f%% %12.4g %12.4g %12.4g %10.4g %12.4g  (%s)%n", i, 100 * l[4], l[0], l[1], l[2], l[3],
          l[0] + l[1] + l[2] + l[3], ffnNames.get(i));
    }
    out.printf(Locale.ROOT, "  %-6s %7s %12s %12s %12s %10s %12.4g%n", "head", "", "", "", "", "", head);
    out.printf(Locale.ROOT, "  forward  %.4g FLOPs/token%n", forwardPerToken());
    out.printf(Locale.ROOT, "  training %.4g FLOPs/token (3x forward)%n", 3 * forwardPerToken());
  }
}
