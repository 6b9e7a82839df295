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
import org.moma.api.dist.Collectives;
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
  private final Collectives world;

  /** A runner in a world of one process. */
  public ExperimentRunner(Plugins plugins) {
    this(plugins, Collectives.SINGLE);
  }

  /**
   * A runner that is one rank of a data-parallel job: the spec's batch is the global batch, each
   * rank trains on its share of the rows, gradients are summed over the ranks, and rank 0 alone
   * writes the run folder.
   */
  public ExperimentRunner(Plugins plugins, Collectives world) {
    this.plugins = plugins;
    this.world = world;
  }

  /** Trains a new run into the spec's output folder; a folder that already holds a run is refused untouched. */
  public RunResult run(ExperimentSpec spec, Consumer<StepMetrics> progress) {
    Path dir = Path.of(spec.output());
    onRankZero(() -> RunFolder.requireNoRun(dir)); // before anything is built: fails in a moment
    return execute(spec, dir, false, progress);
  }

  /** Continues the run in {@code runDir} from its newest intact checkpoint up to its spec's steps. */
  public RunResult resume(Path runDir, Consumer<StepMetrics> progress) {
    RunFolder[] held = new RunFolder[1];
    onRankZero(() -> held[0] = RunFolder.open(runDir));
    try {
      return execute(SpecReader.read(runDir.resolve("spec.json")), runDir, true, progress);
    } finally {
      if (held[0] != null) {
        held[0].close();
      }
    }
  }

  /** The global batch must split into equal shares, one per rank. */
  public static void requireDivisible(TrainingSpec training, int ranks) {
    if (training.batchSize() % ranks != 0) {
      throw new SpecException("training.batchSize", "the global batch of " + training.batchSize()
          + " sequences does not divide among " + ranks + " ranks: make it a multiple of " + ranks);
    }
  }

  /**
   * A step only rank 0 takes (the run folder is its alone); every rank learns whether it failed,
   * so that no rank waits forever for one that stopped.
   */
  private void onRankZero(Runnable step) {
    RuntimeException failure = null;
    if (world.rank() == 0) {
      try {
        step.run();
      } catch (RuntimeException e) {
        failure = e;
      }
    }
    if (!world.allSucceeded(failure == null)) {
      throw failure != null ? failure : new Collectives.PeerFailure("rank 0 stopped the run");
    }
  }

  private RunResult execute(ExperimentSpec spec, Path dir, boolean resume, Consumer<StepMetrics> progress) {
    TrainingSpec training = spec.training();
    requireDivisible(training, world.size());
    Engine engine = Engine.getEngine("PyTorch");
    Device device = DeviceSpec.parse(spec.device()).resolve(engine);
    // rank 0 trains or loads the tokenizers first; the others then load what it stored
    DocumentSource[] opened = new DocumentSource[1];
    onRankZero(() -> opened[0] = SpecDataset.of(plugins, spec).open("train"));
    DocumentSource train = world.rank() == 0 ? opened[0] : SpecDataset.of(plugins, spec).open("train");
    ModelDims dims = ModelAssembler.dims(spec.model(), train.vocabulary());
    engine.setRandomSeed((int) (long) spec.seed());
    try (NDManager manager = NDManager.newBaseManager(device, engine.getEngineName())) {
      EarlyFusionModel model = new ModelAssembler(plugins).build(spec.model(), dims, train.modalities());
      model.setInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT);
      Shape tokenShape = new Shape(training.batchSize() / world.size(), dims.seqLen());
      model.initialize(manager, DataType.FLOAT32, tokenShape, tokenShape);
      // refuse what cannot fit before the first batch is built or the folder is touched
      long parameters = countParameters(model);
      MemoryEstimate.of(dims, training.withBatchSize(training.batchSize() / world.size()), parameters)
          .requireFits(device, world.localSize());
      RunFolder[] created = new RunFolder[1];
      if (!resume) {
        onRankZero(() -> {
          created[0] = RunFolder.create(dir);
          try {
            Files.writeString(dir.resolve("spec.json"), SpecReader.toJson(spec));
          } catch (IOException e) {
            throw new UncheckedIOException("run folder " + dir + ": " + e.getMessage(), e);
          }
        });
      }
      try {
        LOG.info("run {} on {} ({}): {} parameters, {} layers", spec.name(), device, world.describe(), parameters, dims.layers());
        return new Loop(spec, model, train, manager, dir, device, world).run(resume, progress);
      } finally {
        if (created[0] != null) {
          created[0].close();
        }
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
    private final Collectives world;
    private final boolean writer;
    private final DataParallel parallel;
    private int step;
    private double cumulativeFlops;
    private double elapsedBefore;

    Loop(ExperimentSpec spec, EarlyFusionModel model, DocumentSource source, NDManager manager, Path dir, Device device,
        Collectives world) {
      this.spec = spec;
      this.world = world;
      this.writer = world.rank() == 0;
      this.training = spec.training();
      this.model = model;
      this.source = source;
      this.manager = manager;
      this.dir = dir;
      this.device = device;
      List<Parameter> parameters = new ArrayList<>();
      model.getParameters().values().forEach(parameters::add);
      // auxiliary routers trained jointly are clipped on their own: the model's update stays what it would be without them
      java.util.Set<Parameter> joint = new java.util.HashSet<>();
      if (model.jointAuxiliary() != null) {
        model.jointAuxiliary().getParameters().values().forEach(joint::add);
      }
      optimizer = new AdamW(parameters, training.beta1(), training.beta2(), training.weightDecay(), training.gradClip(),
          joint::contains);
      parallel = new DataParallel(world, parameters);
      packer = SequencePacker.forTraining(source, model.dims().seqLen(), training);
      flopsPerToken = 3 * model.forwardFlopsPerToken(); // forward + backward ≈ 3× forward
    }

    RunResult run(boolean resume, Consumer<StepMetrics> progress) throws IOException {
      Path metricsFile = dir.resolve("metrics.jsonl");
      if (resume) {
        restore(metricsFile);
      } else {
        parallel.broadcastParameters(); // every rank starts from rank 0's initialization
      }
      LearningRateSchedule schedule =
          new LearningRateSchedule(training.learningRate(), training.warmupSteps(), training.steps(), training.minLrRatio());
      ParameterStore store = new ParameterStore(manager, false);
      List<Modality> modalities = List.of(Modality.TEXT, Modality.IMAGE);
      int pad = source.vocabulary().pad();
      int share = training.batchSize() / world.size();
      long start = System.nanoTime();
      double loss = Double.NaN;
      try (BufferedWriter metrics = !writer ? null : Files.newBufferedWriter(metricsFile,
          resume ? new StandardOpenOption[] {StandardOpenOption.CREATE, StandardOpenOption.APPEND}
              : new StandardOpenOption[] {StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE})) {
        while (step < training.steps()) {
          long stepStart = System.nanoTime();
          // reseeded per step: stochastic layers (Gumbel noise) draw the same numbers after a resume
          Engine.getEngine("PyTorch").setRandomSeed((int) (spec.seed() * 1_000_003L + step));
          double lr = schedule.at(step);
          long textTokens = 0;
          long imageTokens = 0;
          double[] phase = new double[6]; // data, forward, backward, allreduce, optimizer, checkpoint
          long t = System.nanoTime();
          // per micro-batch: this rank's loss sum, then per modality sum and count; summed over the ranks below
          int width = 1 + 2 * modalities.size();
          double[] sums = new double[training.accumulation() * width];
          long[] globalTargets = new long[training.accumulation()];
          for (int micro = 0; micro < training.accumulation(); micro++) {
            Batch global = packer.next(training.batchSize());
            textTokens += global.targetCount(Modality.TEXT.id());
            imageTokens += global.targetCount(Modality.IMAGE.id());
            globalTargets[micro] = global.validTargets(pad);
            Batch batch = world.isSingle() ? global : global.rows(world.rank() * share, (world.rank() + 1) * share);
            try (NDManager scope = manager.newSubManager();
                GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
              NDArray[] rows = batch.toArrays(scope);
              t = lap(phase, 0, t);
              NDList out = model.forward(store, new NDList(Batch.inputs(rows[0]), Batch.inputs(rows[1])), true);
              LanguageModelLoss.Result result = LanguageModelLoss.compute(out.get(0), Batch.targets(rows[0]),
                  Batch.targets(rows[1]), pad, spec.model().zLoss(), modalities, globalTargets[micro]);
              // auxiliary losses are per rank: their mean over the ranks is what the summed gradients carry
              NDArray auxiliary = world.isSingle() ? out.get(1) : org.moma.api.nn.Tensors.times(out.get(1), 1.0 / world.size());
              t = lap(phase, 1, t);
              collector.backward(result.objective().add(auxiliary));
              t = lap(phase, 2, t);
              sums[micro * width] = result.lossSum();
              for (int m = 0; m < modalities.size(); m++) {
                sums[micro * width + 1 + 2 * m] = result.modalitySums()[m];
                sums[micro * width + 2 + 2 * m] = result.modalityCounts()[m];
              }
            }
          }
          world.allreduceSum(sums);
          parallel.sumGradients();
          t = lap(phase, 3, t);
          double stepLoss = 0;
          double[] modalityLoss = new double[modalities.size()];
          for (int micro = 0; micro < training.accumulation(); micro++) {
            stepLoss += sums[micro * width] / Math.max(1, globalTargets[micro]) / training.accumulation();
            for (int m = 0; m < modalities.size(); m++) {
              double n = sums[micro * width + 2 + 2 * m];
              modalityLoss[m] += (n == 0 ? Double.NaN : sums[micro * width + 1 + 2 * m] / n) / training.accumulation();
            }
          }
          double gradNorm = optimizer.step(lr, training.accumulation());
          lap(phase, 4, t);
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
                  elapsedBefore + (System.nanoTime() - start) / 1e9,
                  new StepMetrics.Phases(phase[0], phase[1], phase[2], phase[3], phase[4], 0));
          if (writer) {
            if ((training.checkpointEvery() > 0 && step % training.checkpointEvery() == 0) || step == training.steps()) {
              // the checkpoint carries its step's line, so a kill before the line is written loses nothing
              long c = System.nanoTime();
              checkpoint(elapsedBefore + (System.nanoTime() - start) / 1e9, JSON.writeValueAsString(m));
              m = m.withSeconds(m.seconds().withCheckpoint((System.nanoTime() - c) / 1e9));
            }
            metrics.write(JSON.writeValueAsString(m));
            metrics.newLine();
            metrics.flush();
          }
          progress.accept(m);
        }
      }
      return summarize(loss, elapsedBefore + (System.nanoTime() - start) / 1e9);
    }

    private void checkpoint(double elapsed, String metricsLine) throws IOException {
      Checkpoints.save(dir, new Checkpoints.State(step, packer.state(), cumulativeFlops, elapsed,
          source.vocabulary().identity(), optimizer.steps(), metricsLine), model, optimizer);
    }

    /** Adds the time since {@code since} to phase {@code i}; returns now. */
    private static long lap(double[] phase, int i, long since) {
      long now = System.nanoTime();
      phase[i] += (now - since) / 1e9;
      return now;
    }

    private void restore(Path metricsFile) throws IOException {
      Checkpoints.Resumable resumable = Checkpoints.resumable(dir);
      if (resumable == null) {
        LOG.warn("{} has no checkpoint yet: training it again from step 0", dir);
        if (writer) {
          Files.write(metricsFile, List.of());
        }
        parallel.broadcastParameters();
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
      if (writer) {
        List<String> lines = new ArrayList<>(Files.exists(metricsFile) ? Files.readAllLines(metricsFile) : List.of());
        lines = new ArrayList<>(lines.subList(0, Math.min(step, lines.size())));
        if (lines.size() == step - 1 && state.metricsLine() != null) {
          lines.add(state.metricsLine()); // killed between the checkpoint and its metrics line
        }
        Files.write(metricsFile, lines);
      }
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
      summary.put("ranks", world.size());
      if (writer) {
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("summary.json").toFile(), summary);
        org.moma.runtime.report.RunReport.write(dir);
      }
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
