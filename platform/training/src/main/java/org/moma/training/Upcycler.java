package org.moma.training;

import org.moma.api.train.Optimizer;

import org.moma.runs.Checkpoints;
import org.moma.runs.RunFolder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.Pair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.moma.api.SpecException;
import org.moma.api.model.ModelDims;
import org.moma.api.model.RoutedGroup;
import org.moma.experts.ExpertGroup;
import org.moma.experts.StackedExperts;
import org.moma.experts.SwiGlu;
import org.moma.api.spec.ExperimentSpec;
import org.moma.runs.TrainedModel;
import org.moma.model.EarlyFusionModel;
import org.moma.model.ModelAssembler;
import org.moma.model.TransformerLayer;
import org.moma.registry.Plugins;
import org.moma.spec.SpecReader;

/**
 * Modality-untied upcycling (paper §2.5): a run whose expert groups have one expert per modality
 * (moe_1t1i) seeds a run with several experts per modality. Every shared parameter (embedding,
 * attention, norms, head) is copied; each modality's feed-forward is copied into every expert of
 * that modality's group; routers start fresh. The new run starts at step 0 (the learning-rate
 * schedule restarts) but keeps the loader position and the FLOPs already spent, so loss curves
 * of both stages compare on one FLOPs axis. Continue it with {@code moma run --resume NEW}.
 */
public final class Upcycler {
  /** Parameters inside a layer's feed-forward block (DJL prefixes child names with their index). */
  private static final java.util.regex.Pattern FEED_FORWARD = java.util.regex.Pattern.compile("_\\d+ffn_(?!norm)");
  private final Plugins plugins;

  public Upcycler(Plugins plugins) {
    this.plugins = plugins;
  }

