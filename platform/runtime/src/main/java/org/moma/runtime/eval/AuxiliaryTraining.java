package org.moma.runtime.eval;

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
import org.moma.runtime.data.Batch;
import org.moma.runtime.data.SequencePacker;
import org.moma.runtime.model.AuxiliaryRouters;
import org.moma.runtime.model.EarlyFusionModel;
import org.moma.runtime.model.PrecisionStore;
import org.moma.runtime.train.AdamW;

/**
 * The second stage of the paper's recipe (Appendix A.2): auxiliary routers trained with the main
 * model frozen, on binary cross-entropy against the noise-free top-k selections of training
 * batches, then measured on held-out batches; saved in {@code RUN/aux/} with {@code report.json}.
 */
final class AuxiliaryTraining {
  private static final ObjectMapper JSON = new ObjectMapper();

  private AuxiliaryTraining() {}

  static Map<String, Object> train(TrainedModel trained, AuxiliaryRouters routers, int steps, int batchSize,
      double learningRate, IntConsumer progress) throws IOException {
    NDManager manager = trained.manager();
    EarlyFusionModel model = trained.model();
    routers.setInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT);
    routers.initialize(manager, DataType.FLOAT32, new Shape(1, model.dims().dModel()));
    List<Parameter> parameters = new ArrayList<>();
    routers.getParameters().values().forEach(parameters::add);
    AdamW optimizer = new AdamW(parameters, 0.9, 0.95, 0.0, 1.0);
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
          optimizer.step(learningRate, 1);
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
