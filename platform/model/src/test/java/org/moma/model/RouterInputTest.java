package org.moma.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moma.api.Options;
import org.moma.api.model.LayerContext;
import org.moma.api.model.Modality;
import org.moma.api.model.ModelDims;
import org.moma.api.model.RouterBlock;
import org.moma.api.model.RouterInput;
import org.moma.api.model.Routing;
import org.moma.layer.mod.ModDepthPlugin;
import org.moma.layer.moma.MomaLayerPlugin;

/**
 * The backbone hands every router the context of the tokens it routes: for each routed token, its
 * id, position and sequence agree with the batch, and its modality is the group's; also among the
 * tokens a mixture-of-depths layer selected, and token by token in cached generation.
 */
class RouterInputTest {
  private static final ModelDims DIMS = new ModelDims(20, 16, 4, 32, 2, 12);

  /** Expert choice that keeps what it was given. */
  private static final class Probe extends RouterBlock {
    final RouterBlock inner;
    final List<long[][]> seen = new ArrayList<>(); // per call: ids, positions, sequences, modality ids
    final List<Modality> modalities = new ArrayList<>();

    Probe(RouterBlock inner) {
      this.inner = addChildBlock("inner", inner);
    }

    @Override
    public Routing route(ParameterStore store, RouterInput input) {
      seen.add(new long[][] {
          input.tokens().tokenIds().toType(DataType.INT64, false).toLongArray(),
          input.tokens().positions().toType(DataType.INT64, false).toLongArray(),
          input.tokens().sequences().toType(DataType.INT64, false).toLongArray(),
          input.tokens().modality().toType(DataType.INT64, false).toLongArray()});
      modalities.add(input.modality());
      return inner.route(store, input);
    }

    @Override
    public int experts() {
      return inner.experts();
    }

    @Override
    public double flopsPerToken() {
      return inner.flopsPerToken();
    }

    @Override
    public double expertsPerToken() {
      return inner.expertsPerToken();
    }
  }

  @Test
  void everyRoutedTokenCarriesItsIdPositionSequenceAndModality() throws Exception {
    List<Probe> probes = new ArrayList<>();
    MomaLayerPlugin moma = new MomaLayerPlugin();
    Options options = moma.parseOptions(new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree("{\"experts\": {\"text\": 2, \"image\": 2}}"), "model.ffn.options");
    ModDepthPlugin mod = new ModDepthPlugin();
    List<TransformerLayer> layers = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      LayerContext context = new LayerContext(i, DIMS, Modality.STANDARD, (ref, ctx, path) -> {
        Probe probe = new Probe(TestRouters.expertChoice(ctx));
        probes.add(probe);
        return probe;
      });
      // layer 0 is a mixture-of-depths layer: its groups see only the tokens it selected
      layers.add(new TransformerLayer(16, 4, moma.create(context, options), mod.create(context, Options.defaults(mod.options()))));
    }
    EarlyFusionModel model = new EarlyFusionModel(DIMS, layers);
    int[][] tokens = {{3, 7, 1, 19, 4, 4, 8, 2, 11, 5, 6, 9}, {2, 2, 13, 14, 15, 3, 3, 1, 0, 18, 17, 16}};
    int[][] modality = {{0, 0, 1, 1, 1, 0, 1, 0, 0, 1, 1, 0}, {1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1}};
    try (NDManager manager = NDManager.newBaseManager()) {
      Shape shape = new Shape(2, 12);
      model.initialize(manager, DataType.FLOAT32, shape, shape);
      ParameterStore store = new ParameterStore(manager, false);
      model.forward(store, new NDList(manager.create(tokens), manager.create(modality)), true);
      assertEquals(4, probes.size());
      for (Probe probe : probes) {
        assertEquals(1, probe.seen.size());
        check(probe, 0, tokens, modality, 0);
      }
      assertTrue(probes.get(0).seen.get(0)[0].length + probes.get(1).seen.get(0)[0].length < 24, "the MoD layer's groups saw only its selected tokens");
      assertEquals(24, probes.get(2).seen.get(0)[0].length + probes.get(3).seen.get(0)[0].length, "layer 1 sees every token");
    }
  }

  /** Each token the probe saw in call {@code call} is the batch's token at its sequence and position. */
  private static void check(Probe probe, int call, int[][] tokens, int[][] modality, int positionOffset) {
    long[][] seen = probe.seen.get(call);
    for (int i = 0; i < seen[0].length; i++) {
      int sequence = (int) seen[2][i];
      int position = (int) seen[1][i] - positionOffset;
      assertEquals(tokens[sequence][position], seen[0][i], "token id at sequence " + sequence + " position " + position);
      assertEquals(modality[sequence][position], seen[3][i], "modality id");
      assertEquals(probe.modalities.get(call).id(), seen[3][i], "a modality group routes only its own modality");
    }
  }
}