  public Path upcycle(Path seedRun, ExperimentSpec target, Path newRun) throws IOException {
    RunFolder.requireNoRun(newRun);
    try (TrainedModel seed = TrainedModel.load(plugins, seedRun, target.device())) {
      NDManager manager = seed.manager();
      ModelDims dims = ModelAssembler.dims(target.model(), seed.train().vocabulary());
      if (!dims.equals(seed.dims())) {
        throw new SpecException("model", "the target's shape " + dims + " differs from the seed's " + seed.dims()
            + ": upcycling changes only the feed-forward experts");
      }
      EarlyFusionModel model = new ModelAssembler(plugins).build(target.model(), dims, seed.train().modalities());
      model.setInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT);
      // the fresh routers' weights come from the target's seed: the same upcycle gives the same run
      ai.djl.engine.Engine.getEngine("PyTorch").setRandomSeed((int) (long) target.seed());
      Shape tokens = new Shape(1, dims.seqLen());
      model.initialize(manager, DataType.FLOAT32, tokens, tokens);
      copyShared(seed.model(), model);
      copyExperts(seed.model(), model);

      Checkpoints.State seedState = Checkpoints.readState(Checkpoints.latest(seedRun));
      List<Parameter> parameters = new ArrayList<>();
      model.getParameters().values().forEach(parameters::add);
      Optimizer fresh = new TrainingParts(plugins).optimizer(target.training(), parameters);
      try (RunFolder held = RunFolder.create(newRun)) {
        ExperimentSpec spec = target.withOutput(newRun.toString());
        Files.writeString(newRun.resolve("spec.json"), SpecReader.toJson(spec));
        Files.writeString(newRun.resolve("metrics.jsonl"), "");
        Files.writeString(newRun.resolve("upcycled-from.txt"), seedRun.toAbsolutePath() + "\n");
        // FLOPs carry over (one compute axis for both stages); wall time does not, so tokens/s is this run's own
        Checkpoints.save(newRun, new Checkpoints.State(0, seedState.loader(), seedState.cumulativeFlops(),
            0, seedState.vocabularyIdentity(), 0, null, null, target.training().optimizer().name()), model, fresh);
      }
      return newRun;
    }
  }

  /** Every parameter outside the feed-forward blocks, by name; shapes must match. */
  private static void copyShared(EarlyFusionModel from, EarlyFusionModel to) {
    Map<String, Parameter> source = new java.util.HashMap<>();
    for (Pair<String, Parameter> p : from.getParameters()) {
      source.put(p.getKey(), p.getValue());
    }
    for (Pair<String, Parameter> p : to.getParameters()) {
      if (FEED_FORWARD.matcher(p.getKey()).find()) {
        continue; // the feed-forward changes shape: handled by copyExperts
      }
      Parameter s = source.get(p.getKey());
      if (s == null || !s.getArray().getShape().equals(p.getValue().getArray().getShape())) {
        throw new SpecException("model", "parameter " + p.getKey() + " has no counterpart of the same shape in the seed run");
      }
      p.getValue().getArray().set(s.getArray().toFloatArray());
    }
  }

  /** Each modality's single feed-forward into every expert of the target's group for that modality. */
  private static void copyExperts(EarlyFusionModel from, EarlyFusionModel to) {
    for (int i = 0; i < to.layers().size(); i++) {
      Map<String, ExpertGroup> seedGroups = expertGroups(from, i);
      Map<String, ExpertGroup> targetGroups = expertGroups(to, i);
      if (seedGroups.isEmpty() || !seedGroups.keySet().equals(targetGroups.keySet())) {
        throw new SpecException("model.ffn", "layer " + i + ": upcycling needs the same expert groups in both runs (seed "
            + seedGroups.keySet() + ", target " + targetGroups.keySet() + "); seed with one expert per modality (moe_1t1i)");
      }
      for (Map.Entry<String, ExpertGroup> e : seedGroups.entrySet()) {
        ExpertGroup seed = e.getValue();
        if (seed.count() != 1 || seed.experts().isEmpty()) {
          throw new SpecException("model.ffn", "layer " + i + " group " + e.getKey() + ": the seed must have exactly one expert per group");
        }
        NDList weights = linearWeights(seed.experts().get(0)); // w1 [h, d], w3 [h, d], w2 [d, h]
        ExpertGroup target = targetGroups.get(e.getKey());
        StackedExperts stacked = target.stacked();
        if (stacked != null) {
          // stacked layout is x·W with W1, W3 [E, d, h] and W2 [E, h, d]: the transposes of Linear's
          for (int w = 0; w < 3; w++) {
            NDArray array = stacked.getParameters().get(w).getValue().getArray();
            float[] one = weights.get(w).transpose().toFloatArray();
            float[] all = new float[one.length * target.count()];
            for (int x = 0; x < target.count(); x++) {
              System.arraycopy(one, 0, all, x * one.length, one.length);
            }
            array.set(all);
          }
        } else {
          for (SwiGlu expert : target.experts()) {
            NDList into = linearWeights(expert);
            for (int w = 0; w < 3; w++) {
              into.get(w).set(weights.get(w).toFloatArray());
            }
          }
        }
      }
    }
  }

  /** The layer's expert groups, which upcycling copies weight by weight: those of the experts library. */
  private static Map<String, ExpertGroup> expertGroups(EarlyFusionModel model, int layer) {
    Map<String, ExpertGroup> groups = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, ? extends RoutedGroup> e : model.layers().get(layer).feedForward().expertGroups().entrySet()) {
      if (!(e.getValue() instanceof ExpertGroup group)) {
        throw new SpecException("model.ffn", "layer " + layer + " group " + e.getKey() + ": upcycling copies the experts of"
            + " the platform's expert groups, and this layer plugin built its own (" + e.getValue().getClass().getName() + ")");
      }
      groups.put(e.getKey(), group);
    }
    return groups;
  }

  private static NDList linearWeights(SwiGlu ffn) {
    NDList weights = new NDList();
    for (Pair<String, Parameter> p : ffn.getParameters()) {
      weights.add(p.getValue().getArray()); // w1, w3, w2 in declaration order
    }
    return weights;
  }
}
