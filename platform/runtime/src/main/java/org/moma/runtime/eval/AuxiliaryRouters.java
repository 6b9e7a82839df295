package org.moma.runtime.eval;

import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.moma.api.data.DocumentSource;
import org.moma.api.nn.AuxiliaryRouter;
import org.moma.api.nn.ExpertGroup;
import org.moma.api.nn.Tensors;
import org.moma.runtime.data.Batch;
import org.moma.runtime.data.SequencePacker;
import org.moma.runtime.model.EarlyFusionModel;
import org.moma.runtime.model.TransformerLayer;
import org.moma.runtime.train.AdamW;

/**
 * The auxiliary routers of a trained model, one per expert group ({@code layerN.group}), kept in
 * {@code RUN/aux/routers.params} beside the model's own checkpoint. Trained with the main model
 * frozen on binary cross-entropy against the true top-k selections of training batches (§2.4).
 */
public final class AuxiliaryRouters extends AbstractBlock {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Map<String, ExpertGroup> groups = new LinkedHashMap<>();
  private final Map<String, TransformerLayer> depthLayers = new LinkedHashMap<>();
  private final Map<String, AuxiliaryRouter> routers = new LinkedHashMap<>();

  AuxiliaryRouters(EarlyFusionModel model) {
    super((byte) 1);
    List<TransformerLayer> layers = model.layers();
    for (int i = 0; i < layers.size(); i++) {
      if (layers.get(i).depth() != null) {
        String name = "layer" + i + ".depth";
        depthLayers.put(name, layers.get(i));
        routers.put(name, addChildBlock(name.replace('.', '_'), new AuxiliaryRouter(model.dims().dModel(), 1)));
      }
      for (Map.Entry<String, ExpertGroup> e : layers.get(i).feedForward().expertGroups().entrySet()) {
        if (e.getValue().count() > 1) {
          String name = "layer" + i + "." + e.getKey();
          groups.put(name, e.getValue());
          routers.put(name, addChildBlock(name.replace('.', '_'), new AuxiliaryRouter(model.dims().dModel(), e.getValue().count())));
        }
      }
    }
  }

  public static Path file(Path run) {
    return run.resolve("aux").resolve("routers.params");
  }

  boolean isEmpty() {
    return routers.isEmpty();
  }

  void attach() {
    routers.forEach((name, router) -> {
      if (depthLayers.containsKey(name)) {
        depthLayers.get(name).useDepthAuxiliary(router);
      } else {
        groups.get(name).useAuxiliary(router);
      }
    });
  }

  void detach() {
    groups.values().forEach(g -> g.useAuxiliary(null));
    depthLayers.values().forEach(l -> l.useDepthAuxiliary(null));
  }

  private void record(boolean on) {
    groups.values().forEach(g -> g.record(on));
    depthLayers.values().forEach(l -> l.recordDepth(on));
  }

  /** The recorded router input and true selections of a router's group or MoD layer. */
  private NDArray[] recorded(String name) {
    if (depthLayers.containsKey(name)) {
      TransformerLayer l = depthLayers.get(name);
      return new NDArray[] {l.recordedDepthInput(), l.recordedDepthTargets()};
    }
    ExpertGroup g = groups.get(name);
    return new NDArray[] {g.recordedInput(), g.recordedTargets()};
  }

