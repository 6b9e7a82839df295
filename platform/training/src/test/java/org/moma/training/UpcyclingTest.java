package org.moma.training;

import org.moma.api.train.StepMetrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moma.api.model.Modality;
import org.moma.api.spec.ExperimentSpec;
import org.moma.data.synthetic.SyntheticDatasetPlugin;
import org.moma.layer.moma.MomaLayerPlugin;
import org.moma.router.expertchoice.ExpertChoiceRouterPlugin;
import org.moma.data.packing.Batch;
import org.moma.data.packing.SequencePacker;
import org.moma.runs.TrainedModel;
import org.moma.registry.StaticPlugins;
import org.moma.spec.SpecReader;

/** moe_1t1i → moe_2t2i: same function right after upcycling (gates accounted for), then training continues. */
class UpcyclingTest {
  @TempDir Path dir;

  private ExperimentSpec spec(String name, String ffnOptions) {
    return SpecReader.parse("{\"name\": \"" + name + "\", \"seed\": 3, \"device\": \"cpu\", \"output\": \"" + dir.resolve(name) + "\","
        + " \"data\": {\"name\": \"synthetic\"},"
        + " \"model\": {\"dModel\": 16, \"layers\": 2, \"heads\": 2, \"ffnDim\": 32, \"seqLen\": 16,"
        + "   \"ffn\": {\"name\": \"moma\", \"options\": " + ffnOptions + "}},"
        + " \"training\": {\"steps\": 6, \"batchSize\": 4, \"learningRate\": 0.01, \"warmupSteps\": 1}}", name);
  }

  @Test
  void theUpcycledModelComputesTheSeedsFunctionAndKeepsTraining() throws Exception {
    var plugins = TestPlugins.of(new MomaLayerPlugin(), new ExpertChoiceRouterPlugin(), new SyntheticDatasetPlugin());
    List<StepMetrics> seedSteps = new ArrayList<>();
    new ExperimentRunner(plugins).run(spec("seed", "{}"), seedSteps::add);
    // capacity 1: both experts of a group take every token, so with gates of exactly 0.5 (zeroed
    // router weights) each token gets 0.5·FFN + 0.5·FFN = FFN, the seed's output
    ExperimentSpec target = spec("up", "{\"experts\": {\"text\": 2, \"image\": 2},"
        + " \"router\": {\"name\": \"expert-choice\", \"options\": {\"capacity\": 1.0}}}");
    new Upcycler(plugins).upcycle(dir.resolve("seed"), target, dir.resolve("up"));

    try (TrainedModel seed = TrainedModel.load(plugins, dir.resolve("seed"), "cpu");
        TrainedModel up = TrainedModel.load(plugins, dir.resolve("up"), "cpu")) {
      int routers = 0;
      for (Pair<String, Parameter> p : up.model().getParameters()) {
        if (p.getKey().contains("router")) {
          p.getValue().getArray().muli(0);
          routers++;
        }
      }
      assertEquals(4, routers, "one router per modality group per layer");
      Batch batch = new SequencePacker(seed.train(), 16).next(4);
      float[] a = logits(seed, batch);
      float[] b = logits(up, batch);
      double maxDiff = 0;
      for (int i = 0; i < a.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      }
      assertTrue(maxDiff < 1e-4, "upcycled logits differ from the seed's by " + maxDiff);
    }

    List<StepMetrics> continued = new ArrayList<>();
    new ExperimentRunner(plugins).resume(dir.resolve("up"), continued::add);
    assertEquals(1, continued.get(0).step(), "the learning-rate schedule restarts");
    assertTrue(continued.get(0).cumulativeFlops() > seedSteps.get(5).cumulativeFlops(), "the seed's FLOPs are carried over");
    assertEquals(6, Files.readAllLines(dir.resolve("up/metrics.jsonl")).size());
  }

  private static float[] logits(TrainedModel model, Batch batch) {
    try (NDManager scope = model.manager().newSubManager()) {
      NDArray[] rows = batch.toArrays(scope);
      return model.logits(scope, Batch.inputs(rows[0]), Batch.inputs(rows[1])).toFloatArray();
    }
  }
}
