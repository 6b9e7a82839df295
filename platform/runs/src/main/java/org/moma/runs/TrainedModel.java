package org.moma.runs;

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
import org.moma.api.spec.PluginRef;
import org.moma.model.AuxiliaryRouters;
import org.moma.model.EarlyFusionModel;
import org.moma.model.ModelAssembler;
import org.moma.model.PrecisionStore;
import org.moma.model.TransformerLayer;
import org.moma.registry.Plugins;
import org.moma.registry.SpecDataset;
import org.moma.spec.SpecReader;
import org.moma.runs.Checkpoints;

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
  private final PrecisionStore store;
  private final Plugins plugins;
  private AuxiliaryRouters auxiliary;

  private TrainedModel(Plugins plugins, Path runDirectory, ExperimentSpec spec, SpecDataset dataset,
      DocumentSource train, EarlyFusionModel model, NDManager manager) {
    this.plugins = plugins;
    this.runDirectory = runDirectory;
    this.spec = spec;
    this.dataset = dataset;
    this.train = train;
    this.model = model;
    this.manager = manager;
    this.store = PrecisionStore.of(manager, spec.training()); // evaluation computes at the run's precision
  }

  /** The registry the model was assembled from. */
  public Plugins plugins() {
    return plugins;
  }

  /** Parameters at the run's compute precision (fp16 copies of the weights for an fp16 run). */
  public PrecisionStore store() {
    return store;
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
      TrainedModel trained = new TrainedModel(plugins, runDirectory, spec, dataset, train, model, manager);
      // routers trained after main training take precedence over those trained with the model
      if (java.nio.file.Files.isRegularFile(AuxiliaryRouters.file(runDirectory))) {
        AuxiliaryRouters aux = AuxiliaryRouters.of(plugins, model, AuxiliaryRouters.savedPlugin(runDirectory),
            AuxiliaryRouters.pluginFile(runDirectory).toString());
        aux.load(runDirectory, manager, dims.dModel());
        trained.auxiliary = aux;
      } else {
        trained.auxiliary = model.jointAuxiliary();
      }
      if (trained.auxiliary != null) {
        trained.auxiliary.attach();
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
      for (org.moma.api.model.RoutedGroup group : layer.feedForward().expertGroups().values()) {
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

  /**
   * Auxiliary routers for this model, built from {@code ref} (null: the spec's {@code
   * model.auxiliary}, else {@code mlp}); refused for a model with nothing to route causally.
   */
  public AuxiliaryRouters newAuxiliaryRouters(PluginRef ref) {
    PluginRef chosen = ref != null ? ref : spec.model().auxiliary() != null ? spec.model().auxiliary() : PluginRef.of("mlp");
    AuxiliaryRouters aux = AuxiliaryRouters.of(plugins, model, chosen, ref != null ? "--auxiliary" : "model.auxiliary");
    if (aux.isEmpty()) {
      throw new SpecException("model.ffn", "this model has no expert groups routed over the batch and no mixture-of-depths layers (hash routing is causal already): nothing to train");
    }
    if (auxiliary != null) {
      auxiliary.detach();
    }
    return aux;
  }

  /** Routes with {@code trained} from now on (freshly trained auxiliary routers). */
  public void useNewAuxiliaryRouters(AuxiliaryRouters trained) {
    trained.attach();
    auxiliary = trained;
  }

  /** The auxiliary routers in use, or null. */
  public AuxiliaryRouters auxiliaryRouters() {
    return auxiliary;
  }

  @Override
  public boolean hasAuxiliaryRouters() {
    return auxiliary != null;
  }

  @Override
  public void useAuxiliaryRouters(boolean on) {
    if (auxiliary != null) {
      if (on) {
        auxiliary.attach();
      } else {
        auxiliary.detach();
      }
    }
  }

  @Override
  public void countAuxiliaryAgreement(NDManager scope, NDArray tokens, NDArray modalities, java.util.Map<String, long[]> counts) {
    if (auxiliary == null) {
      return;
    }
    auxiliary.countAgreement(model, store, tokens, modalities, counts);
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
