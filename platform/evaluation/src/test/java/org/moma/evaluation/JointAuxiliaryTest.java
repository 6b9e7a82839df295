package org.moma.evaluation;

import org.moma.runs.TrainedModel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moma.api.spec.PluginRef;
import org.moma.data.synthetic.SyntheticDatasetPlugin;
import org.moma.eval.routing.RoutingEvaluator;
import org.moma.layer.mod.ModDepthPlugin;
import org.moma.layer.moma.MomaLayerPlugin;
import org.moma.router.auxiliary.AuxiliaryRouterPlugins;
import org.moma.router.expertchoice.ExpertChoiceRouterPlugin;
import org.moma.data.packing.Batch;
import org.moma.data.packing.SequencePacker;
import org.moma.model.AuxiliaryRouters;
import org.moma.registry.StaticPlugins;
import org.moma.spec.SpecReader;
import org.moma.training.ExperimentRunner;
import org.moma.api.train.StepMetrics;

/**
 * Auxiliary routers as plugins: {@code joint} routers learn during main training without touching
 * the model's own training, make the trained model causal, and the routing evaluator reports their
 * precision, recall and the loss gap to batch top-k.
 */
class JointAuxiliaryTest {
  @TempDir Path dir;

  private final StaticPlugins plugins = new StaticPlugins(new MomaLayerPlugin(), new ModDepthPlugin(),
      new ExpertChoiceRouterPlugin(), new AuxiliaryRouterPlugins.Mlp(), new AuxiliaryRouterPlugins.Joint(),
      new SyntheticDatasetPlugin(), new RoutingEvaluator(), new org.moma.optimizers.OptimizerPlugins.AdamWPlugin(), new org.moma.schedules.SchedulePlugins.WarmupLinear());

  private List<StepMetrics> train(String name, String auxiliary) {
    String spec = "{\"name\": \"" + name + "\", \"seed\": 3, \"device\": \"cpu\", \"output\": \"" + dir.resolve(name) + "\","
        + "\"data\": {\"name\": \"synthetic\"}, \"model\": {\"dModel\": 32, \"layers\": 2, \"heads\": 2, \"ffnDim\": 64,"
        + " \"seqLen\": 32, \"ffn\": {\"name\": \"moma\", \"options\": {\"experts\": {\"text\": 2, \"image\": 2}}},"
        + " \"depth\": {\"name\": \"mod\", \"options\": {\"capacity\": 0.5}}" + auxiliary + "},"
        + "\"training\": {\"steps\": 60, \"batchSize\": 8, \"learningRate\": 0.01, \"warmupSteps\": 5}}";
    List<StepMetrics> steps = new ArrayList<>();
    new ExperimentRunner(plugins).run(SpecReader.parse(spec, name), steps::add);
    return steps;
  }

  @Test
  void jointRoutersLearnBesideTheModelWithoutChangingIt() throws Exception {
    List<StepMetrics> plain = train("plain", "");
    List<StepMetrics> joint = train("joint", ", \"auxiliary\": {\"name\": \"joint\"}");
    for (int i = 0; i < plain.size(); i++) {
      assertEquals(plain.get(i).loss(), joint.get(i).loss(), 1e-5 * plain.get(i).loss(),
          "step " + (i + 1) + ": the joint routers changed the model's training");
    }
    try (TrainedModel trained = TrainedModel.load(plugins, dir.resolve("joint"), "cpu");
        TrainedModel without = TrainedModel.load(plugins, dir.resolve("plain"), "cpu")) {
      AuxiliaryRouters routers = trained.model().jointAuxiliary();
      assertNotNull(routers, "the joint routers are part of the checkpoint");
      assertEquals(List.of("layer0.depth", "layer0.text", "layer0.image", "layer1.text", "layer1.image"),
          List.copyOf(routers.routers().keySet()));
      assertTrue(trained.causal() && trained.hasAuxiliaryRouters(), "a model trained with joint routers routes causally");
      assertFalse(without.causal(), "without auxiliary routers MoD and expert choice use batch top-k");

      // on one held-out batch: the trained routers' cross-entropy against fresh ones of the same shape
      AuxiliaryRouters fresh = AuxiliaryRouters.of(plugins, trained.model(), PluginRef.of("mlp"), "test");
      fresh.setInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT);
      fresh.initialize(trained.manager(), DataType.FLOAT32, new Shape(1, 32));
      ParameterStore store = new ParameterStore(trained.manager(), false);
      Batch batch = new SequencePacker(trained.split("valid"), 32).next(8);
      try (NDManager scope = trained.manager().newSubManager()) {
        routers.record(true, true);
        var rows = batch.toArrays(scope);
        trained.model().forward(store, new NDList(Batch.inputs(rows[0]), Batch.inputs(rows[1])), true);
        double learned = routers.loss(store, false).getFloat();
        double untrained = fresh.loss(store, false).getFloat();
        routers.record(false, true);
        assertTrue(learned < 0.85 * untrained, "joint routers' cross-entropy " + learned + " vs untrained " + untrained);
      }

      Map<String, Object> m = new EvalRunner(plugins)
          .run(trained, "routing", new ObjectMapper().readTree("{\"batches\": 2}"), "evaluation").metrics();
      for (String group : routers.routers().keySet()) {
        double precision = (Double) m.get(group + ".auxiliary.precision");
        double recall = (Double) m.get(group + ".auxiliary.recall");
        assertTrue(precision >= 0 && precision <= 1 && recall >= 0 && recall <= 1, group + ": " + precision + " / " + recall);
      }
      for (String group : List.of("layer0.text", "layer1.image")) {
        double share = (Double) m.get(group + ".routerGradientShare");
        assertEquals((Double) m.get(group + ".multiChosen"), share, "tokens two experts took are those the router learns from");
        assertTrue(share >= 0 && share <= 1, group + ": " + share);
      }
      double gap = (Double) m.get("auxiliary.loss.gap");
      assertEquals((Double) m.get("auxiliary.loss.causal") - (Double) m.get("auxiliary.loss.topK"), gap, 1e-9);
      assertTrue(Double.isFinite(gap) && (Double) m.get("auxiliary.loss.topK") > 0, "losses: " + m);
    }
  }
}
