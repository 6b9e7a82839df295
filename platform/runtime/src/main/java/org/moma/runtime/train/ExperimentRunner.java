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
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.moma.api.DeviceSpec;
import org.moma.api.SpecException;
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
import org.moma.runtime.registry.SpecDataset;
import org.moma.runtime.spec.SpecReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an experiment: resolves every plugin by name, builds the model on the chosen device, trains
 * it and writes {@code spec.json}, {@code metrics.jsonl}, checkpoints and {@code summary.json} in
 * the run folder. A run resumed from its latest checkpoint continues with exactly the batches and
 * updates an uninterrupted run would have made.
 */
public final class ExperimentRunner {
  private static final Logger LOG = LoggerFactory.getLogger(ExperimentRunner.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Plugins plugins;

  public ExperimentRunner(Plugins plugins) {
    this.plugins = plugins;
  }

  /** Trains a new run into the spec's output folder; a folder that already holds a run is refused untouched. */
  public RunResult run(ExperimentSpec spec, Consumer<StepMetrics> progress) {
    Path dir = Path.of(spec.output());
    RunFolder.requireNoRun(dir); // before anything is built: fails in a moment
    return execute(spec, dir, null, progress);
  }

  /** Continues the run in {@code runDir} from its newest intact checkpoint up to its spec's steps. */
  public RunResult resume(Path runDir, Consumer<StepMetrics> progress) {
    try (RunFolder folder = RunFolder.open(runDir)) {
      return execute(SpecReader.read(runDir.resolve("spec.json")), runDir, folder, progress);
    }
  }

  private RunResult execute(ExperimentSpec spec, Path dir, RunFolder held, Consumer<StepMetrics> progress) {
    Engine engine = Engine.getEngine("PyTorch");
    Device device = DeviceSpec.parse(spec.device()).resolve(engine);
    DocumentSource train = SpecDataset.of(plugins, spec).open("train");
    ModelDims dims = ModelAssembler.dims(spec.model(), train.vocabulary());
    engine.setRandomSeed((int) (long) spec.seed());
    try (NDManager manager = NDManager.newBaseManager(device, engine.getEngineName())) {
      EarlyFusionModel model = new ModelAssembler(plugins).build(spec.model(), dims, train.modalities());
      model.setInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT);
      TrainingSpec training = spec.training();
      Shape tokenShape = new Shape(training.batchSize(), dims.seqLen());
      model.initialize(manager, DataType.FLOAT32, tokenShape, tokenShape);
      // refuse what cannot fit before the first batch is built or the folder is touched
      MemoryEstimate.of(dims, training, countParameters(model)).requireFits(device);
      try (RunFolder folder = held != null ? null : RunFolder.create(dir)) {
        if (held == null) {
          Files.writeString(dir.resolve("spec.json"), SpecReader.toJson(spec));
        }
        LOG.info("run {} on {}: {} parameters, {} layers", spec.name(), device, countParameters(model), dims.layers());
        return new Loop(spec, model, train, manager, dir, device).run(held != null, progress);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("run folder " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The training loop of one run, with everything a checkpoint saves and restores. */
  private static final class Loop {
    private final ExperimentSpec spec;
    private final TrainingSpec training;
    private final EarlyFusionModel model;
    private final DocumentSource source;
    private final NDManager manager;
    private final Path dir;
    private final Device device;
    private final AdamW optimizer;
    private final SequencePacker packer;
    private final double flopsPerToken;
    private int step;
    private double cumulativeFlops;
    private double elapsedBefore;

    Loop(ExperimentSpec spec, EarlyFusionModel model, DocumentSource source, NDManager manager, Path dir, Device device) {
      this.spec = spec;
      this.training = spec.training();
      this.model = model;
      this.source = source;
      this.manager = manager;
      this.dir = dir;
      this.device = device;
      List<Parameter> parameters = new ArrayList<>();
      model.getParameters().values().forEach(parameters::add);
      optimizer = new AdamW(parameters, training.beta1(), training.beta2(), training.weightDecay(), training.gradClip());
      packer = SequencePacker.forTraining(source, model.dims().seqLen(), training);
      flopsPerToken = 3 * model.forwardFlopsPerToken(); // forward + backward ≈ 3× forward
    }

    RunResult run(boolean resume, Consumer<StepMetrics> progress) throws IOException {
      Path metricsFile = dir.resolve("metrics.jsonl");
      if (resume) {
        restore(metricsFile);
      }
      LearningRateSchedule schedule =
          new LearningRateSchedule(training.learningRate(), training.warmupSteps(), training.steps(), training.minLrRatio());
      ParameterStore store = new ParameterStore(manager, false);
      List<Modality> modalities = List.of(Modality.TEXT, Modality.IMAGE);
      int pad = source.vocabulary().pad();
      long start = System.nanoTime();
      double loss = Double.NaN;
      try (BufferedWriter metrics = Files.newBufferedWriter(metricsFile,
          resume ? new StandardOpenOption[] {StandardOpenOption.CREATE, StandardOpenOption.APPEND}
              : new StandardOpenOption[] {StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE})) {
        while (step < training.steps()) {
          long stepStart = System.nanoTime();
          // reseeded per step: stochastic layers (Gumbel noise) draw the same numbers after a resume
          Engine.getEngine("PyTorch").setRandomSeed((int) (spec.seed() * 1_000_003L + step));
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
                GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
              NDArray[] rows = batch.toArrays(scope);
              NDList out = model.forward(store, new NDList(Batch.inputs(rows[0]), Batch.inputs(rows[1])), true);
              LanguageModelLoss.Result result =
                  LanguageModelLoss.compute(out.get(0), Batch.targets(rows[0]), Batch.targets(rows[1]), pad,
                      spec.model().zLoss(), modalities);
              collector.backward(result.objective().add(out.get(1)));
              stepLoss += result.loss() / training.accumulation();
              for (int m = 0; m < modalityLoss.length; m++) {
                modalityLoss[m] += result.perModality()[m] / training.accumulation();
              }
            }
          }
          double gradNorm = optimizer.step(lr, training.accumulation());
          if (!Double.isFinite(gradNorm)) {
            throw new IllegalStateException("non-finite gradient norm at step " + (step + 1)
                + "; parameters were not updated, the last checkpoint is intact");
          }
          step++;
          long tokens = (long) training.batchSize() * training.accumulation() * model.dims().seqLen();
          cumulativeFlops += flopsPerToken * tokens;
          double seconds = (System.nanoTime() - stepStart) / 1e9;
          loss = stepLoss;
          if (!Double.isFinite(stepLoss)) {
            throw new IllegalStateException("loss is " + stepLoss + " at step " + step + " (lower training.learningRate?)");
          }
          StepMetrics m =
              new StepMetrics(step, training.steps(), stepLoss, modalityLoss[0], modalityLoss[1], lr, gradNorm,
                  textTokens, imageTokens, tokens / seconds, cumulativeFlops,
                  elapsedBefore + (System.nanoTime() - start) / 1e9);
          metrics.write(JSON.writeValueAsString(m));
          metrics.newLine();
          metrics.flush();
          if ((training.checkpointEvery() > 0 && step % training.checkpointEvery() == 0) || step == training.steps()) {
            checkpoint(elapsedBefore + (System.nanoTime() - start) / 1e9);
          }
          progress.accept(m);
        }
      }
      return summarize(loss, elapsedBefore + (System.nanoTime() - start) / 1e9);
    }

    private void checkpoint(double elapsed) throws IOException {
      Checkpoints.save(dir, new Checkpoints.State(step, packer.state(), cumulativeFlops, elapsed,
          source.vocabulary().identity(), optimizer.steps()), model, optimizer);
    }

    private void restore(Path metricsFile) throws IOException {
      Checkpoints.Resumable resumable = Checkpoints.resumable(dir);
      if (resumable == null) {
        LOG.warn("{} has no checkpoint yet: training it again from step 0", dir);
        Files.write(metricsFile, List.of());
        return;
      }
      Path checkpoint = resumable.checkpoint();
      Checkpoints.State state = resumable.state();
      if (!state.vocabularyIdentity().equals(source.vocabulary().identity())) {
        throw new SpecException("data", checkpoint + " was trained on vocabulary " + state.vocabularyIdentity()
            + " but the dataset now gives " + source.vocabulary().identity());
      }
      Checkpoints.restore(checkpoint, state, model, optimizer, manager);
      packer.restore(state.loader());
      step = state.step();
      cumulativeFlops = state.cumulativeFlops();
      elapsedBefore = state.elapsedSeconds();
      // steps logged after the checkpoint are replayed, so drop them from the metrics (a line cut by a kill too)
      List<String> lines = Files.exists(metricsFile) ? Files.readAllLines(metricsFile) : List.of();
      Files.write(metricsFile, lines.subList(0, Math.min(step, lines.size())));
      LOG.info("resumed {} at step {} from {}", spec.name(), step, checkpoint);
    }

    private RunResult summarize(double loss, double totalSeconds) throws IOException {
      double tokensPerSecond =
          (double) training.steps() * training.batchSize() * training.accumulation() * model.dims().seqLen() / totalSeconds;
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("name", spec.name());
      summary.put("device", device.toString());
      summary.put("steps", training.steps());
      summary.put("finalLoss", loss);
      summary.put("parameters", countParameters(model));
      summary.put("trainingFlopsPerToken", flopsPerToken);
      summary.put("totalFlops", cumulativeFlops);
      summary.put("tokensPerSecond", tokensPerSecond);
      summary.put("vocabulary", source.vocabulary().identity());
      summary.put("imageShare", packer.imageShare());
      if (training.balanced()) {
        summary.put("imageRatioTarget", training.imageRatio());
        summary.put("imageRatioDeviation", packer.imageShare() - training.imageRatio());
        summary.put("skippedDocuments", packer.skipped());
      }
      JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("summary.json").toFile(), summary);
      org.moma.runtime.report.RunReport.write(dir);
      return new RunResult(dir, device.toString(), training.steps(), loss, flopsPerToken, tokensPerSecond);
    }
  }

  static long countParameters(EarlyFusionModel model) {
    long count = 0;
    for (Parameter p : model.getParameters().values()) {
      count += p.getArray().size();
    }
    return count;
  }
}
