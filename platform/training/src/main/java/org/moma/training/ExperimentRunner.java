package org.moma.training;

import org.moma.training.internal.DataParallel;
import org.moma.training.internal.LossScale;
import org.moma.training.internal.Sinks;

import org.moma.api.train.Schedule;

import org.moma.api.train.RunStart;

import org.moma.api.train.Optimizer;

import org.moma.api.train.LossTerm;

import org.moma.api.train.LossInputs;

import org.moma.api.spec.PluginRef;

import java.io.PrintWriter;

import org.moma.model.LanguageModelLoss;
import org.moma.runs.Checkpoints;
import org.moma.runs.RunStatus;
import org.moma.runs.RunFolder;
import org.moma.api.train.StepMetrics;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.moma.api.DeviceSpec;
import org.moma.api.SpecException;
import org.moma.api.dist.Collectives;
import org.moma.api.data.DocumentSource;
import org.moma.api.model.Modality;
import org.moma.api.nn.HostReads;
import org.moma.api.nn.Tensors;
import org.moma.experts.ModalityIndex;
import org.moma.api.model.ModelDims;
import org.moma.api.spec.ExperimentSpec;
import org.moma.api.spec.TrainingSpec;
import org.moma.data.packing.Batch;
import org.moma.data.packing.ReadAheadSource;
import org.moma.data.packing.SequencePacker;
import org.moma.model.EarlyFusionModel;
import org.moma.model.ModelAssembler;
import org.moma.model.PrecisionStore;
import org.moma.registry.Plugins;
import org.moma.registry.SpecDataset;
import org.moma.spec.SpecReader;
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
  // reading back metrics lines: one of an older version may carry fields StepMetrics no longer has
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private final Plugins plugins;
  private final Collectives world;
  private final PrintWriter console;
  private StepProfile profile;

  /** A runner in a world of one process, with no metrics sink unless the spec names one (benchmarks, tests). */
  public ExperimentRunner(Plugins plugins) {
    this(plugins, Collectives.SINGLE, null);
  }

  /**
   * A runner that is one rank of a data-parallel job: the spec's batch is the global batch, each
   * rank trains on its share of the rows, gradients are summed over the ranks, and rank 0 alone
   * writes the run folder.
   */
  public ExperimentRunner(Plugins plugins, Collectives world) {
    this(plugins, world, null);
  }

  /**
   * @param console the command's output: a spec that names no metrics sink gets the {@code console}
   *     sink writing there (null: no default sink)
   */
  public ExperimentRunner(Plugins plugins, Collectives world, PrintWriter console) {
    this.plugins = plugins;
    this.world = world;
    this.console = console;
  }

  /** Records libtorch's operators during a window of steps of each run this runner trains ({@code moma bench train --profile}). */
  public ExperimentRunner profiling(StepProfile window) {
    this.profile = window;
    return this;
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
    TrainingParts parts = new TrainingParts(plugins);
    List<LossTerm> lossTerms = parts.lossTerms(spec);
    // documents are read and tokenized on a loader thread while the model computes
    try (NDManager manager = NDManager.newBaseManager(device, engine.getEngineName());
        ReadAheadSource readAhead = new ReadAheadSource(train, READ_AHEAD)) {
      EarlyFusionModel model =
          new ModelAssembler(plugins).build(spec.model(), dims, train.modalities(), parts.layerWeights(spec, lossTerms));
      model.setInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT);
      Shape tokenShape = new Shape(training.batchSize() / world.size(), dims.seqLen());
      model.initialize(manager, DataType.FLOAT32, tokenShape, tokenShape);
      // refuse what cannot fit before the first batch is built or the folder is touched
      long parameters = countParameters(model);
      MemoryEstimate.of(dims, training.withBatchSize(training.batchSize() / world.size()), parameters)
          .requireFits(device, world.localSize());
      // the training parts are resolved before the run folder exists: an unknown name changes no file
      Loop loop = new Loop(spec, model, readAhead, manager, dir, device, world, parts, lossTerms);
      List<Sinks.Named> sinks = world.rank() != 0 ? List.of()
          : parts.sinks(training, console != null ? List.of(PluginRef.of("console")) : List.of(), console);
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
        return loop.run(resume, progress, new Sinks(sinks, console), profile);
      } finally {
        if (created[0] != null) {
          created[0].close();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("run folder " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Documents read ahead of the packer: a batch's worth of the longest documents, a few more of short ones. */
  private static final int READ_AHEAD = 32;

  /** The modalities the trainer reports losses for, and their ids. */
  private static final List<Modality> MODALITIES = List.of(Modality.TEXT, Modality.IMAGE);
  private static final int[] MODALITY_IDS = MODALITIES.stream().mapToInt(Modality::id).toArray();

  /** The training loop of one run, with everything a checkpoint saves and restores. */
  private static final class Loop {
    private final ExperimentSpec spec;
    private final TrainingSpec training;
    private final EarlyFusionModel model;
    private final DocumentSource source;
    private final NDManager manager;
    private final Path dir;
    private final Device device;
    private final Optimizer optimizer;
    private final GradientClipping clipping;
    private final Schedule schedule;
    private final List<LossTerm> lossTerms;
    private final SequencePacker packer;
    private final double flopsPerToken;
    private final Collectives world;
    private final boolean writer;
    private final DataParallel parallel;
    private final LossScale scaler; // fp16 only
    private final boolean counting = HostReads.counting();
    private final int pad;
    private final int share;
    private int step;
    private double cumulativeFlops;
    private double elapsedBefore;
    private double lastLoss = Double.NaN;

    Loop(ExperimentSpec spec, EarlyFusionModel model, DocumentSource source, NDManager manager, Path dir, Device device,
        Collectives world, TrainingParts parts, List<LossTerm> lossTerms) {
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
      optimizer = parts.optimizer(training, parameters);
      clipping = new GradientClipping(parameters, training.gradClip(), joint::contains);
      schedule = parts.schedule(training);
      this.lossTerms = lossTerms;
      parallel = new DataParallel(world, parameters);
      packer = SequencePacker.forTraining(source, model.dims().seqLen(), training);
      flopsPerToken = 3 * model.forwardFlopsPerToken(); // forward + backward ≈ 3× forward
      scaler = training.halfPrecision() ? new LossScale(training.lossScale()) : null;
      pad = source.vocabulary().pad();
      share = training.batchSize() / world.size();
    }

    RunResult run(boolean resume, Consumer<StepMetrics> progress, Sinks sinks, StepProfile profile) throws IOException {
      Path metricsFile = dir.resolve("metrics.jsonl");
      List<StepMetrics> earlier = new ArrayList<>(); // a resume's steps before its checkpoint, for the sinks
      if (resume) {
        for (String line : restore(metricsFile)) {
          earlier.add(JSON.readValue(line, StepMetrics.class));
        }
        if (writer) {
          RunStatus.clearEnd(dir); // the run goes on
        }
      } else {
        parallel.broadcastParameters(); // every rank starts from rank 0's initialization
      }
      PrecisionStore store = PrecisionStore.of(manager, training);
      // fp32 in one process: a step's losses and gradient norm stay on the device and travel with the
      // next read that has to happen anyway (a GPU is never waited for just to log); fp16 must read
      // the norm before its update (an overflowed step is skipped), data parallelism sums on the host
      boolean defer = world.isSingle() && scaler == null;
      long start = System.nanoTime();
      Deque<PendingStep> pending = new ArrayDeque<>();
      Throwable failure = null;
      StepMetrics[] last = new StepMetrics[1];
      sinks.start(new RunStart(spec.name(), dir, device.toString(), training.steps(), step + 1, world.size(), earlier));
      Consumer<StepMetrics> report = m -> {
        last[0] = m;
        progress.accept(m);
        sinks.step(m);
      };
      boolean stopping = false;
      boolean profiling = false;
      StopRequest.trainingStarts();
      try (BufferedWriter metrics = !writer ? null : Files.newBufferedWriter(metricsFile,
          resume ? new StandardOpenOption[] {StandardOpenOption.CREATE, StandardOpenOption.APPEND}
              : new StandardOpenOption[] {StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE})) {
        while (step < training.steps()) {
          if (profile != null && profile.startsAt(step + 1)) {
            profile.start();
            profiling = true;
          }
          long stepStart = System.nanoTime();
          long readsBefore = HostReads.count();
          // reseeded per step: stochastic layers (Gumbel noise) draw the same numbers after a resume
          Engine.getEngine("PyTorch").setRandomSeed((int) (spec.seed() * 1_000_003L + step));
          PendingStep now = new PendingStep(step + 1, schedule.at(step), training.accumulation(), manager.newSubManager());
          pending.add(now);
          double[] phase = new double[6]; // data, forward, backward, allreduce, optimizer, checkpoint
          long t = System.nanoTime();
          NDList sums = new NDList(); // per micro-batch [1 + M] on the device: loss sum, then per modality
          for (int micro = 0; micro < training.accumulation(); micro++) {
            Batch global = packer.next(training.batchSize());
            now.textTokens += global.targetCount(Modality.TEXT.id());
            now.imageTokens += global.targetCount(Modality.IMAGE.id());
            now.targets[micro] = global.validTargets(pad);
            for (int m = 0; m < MODALITIES.size(); m++) {
              now.modalityTargets[micro][m] = global.validTargets(MODALITIES.get(m).id(), pad);
            }
            Batch batch = world.isSingle() ? global : global.rows(world.rank() * share, (world.rank() + 1) * share);
            try (NDManager scope = manager.newSubManager();
                GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
              store.beginStep(scope);
              NDArray[] rows = batch.toArrays(scope);
              NDArray modality = Batch.inputs(rows[1]);
              ModalityIndex.know(modality, MODALITY_IDS, positions(batch)); // from the host's batch: no read
              t = lap(phase, 0, t);
              NDList out = model.forward(store, new NDList(Batch.inputs(rows[0]), modality), true);
              LanguageModelLoss.Result result = LanguageModelLoss.compute(out.get(0), Batch.targets(rows[0]),
                  Batch.targets(rows[1]), pad, spec.model().zLoss(), MODALITIES, now.targets[micro]);
              // auxiliary losses are per rank: their mean over the ranks is what the summed gradients carry
              NDArray auxiliary = world.isSingle() ? out.get(1) : Tensors.times(out.get(1), 1.0 / world.size());
              NDArray objective = result.objective().add(auxiliary);
              for (LossTerm term : lossTerms) {
                NDArray value = term.value(new LossInputs(result.logZ(), result.valid(), now.targets[micro]));
                if (value != null) {
                  objective = objective.add(value);
                }
              }
              if (scaler != null) {
                objective = Tensors.times(objective, scaler.scale()); // fp16: small gradients survive the backward
              }
              t = lap(phase, 1, t);
              collector.backward(objective);
              t = lap(phase, 2, t);
              NDArray kept = result.sums().stopGradient();
              kept.attach(now.kept);
              sums.add(kept);
            }
          }
          parallel.sumGradients();
          t = lap(phase, 3, t);
          double gradScale = training.accumulation() * (scaler == null ? 1 : scaler.scale());
          now.lossScale = scaler == null ? null : scaler.scale();
          NDArray norms = clipping.norms(now.kept, gradScale);
          NDArray values = NDArrays.concat(new NDList(NDArrays.concat(sums).toType(DataType.FLOAT64, false), norms));
          values.attach(now.kept);
          if (defer) {
            optimizer.step(now.learningRate, clipping.rescale(now.kept, norms, gradScale));
            HostReads.defer(values, read -> now.values = read);
          } else {
            now.values = HostReads.read(values);
            if (!world.isSingle()) {
              // the loss sums are this rank's: sum them over the ranks; the norms are of the summed gradients already
              // and whether any rank was asked to stop: every rank stops after the same step
              int n = sums.size() * (1 + MODALITIES.size());
              double[] lossSums = java.util.Arrays.copyOf(now.values, n + 1);
              lossSums[n] = StopRequest.reason() != null ? 1 : 0;
              world.allreduceSum(lossSums);
              System.arraycopy(lossSums, 0, now.values, 0, n);
              now.stopAsked = lossSums[n] > 0;
            }
            double gradNorm = now.values[now.values.length - 2];
            if (scaler != null && !Double.isFinite(gradNorm)) {
              clipping.clear(); // fp16 overflow: no update, the scale backs off, the step keeps its number and batch
              scaler.overflowed();
              now.skipped = true;
            } else {
              requireFinite(gradNorm, now.step);
              optimizer.step(now.learningRate, clipping.rescale(now.kept, norms, gradScale));
              if (scaler != null) {
                scaler.applied();
              }
            }
          }
          lap(phase, 4, t);
          step++;
          if (profiling && profile.endsAt(step)) {
            profile.stop();
            profiling = false;
          }
          long tokens = (long) training.batchSize() * training.accumulation() * model.dims().seqLen();
          cumulativeFlops += flopsPerToken * tokens;
          now.cumulativeFlops = cumulativeFlops;
          now.tokensPerSecond = tokens / ((System.nanoTime() - stepStart) / 1e9);
          now.elapsedSeconds = elapsedBefore + (System.nanoTime() - start) / 1e9;
          now.phases = new StepMetrics.Phases(phase[0], phase[1], phase[2], phase[3], phase[4], 0);
          // a stop asked for (a signal, the console) ends the run after this step, with its checkpoint
          stopping = step < training.steps() && (world.isSingle() ? StopRequest.reason() != null : now.stopAsked);
          now.checkpoint = writer
              && ((training.checkpointEvery() > 0 && step % training.checkpointEvery() == 0) || step == training.steps() || stopping);
          if (now.checkpoint) {
            HostReads.flush(); // a checkpoint's step is not counted: it reads everything
          } else {
            if (pending.size() > 1 && pending.peekFirst().values == null) {
              HostReads.flush(); // the previous step found no read to travel with: both go in this one
            }
            now.hostReads = counting ? HostReads.count() - readsBefore : null;
          }
          while (!pending.isEmpty() && pending.peekFirst().values != null) {
            emit(pending.removeFirst(), metrics, report);
          }
          if (stopping) {
            break;
          }
        }
        HostReads.flush();
        while (!pending.isEmpty()) {
          emit(pending.removeFirst(), metrics, report);
        }
      } catch (IOException | RuntimeException | Error e) {
        failure = e;
        throw e;
      } finally {
        if (profiling) {
          profile.stop(); // a run that ends inside its window leaves what it recorded, and no profiler running
        }
        StopRequest.trainingEnds();
        HostReads.discard();
        pending.forEach(p -> p.kept.close());
        sinks.end(last[0], failure);
        if (failure != null && writer) {
          recordEnd("failed", last[0] == null ? step - 1 : last[0].step(), String.valueOf(failure.getMessage()));
        }
      }
      if (stopping) {
        String why = StopRequest.reason() != null ? StopRequest.reason() : "a stop asked for on another rank";
        if (writer) {
          recordEnd("stopped", step, why);
        }
        // a rank that ended before the writer's checkpoint is complete would have mpirun kill the writer
        world.barrier();
        LOG.info("{} stopped after step {} ({}): checkpoint written", spec.name(), step, why);
        throw new StopRequest.Stopped("stopped after step " + step + " of " + training.steps() + " (" + why + "), its checkpoint"
            + " written: resume with moma run --resume " + dir, step, why);
      }
      return summarize(lastLoss, elapsedBefore + (System.nanoTime() - start) / 1e9);
    }

    /** Leaves the run folder's word on how the run ended, for whoever lists runs; never masks the run's own error. */
    private void recordEnd(String state, int lastStep, String reason) {
      try {
        RunStatus.recordEnd(dir, state, lastStep, reason);
      } catch (IOException e) {
        LOG.warn("{}: cannot record that the run {}: {}", dir, state, e.getMessage());
      }
    }

    /** What a step knows at once; its losses and gradient norm ({@code values}) arrive when read. */
    private static final class PendingStep {
      final int step;
      final double learningRate;
      final NDManager kept; // the step's device values until they are read
      final long[] targets;
      final long[][] modalityTargets;
      long textTokens;
      long imageTokens;
      double cumulativeFlops;
      double tokensPerSecond;
      double elapsedSeconds;
      StepMetrics.Phases phases;
      boolean checkpoint;
      boolean stopAsked; // data parallel: some rank was asked to stop (summed with the losses)
      Long hostReads;
      Double lossScale;
      boolean skipped;
      double[] values;

      PendingStep(int step, double learningRate, int micros, NDManager kept) {
        this.step = step;
        this.learningRate = learningRate;
        this.targets = new long[micros];
        this.modalityTargets = new long[micros][MODALITIES.size()];
        this.kept = kept;
      }
    }

    /** Writes a step's line (after its checkpoint, when it has one) and reports it. */
    private void emit(PendingStep p, BufferedWriter metrics, Consumer<StepMetrics> progress) throws IOException {
      try {
        int width = 1 + MODALITIES.size();
        int micros = training.accumulation();
        double loss = 0;
        double[] modalityLoss = new double[MODALITIES.size()];
        for (int micro = 0; micro < micros; micro++) {
          loss += p.values[micro * width] / Math.max(1, p.targets[micro]) / micros;
          for (int m = 0; m < MODALITIES.size(); m++) {
            long n = p.modalityTargets[micro][m];
            modalityLoss[m] += (n == 0 ? Double.NaN : p.values[micro * width + 1 + m] / n) / micros;
          }
        }
        double gradNorm = p.values[micros * width];
        if (!p.skipped) {
          requireFinite(gradNorm, p.step);
        }
        if (!Double.isFinite(loss)) {
          throw new IllegalStateException("loss is " + loss + " at step " + p.step + " (lower training.learningRate?)"
              + "; the run stopped, its last checkpoint is intact");
        }
        lastLoss = loss;
        StepMetrics m = new StepMetrics(p.step, training.steps(), loss, modalityLoss[0], modalityLoss[1], p.learningRate,
            gradNorm, p.textTokens, p.imageTokens, p.tokensPerSecond, p.cumulativeFlops, p.elapsedSeconds, p.phases,
            p.hostReads, p.lossScale == null ? null : p.skipped, p.lossScale);
        if (writer) {
          if (p.checkpoint) {
            // the checkpoint carries its step's line, so a kill before the line is written loses nothing
            long c = System.nanoTime();
            checkpoint(p.elapsedSeconds, JSON.writeValueAsString(m));
            m = m.withSeconds(m.seconds().withCheckpoint((System.nanoTime() - c) / 1e9));
          }
          metrics.write(JSON.writeValueAsString(m));
          metrics.newLine();
          metrics.flush();
        }
        progress.accept(m);
      } finally {
        p.kept.close();
      }
    }

    private static void requireFinite(double gradNorm, int step) {
      if (!Double.isFinite(gradNorm)) {
        throw new IllegalStateException("non-finite gradient norm at step " + step + "; the run stopped, its last checkpoint is intact");
      }
    }

    /** Each modality's positions in the batch's flattened inputs, known on the host. */
    private static long[][] positions(Batch batch) {
      long[][] positions = new long[MODALITY_IDS.length][];
      for (int m = 0; m < MODALITY_IDS.length; m++) {
        positions[m] = batch.inputPositions(MODALITY_IDS[m]);
      }
      return positions;
    }

    private void checkpoint(double elapsed, String metricsLine) throws IOException {
      Checkpoints.save(dir, new Checkpoints.State(step, packer.state(), cumulativeFlops, elapsed,
          source.vocabulary().identity(), optimizer.steps(), metricsLine, scaler == null ? null : scaler.state(),
          training.optimizer().name()), model, optimizer);
    }

    /** Adds the time since {@code since} to phase {@code i}; returns now. */
    private static long lap(double[] phase, int i, long since) {
      long now = System.nanoTime();
      phase[i] += (now - since) / 1e9;
      return now;
    }

    /**
     * Restores the newest intact checkpoint; returns the metrics lines of the steps up to it, as
     * rank 0 rewrote metrics.jsonl (empty on the other ranks).
     */
    private List<String> restore(Path metricsFile) throws IOException {
      Checkpoints.Resumable resumable = Checkpoints.resumable(dir);
      if (resumable == null) {
        LOG.warn("{} has no checkpoint yet: training it again from step 0", dir);
        if (writer) {
          Files.write(metricsFile, List.of());
        }
        parallel.broadcastParameters();
        return List.of();
      }
      Path checkpoint = resumable.checkpoint();
      Checkpoints.State state = resumable.state();
      if (!state.vocabularyIdentity().equals(source.vocabulary().identity())) {
        throw new SpecException("data", checkpoint + " was trained on vocabulary " + state.vocabularyIdentity()
            + " but the dataset now gives " + source.vocabulary().identity());
      }
      Checkpoints.restore(checkpoint, state, model, optimizer, training.optimizer().name(), manager);
      if (scaler != null && state.lossScale() != null) {
        scaler.restore(state.lossScale());
      }
      packer.restore(state.loader());
      step = state.step();
      cumulativeFlops = state.cumulativeFlops();
      elapsedBefore = state.elapsedSeconds();
      // steps logged after the checkpoint are replayed, so drop them from the metrics (a line cut by a kill too)
      List<String> lines = List.of();
      if (writer) {
        lines = new ArrayList<>(Files.exists(metricsFile) ? Files.readAllLines(metricsFile) : List.of());
        lines = new ArrayList<>(lines.subList(0, Math.min(step, lines.size())));
        if (lines.size() == step - 1 && state.metricsLine() != null) {
          lines.add(state.metricsLine()); // killed between the checkpoint and its metrics line
        }
        Files.write(metricsFile, lines);
      }
      LOG.info("resumed {} at step {} from {}", spec.name(), step, checkpoint);
      return lines;
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
      if (source.badDocuments() > 0) {
        // each was named in the log when the source found it
        summary.put("badDocuments", source.badDocuments());
        LOG.warn("{} bad sample(s) of the data were skipped (named above and in logs/moma.log)", source.badDocuments());
      }
      summary.put("ranks", world.size());
      if (writer) {
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("summary.json").toFile(), summary);
        org.moma.reports.RunReport.write(dir);
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
