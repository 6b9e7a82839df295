package org.moma.runtime.eval;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.moma.api.DeviceSpec;
import org.moma.api.SpecException;
import org.moma.api.data.DocumentSource;
import org.moma.api.eval.LanguageModel;
import org.moma.api.eval.RoutingStats;
import org.moma.api.model.ModelDims;
import org.moma.api.spec.ExperimentSpec;
import org.moma.runtime.model.EarlyFusionModel;
import org.moma.runtime.model.ModelAssembler;
import org.moma.runtime.model.TransformerLayer;
import org.moma.runtime.registry.Plugins;
import org.moma.runtime.registry.SpecDataset;
import org.moma.runtime.spec.SpecReader;
import org.moma.runtime.train.Checkpoints;

/**
 * A finished (or checkpointed) run loaded for use: its spec, dataset and the model with the
 * parameters of its latest checkpoint, as a {@link LanguageModel}.
 */
public final class TrainedModel implements LanguageModel, AutoCloseable {
  private final Path runDirectory;
  private final ExperimentSpec spec;
  private final SpecDataset dataset;
  private final DocumentSource train;
  private final EarlyFusionModel model;
  private final NDManager manager;
  private final ParameterStore store;
  private AuxiliaryRouters auxiliary;

  private TrainedModel(Path runDirectory, ExperimentSpec spec, SpecDataset dataset,
      DocumentSource train, EarlyFusionModel model, NDManager manager) {
    this.runDirectory = runDirectory;
    this.spec = spec;
    this.dataset = dataset;
    this.train = train;
    this.model = model;
    this.manager = manager;
    this.store = new ParameterStore(manager, false);
  }

  /** Loads the run in {@code runDirectory}; an error says what is missing. */
  public static TrainedModel load(Plugins plugins, Path runDirectory, String device) {
    Path specFile = runDirectory.resolve("spec.json");
    if (!java.nio.file.Files.isRegularFile(specFile)) {
      throw new SpecException("", runDirectory + " is not a run folder (no spec.json); give the folder 'moma run' wrote");
    }
    ExperimentSpec spec = SpecReader.read(specFile);
    Engine engine = Engine.getEngine("PyTorch");
    Device target = DeviceSpec.parse(device != null ? device : spec.device()).resolve(engine);
    SpecDataset dataset = SpecDataset.of(plugins, spec);
    DocumentSource train = dataset.open("train");
    ModelDims dims = ModelAssembler.dims(spec.model(), train.vocabulary());
    EarlyFusionModel model = new ModelAssembler(plugins).build(spec.model(), dims, train.modalities());
    NDManager manager = NDManager.newBaseManager(target, engine.getEngineName());
    try {
      Shape tokens = new Shape(1, dims.seqLen());
      model.initialize(manager, DataType.FLOAT32, tokens, tokens);
      Path checkpoint = Checkpoints.latest(runDirectory);
      Checkpoints.State state = Checkpoints.readState(checkpoint);
      if (!state.vocabularyIdentity().equals(train.vocabulary().identity())) {
        throw new SpecException("data", checkpoint + " was trained on vocabulary " + state.vocabularyIdentity()
            + " but the dataset now gives " + train.vocabulary().identity());
      }
      Checkpoints.loadParameters(checkpoint, model, manager);
      TrainedModel trained = new TrainedModel(runDirectory, spec, dataset, train, model, manager);
      if (java.nio.file.Files.isRegularFile(AuxiliaryRouters.file(runDirectory))) {
        AuxiliaryRouters aux = new AuxiliaryRouters(model);
        aux.load(runDirectory, manager, dims.dModel());
        aux.attach();
        trained.auxiliary = aux;
      }
      return trained;
    } catch (IOException e) {
      manager.close();
      throw new UncheckedIOException(e.getMessage(), e);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  public ExperimentSpec spec() {
    return spec;
  }

  public Path runDirectory() {
    return runDirectory;
  }

  public NDManager manager() {
    return manager;
  }

  public EarlyFusionModel model() {
    return model;
  }

  public DocumentSource train() {
    return train;
  }

  /** Another split of the run's dataset. */
  public DocumentSource split(String name) {
    return name.equals("train") ? train : dataset.open(name);
  }

  @Override
  public ModelDims dims() {
    return model.dims();
  }

  @Override
  public NDArray logits(NDManager scope, NDArray tokens, NDArray modalities) {
    return model.forward(store, new NDList(tokens, modalities), false).get(0);
  }

  /**
   * Causal when no layer routes over the batch: every expert group has one expert or an auxiliary
   * router, and every mixture-of-depths layer has its auxiliary router.
   */
  @Override
  public boolean causal() {
    for (TransformerLayer layer : model.layers()) {
      if (!layer.causalDepth()) {
        return false;
      }
      for (org.moma.api.nn.ExpertGroup group : layer.feedForward().expertGroups().values()) {
        if (!group.causal()) {
          return false;
        }
      }
    }
    return true;
  }

  @Override
  public void setRoutingNoise(double sigma) {
    for (TransformerLayer layer : model.layers()) {
      layer.feedForward().expertGroups().values().forEach(g -> g.setRoutingNoise(sigma));
      layer.setDepthNoise(sigma);
    }
  }

  /** Trains auxiliary routers for this model (main model frozen) and starts using them. */
  public java.util.Map<String, Object> trainAuxiliaryRouters(int steps, int batchSize, double learningRate,
      java.util.function.IntConsumer progress) throws IOException {
    AuxiliaryRouters aux = new AuxiliaryRouters(model);
    if (aux.isEmpty()) {
      throw new SpecException("model.ffn", "this model has no routed expert groups: nothing to train");
    }
    java.util.Map<String, Object> report = aux.train(this, steps, batchSize, learningRate, progress);
    aux.attach();
    auxiliary = aux;
    return report;
  }

  @Override
  public List<RoutingStats> lastRouting() {
    List<RoutingStats> all = new ArrayList<>();
    List<TransformerLayer> layers = model.layers();
    for (int i = 0; i < layers.size(); i++) {
      all.addAll(layers.get(i).lastRouting(i));
    }
    return all;
  }

  @Override
  public void close() {
    manager.close();
  }
}