  void load(Path run, NDManager manager, int dModel) throws IOException {
    initialize(manager, DataType.FLOAT32, new Shape(1, dModel));
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file(run))))) {
      loadParameters(manager, in);
    } catch (MalformedModelException e) {
      throw new IOException(file(run) + ": auxiliary routers do not fit this model: " + e.getMessage(), e);
    }
  }

  /**
   * Trains the routers on {@code steps} batches of the training split (main model frozen) and
   * measures them on held-out batches; writes the parameters and {@code aux/report.json}.
   */
  Map<String, Object> train(TrainedModel trained, int steps, int batchSize, double learningRate, java.util.function.IntConsumer progress)
      throws IOException {
    NDManager manager = trained.manager();
    EarlyFusionModel model = trained.model();
    setInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT);
    initialize(manager, DataType.FLOAT32, new Shape(1, model.dims().dModel()));
    List<Parameter> parameters = new ArrayList<>();
    getParameters().values().forEach(parameters::add);
    AdamW optimizer = new AdamW(parameters, 0.9, 0.95, 0.0, 1.0);
    ParameterStore store = new ParameterStore(manager, false);
    SequencePacker packer = new SequencePacker(trained.train(), model.dims().seqLen());
    double firstLoss = Double.NaN;
    double lastLoss = Double.NaN;
    detach();
    record(true);
    try {
      for (int step = 0; step < steps; step++) {
        try (NDManager scope = manager.newSubManager()) {
          forward(model, store, packer.next(batchSize), scope, true);
          double loss = 0;
          try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
            NDArray total = null;
            for (Map.Entry<String, AuxiliaryRouter> e : routers.entrySet()) {
              NDArray[] data = recorded(e.getKey());
              NDArray bce = binaryCrossEntropy(e.getValue().scores(store, data[0], true), data[1]);
              total = total == null ? bce : total.add(bce);
            }
            loss = total.getFloat() / routers.size();
            collector.backward(total);
          }
          optimizer.step(learningRate, 1);
          firstLoss = step == 0 ? loss : firstLoss;
          lastLoss = loss;
        }
        progress.accept(step + 1);
      }
      Map<String, Object> report = new LinkedHashMap<>();
      report.put("steps", steps);
      report.put("bceFirst", firstLoss);
      report.put("bceLast", lastLoss);
      report.putAll(measure(trained, store, batchSize));
      save(trained.runDirectory());
      JSON.writerWithDefaultPrettyPrinter().writeValue(trained.runDirectory().resolve("aux/report.json").toFile(), report);
      return report;
    } finally {
      record(false);
    }
  }

  /** Precision, recall and accuracy of the routers' decisions (score > 0.5) against batch top-k, held out. */
  private Map<String, Object> measure(TrainedModel trained, ParameterStore store, int batchSize) {
    Map<String, long[]> counts = new LinkedHashMap<>(); // tp, fp, fn, tn
    record(true);
    SequencePacker packer = new SequencePacker(trained.split("valid"), trained.model().dims().seqLen());
    for (int b = 0; b < 4; b++) {
      try (NDManager scope = trained.manager().newSubManager()) {
        forward(trained.model(), store, packer.next(batchSize), scope, true);
        for (Map.Entry<String, AuxiliaryRouter> e : routers.entrySet()) {
          NDArray[] data = recorded(e.getKey());
          boolean[] predicted = toBooleans(e.getValue().scores(store, data[0], false).gt(0.5f));
          boolean[] actual = toBooleans(data[1].gt(0.5f));
          long[] c = counts.computeIfAbsent(e.getKey(), k -> new long[4]);
          for (int i = 0; i < actual.length; i++) {
            c[predicted[i] ? (actual[i] ? 0 : 1) : (actual[i] ? 2 : 3)]++;
          }
        }
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

  private static boolean[] toBooleans(NDArray mask) {
    boolean[] out = new boolean[(int) mask.size()];
    byte[] bytes = mask.toType(DataType.INT8, false).toByteArray();
    for (int i = 0; i < out.length; i++) {
      out[i] = bytes[i] != 0;
    }
    return out;
  }

  /** A forward of the frozen model in training mode, so the groups record the training-time top-k. */
  private static void forward(EarlyFusionModel model, ParameterStore store, Batch batch, NDManager scope, boolean training) {
    NDArray[] rows = batch.toArrays(scope);
    model.forward(store, new NDList(Batch.inputs(rows[0]), Batch.inputs(rows[1])), training);
  }

  private static NDArray binaryCrossEntropy(NDArray p, NDArray target) {
    NDArray clipped = p.clip(1e-6f, 1 - 1e-6f);
    NDArray one = Tensors.scalar(p, 1);
    return target.mul(clipped.log()).add(one.sub(target).mul(one.sub(clipped).log())).mean().neg();
  }

  private void save(Path run) throws IOException {
    Path file = file(run);
    Files.createDirectories(file.getParent());
    Path tmp = Files.createTempFile(file.getParent(), "routers", ".tmp");
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
      saveParameters(out);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  @Override
  protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    throw new UnsupportedOperationException("auxiliary routers are applied by their expert groups");
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return inputShapes;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    for (AuxiliaryRouter r : routers.values()) {
      r.initialize(manager, dataType, inputShapes[0]);
    }
  }

  static String describe(Map<String, Object> report) {
    StringBuilder out = new StringBuilder();
    report.forEach((k, v) -> out.append(String.format(Locale.ROOT, "  %-32s %s%n", k,
        v instanceof Double d ? String.format(Locale.ROOT, "%.4f", d) : v)));
    return out.toString();
  }
}
