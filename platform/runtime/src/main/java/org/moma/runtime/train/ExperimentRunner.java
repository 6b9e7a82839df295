package org.moma.runtime.train;

import ai.djl.Device;
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
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.moma.api.DeviceSpec;
import org.moma.api.Options;
import org.moma.api.PluginKind;
import org.moma.api.data.DatasetPlugin;
import org.moma.api.data.DocumentSource;
import org.moma.api.model.Modality;
import org.moma.api.model.ModelDims;
import org.moma.api.spec.ExperimentSpec;
import org.moma.api.spec.TrainingSpec;
import org.moma.runtime.data.Batch;
import org.moma.runtime.data.SequencePacker;
import org.moma.runtime.model.EarlyFusionModel;
import org.moma.runtime.model.ModelAssembler;
import org.moma.runtime.registry.Plugins;
import org.moma.runtime.spec.SpecReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an experiment: resolves every plugin by name, builds the model on the chosen device, trains
 * it and writes {@code spec.json}, {@code metrics.jsonl} and {@code summary.json} in the run folder.
 */
public final class ExperimentRunner {
  private static final Logger LOG = LoggerFactory.getLogger(ExperimentRunner.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Plugins plugins;

  public ExperimentRunner(Plugins plugins) {
    this.plugins = plugins;
  }

  public RunResult run(ExperimentSpec spec, Consumer<StepMetrics> progress) {
    Engine engine = Engine.getEngine("PyTorch");
    Device device = DeviceSpec.parse(spec.device()).resolve(engine);
    DatasetPlugin datasetPlugin =
        plugins.require(PluginKind.DATASET, DatasetPlugin.class, spec.data().name(), "data.name");
    Options dataOptions = datasetPlugin.parseOptions(spec.data().options(), "data.options");
    DocumentSource train = datasetPlugin.open("train", spec.seed(), dataOptions);
    ModelDims dims = ModelAssembler.dims(spec.model(), train.vocabulary());
    Path dir = Path.of(spec.output());
    engine.setRandomSeed((int) (long) spec.seed());
    try (NDManager manager = NDManager.newBaseManager(device, engine.getEngineName())) {
      EarlyFusionModel model = new ModelAssembler(plugins).build(spec.model(), dims, train.modalities());
      model.setInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT);
      TrainingSpec training = spec.training();
      Shape tokenShape = new Shape(training.batchSize(), dims.seqLen());
      model.initialize(manager, DataType.FLOAT32, tokenShape, tokenShape);
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("spec.json"), SpecReader.toJson(spec));
      LOG.info("run {} on {}: {} parameters, {} layers", spec.name(), device, countParameters(model), dims.layers());
      return train(spec, model, train, manager, dir, device, progress);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write run folder " + dir + ": " + e.getMessage(), e);
    }
  }

  private RunResult train(
      ExperimentSpec spec,
      EarlyFusionModel model,
      DocumentSource source,
      NDManager manager,
      Path dir,
      Device device,
      Consumer<StepMetrics> progress)
      throws IOException {
    TrainingSpec training = spec.training();
    List<Parameter> parameters = new ArrayList<>();
    model.getParameters().values().forEach(parameters::add);
    AdamW optimizer =
        new AdamW(parameters, training.beta1(), training.beta2(), training.weightDecay(), training.gradClip());
    LearningRateSchedule schedule =
        new LearningRateSchedule(
            training.learningRate(), training.warmupSteps(), training.steps(), training.minLrRatio());
    SequencePacker packer =
        training.balanced()
            ? new SequencePacker(source, model.dims().seqLen(), training.imageRatio(), 8)
            : new SequencePacker(source, model.dims().seqLen());
    ParameterStore store = new ParameterStore(manager, false);
    List<Modality> modalities = List.of(Modality.TEXT, Modality.IMAGE);
    int pad = source.vocabulary().pad();
    double flopsPerToken = 3 * model.forwardFlopsPerToken(); // forward + backward ≈ 3× forward
    double cumulativeFlops = 0;
    long start = System.nanoTime();
    double loss = Double.NaN;
    double tokensPerSecond = 0;
    try (BufferedWriter metrics = Files.newBufferedWriter(dir.resolve("metrics.jsonl"))) {
      for (int step = 0; step < training.steps(); step++) {
        long stepStart = System.nanoTime();
        double lr = schedule.at(step);
        double stepLoss = 0;
        double[] modalityLoss = new double[modalities.size()];
        long textTokens = 0;
        long imageTokens = 0;
        for (int micro = 0; micro < training.accumulation(); micro++) {
          Batch batch = packer.next(training.batchSize());
          textTokens += batch.targetCount(Modality.TEXT.id());
          imageTokens += batch.targetCount(Modality.IMAGE.id());
          try (NDManager scope = manager.newSubManager();
              GradientCollector collector = engine().newGradientCollector()) {
            NDArray[] rows = batch.toArrays(scope);
            NDList out =
                model.forward(
                    store, new NDList(Batch.inputs(rows[0]), Batch.inputs(rows[1])), true);
            LanguageModelLoss.Result result =
                LanguageModelLoss.compute(
                    out.get(0), Batch.targets(rows[0]), Batch.targets(rows[1]), pad,
                    spec.model().zLoss(), modalities);
            collector.backward(result.objective().add(out.get(1)));
            stepLoss += result.loss() / training.accumulation();
            for (int m = 0; m < modalityLoss.length; m++) {
              modalityLoss[m] += result.perModality()[m] / training.accumulation();
            }
          }
        }
        double gradNorm = optimizer.step(lr, training.accumulation());
        long tokens = (long) training.batchSize() * training.accumulation() * model.dims().seqLen();
        cumulativeFlops += flopsPerToken * tokens;
        double seconds = (System.nanoTime() - stepStart) / 1e9;
        tokensPerSecond = tokens / seconds;
        loss = stepLoss;
        StepMetrics m =
            new StepMetrics(
                step + 1, training.steps(), stepLoss, modalityLoss[0], modalityLoss[1], lr, gradNorm,
                textTokens, imageTokens, tokensPerSecond, cumulativeFlops,
                (System.nanoTime() - start) / 1e9);
        if (!Double.isFinite(stepLoss)) {
          throw new IllegalStateException("loss is " + stepLoss + " at step " + (step + 1) + " (lower training.learningRate?)");
        }
        metrics.write(JSON.writeValueAsString(m));
        metrics.newLine();
        metrics.flush();
        progress.accept(m);
      }
    }
    double totalSeconds = (System.nanoTime() - start) / 1e9;
    double meanTokensPerSecond =
        (double) training.steps() * training.batchSize() * training.accumulation() * model.dims().seqLen() / totalSeconds;
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("name", spec.name());
    summary.put("device", device.toString());
    summary.put("steps", training.steps());
    summary.put("finalLoss", loss);
    summary.put("parameters", countParameters(model));
    summary.put("trainingFlopsPerToken", flopsPerToken);
    summary.put("tokensPerSecond", meanTokensPerSecond);
    summary.put("imageShare", packer.imageShare());
    if (training.balanced()) {
      summary.put("imageRatioTarget", training.imageRatio());
      summary.put("imageRatioDeviation", packer.imageShare() - training.imageRatio());
      summary.put("skippedDocuments", packer.skipped());
    }
    JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("summary.json").toFile(), summary);
    return new RunResult(dir, device.toString(), training.steps(), loss, flopsPerToken, meanTokensPerSecond);
  }

  private static Engine engine() {
    return Engine.getEngine("PyTorch");
  }

  static long countParameters(EarlyFusionModel model) {
    long count = 0;
    for (Parameter p : model.getParameters().values()) {
      count += p.getArray().size();
    }
    return count;
  }
}
