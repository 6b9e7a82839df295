package org.moma.evaluation;

import org.moma.api.spec.PluginRef;
import org.moma.api.spec.TrainingSpec;
import org.moma.api.train.Optimizer;
import org.moma.training.GradientClipping;
import org.moma.training.TrainingParts;

import org.moma.runs.TrainedModel;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import org.moma.data.packing.Batch;
import org.moma.data.packing.SequencePacker;
import org.moma.model.AuxiliaryRouters;
import org.moma.model.EarlyFusionModel;
import org.moma.model.PrecisionStore;

/**
 * The second stage of the paper's recipe (Appendix A.2): auxiliary routers trained with the main
 * model frozen, on binary cross-entropy against the noise-free top-k selections of training
 * batches, then measured on held-out batches; saved in {@code RUN/aux/} with {@code report.json}.
 */
public final class AuxiliaryTraining {
  private static final ObjectMapper JSON = new ObjectMapper();

  private AuxiliaryTraining() {}

  /**
   * Trains auxiliary routers (paper §2.4) on the frozen model against its batch top-k, saves them in
   * {@code RUN/aux} with a report, and has the model route with them from then on.
   *
   * @param ref the auxiliary-router plugin; null means the spec's {@code model.auxiliary}, else {@code mlp}
   */
  public static Map<String, Object> train(TrainedModel trained, org.moma.api.spec.PluginRef ref, int steps, int batchSize,
      double learningRate, IntConsumer progress) throws IOException {
    AuxiliaryRouters routers = trained.newAuxiliaryRouters(ref);
    Map<String, Object> report = train(trained, routers, steps, batchSize, learningRate, progress);
    trained.useNewAuxiliaryRouters(routers);
    return report;
  }

  static Map<String, Object> train(TrainedModel trained, AuxiliaryRouters routers, int steps, int batchSize,
      double learningRate, IntConsumer progress) throws IOException {
    NDManager manager = trained.manager();
    EarlyFusionModel model = trained.model();
    routers.setInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT);
    routers.initialize(manager, DataType.FLOAT32, new Shape(1, model.dims().dModel()));
    List<Parameter> parameters = new ArrayList<>();
    routers.getParameters().values().forEach(parameters::add);
    // the frozen model's auxiliary routers: AdamW without weight decay, gradients clipped at norm 1
    com.fasterxml.jackson.databind.node.ObjectNode adamw = JSON.createObjectNode().put("beta1", 0.9).put("beta2", 0.95).put("weightDecay", 0.0);
    TrainingSpec auxiliaryTraining = trained.spec().training().withOptimizer(new PluginRef("adamw", adamw));
    Optimizer optimizer = new TrainingParts(trained.plugins()).optimizer(auxiliaryTraining, parameters);
    GradientClipping clipping = new GradientClipping(parameters, 1.0, p -> false);
    PrecisionStore store = PrecisionStore.of(manager, trained.spec().training());
    SequencePacker packer = new SequencePacker(trained.train(), model.dims().seqLen());
    double firstLoss = Double.NaN;
    double lastLoss = Double.NaN;
    routers.detach();
    routers.record(true, true);
    try {
      for (int step = 0; step < steps; step++) {
        try (NDManager scope = manager.newSubManager()) {
          store.beginStep(scope); // the routers change every step: their casts too
          routers.record(true, true); // forget the last batch: a group that sees no token now must not offer its released arrays
          forward(model, store, packer.next(batchSize), scope);
          double loss;
          try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
            NDArray total = routers.loss(store, true);
            loss = total.getFloat();
            collector.backward(total);
          }
          optimizer.step(learningRate, clipping.rescale(scope, clipping.norms(scope, 1), 1));
          firstLoss = step == 0 ? loss : firstLoss;
          lastLoss = loss;
        }
        progress.accept(step + 1);
      }
      store.beginStep(null); // trained: the casts may now live as long as the store
      Map<String, Object> report = new LinkedHashMap<>();
      report.put("auxiliary", routers.plugin().name());
      report.put("steps", steps);
      report.put("bceFirst", firstLoss);
      report.put("bceLast", lastLoss);
      report.putAll(measure(trained, routers, store, batchSize));
      routers.save(trained.runDirectory());
      JSON.writerWithDefaultPrettyPrinter().writeValue(trained.runDirectory().resolve("aux/report.json").toFile(), report);
      return report;
    } finally {
      routers.record(false, true);
    }
  }

  /** Precision, recall and accuracy of the routers' decisions against batch top-k on held-out batches. */
  static Map<String, Object> measure(TrainedModel trained, AuxiliaryRouters routers, ParameterStore store, int batchSize) {
    Map<String, long[]> counts = new LinkedHashMap<>(); // tp, fp, fn, tn
    SequencePacker packer = new SequencePacker(trained.split("valid"), trained.model().dims().seqLen());
    for (int b = 0; b < 4; b++) {
      try (NDManager scope = trained.manager().newSubManager()) {
        NDArray[] rows = packer.next(batchSize).toArrays(scope);
        routers.countAgreement(trained.model(), store, Batch.inputs(rows[0]), Batch.inputs(rows[1]), counts);
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : counts.entrySet()) {
      long[] c = e.getValue();
      m.put(e.getKey() + ".precision", c[0] + c[1] == 0 ? Double.NaN : (double) c[0] / (c[0] + c[1]));
      m.put(e.getKey() + ".recall", c[0] + c[2] == 0 ? Double.NaN : (double) c[0] / (c[0] + c[2]));
      m.put(e.getKey() + ".accuracy", (double) (c[0] + c[3]) / (c[0] + c[1] + c[2] + c[3]));
    }
    return m;
  }

  /** A forward of the frozen model in training mode, so the groups record the training-time top-k. */
  private static void forward(EarlyFusionModel model, ParameterStore store, Batch batch, NDManager scope) {
    NDArray[] rows = batch.toArrays(scope);
    model.forward(store, new NDList(Batch.inputs(rows[0]), Batch.inputs(rows[1])), true);
  }

}
