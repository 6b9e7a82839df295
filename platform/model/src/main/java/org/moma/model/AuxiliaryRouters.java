package org.moma.model;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moma.api.Options;
import org.moma.api.PluginKind;
import org.moma.api.SpecException;
import org.moma.api.model.AuxiliaryContext;
import org.moma.api.model.AuxiliaryRouterBlock;
import org.moma.api.model.AuxiliaryRouterPlugin;
import org.moma.api.model.RoutedGroup;
import org.moma.api.nn.Tensors;
import org.moma.api.spec.PluginRef;
import org.moma.registry.PluginDefaults;
import org.moma.registry.Plugins;

/**
 * The auxiliary routers of a model (paper §2.4), one per routed expert group ({@code layerN.text})
 * and per mixture-of-depths layer ({@code layerN.depth}), built by an auxiliary-router plugin. They
 * learn, with binary cross-entropy on hidden states that carry no gradient into the model, to
 * predict the batch top-k selections; attached, they route each token causally at evaluation.
 *
 * <p>Trained after main training ({@code moma train-aux}), they live in {@code RUN/aux/} with the
 * plugin they came from; trained jointly, they are a child block of the model and live in its
 * checkpoints.
 */
public final class AuxiliaryRouters extends AbstractBlock {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final PluginRef ref;
  private final boolean joint;
  private final Map<String, RoutedGroup> groups = new LinkedHashMap<>();
  private final Map<String, TransformerLayer> depthLayers = new LinkedHashMap<>();
  private final Map<String, AuxiliaryRouterBlock> routers = new LinkedHashMap<>();
  private boolean recording;

  private AuxiliaryRouters(EarlyFusionModel model, AuxiliaryRouterPlugin plugin, PluginRef ref, Options options) {
    super((byte) 1);
    this.ref = ref;
    this.joint = plugin.trainsJointly();
    int d = model.dims().dModel();
    List<TransformerLayer> layers = model.layers();
    for (int i = 0; i < layers.size(); i++) {
      if (layers.get(i).depth() != null) {
        String name = "layer" + i + ".depth";
        depthLayers.put(name, layers.get(i));
        routers.put(name, addChildBlock(name.replace('.', '_'), plugin.create(new AuxiliaryContext(d, 1, name), options)));
      }
      for (Map.Entry<String, ? extends RoutedGroup> e : layers.get(i).feedForward().expertGroups().entrySet()) {
        if (e.getValue().needsAuxiliary()) { // one expert, or a causal router (hash), needs none
          String name = "layer" + i + "." + e.getKey();
          groups.put(name, e.getValue());
          routers.put(name, addChildBlock(name.replace('.', '_'),
              plugin.create(new AuxiliaryContext(d, e.getValue().count(), name), options)));
        }
      }
    }
    routers.forEach((name, r) -> {
      if (r.outputs() != (name.endsWith(".depth") ? 1 : groups.get(name).count())) {
        throw new IllegalStateException("auxiliary router plugin '" + ref.name() + "' built " + r.outputs()
            + " outputs for " + name);
      }
    });
  }

  /**
   * The routers a plugin reference builds for a model.
   *
   * @param path JSON path of the reference, for errors ({@code model.auxiliary}, {@code --auxiliary})
   */
  public static AuxiliaryRouters of(Plugins plugins, EarlyFusionModel model, PluginRef ref, String path) {
    AuxiliaryRouterPlugin plugin = plugins.require(PluginKind.AUXILIARY, AuxiliaryRouterPlugin.class, ref.name(), path + ".name");
    Options options = PluginDefaults.options(plugin, ref.options(), path + ".options");
    return new AuxiliaryRouters(model, plugin, ref, options);
  }

  /** The parameters of routers trained after main training. */
  public static Path file(Path run) {
    return run.resolve("aux").resolve("routers.params");
  }

  /** Which plugin (and options) built the routers in {@link #file}. */
  public static Path pluginFile(Path run) {
    return run.resolve("aux").resolve("auxiliary.json");
  }

  /** The plugin of the routers saved in a run; {@code mlp} for runs saved before plugins were recorded. */
  public static PluginRef savedPlugin(Path run) throws IOException {
    Path file = pluginFile(run);
    if (!Files.isRegularFile(file)) {
      return PluginRef.of("mlp");
    }
    return JSON.readValue(file.toFile(), PluginRef.class);
  }

  public PluginRef plugin() {
    return ref;
  }

  /** Whether these routers train during main training. */
  public boolean joint() {
    return joint;
  }

  public boolean isEmpty() {
    return routers.isEmpty();
  }

  public Map<String, AuxiliaryRouterBlock> routers() {
    return routers;
  }

  /** Evaluation forwards route causally through these routers. */
  public void attach() {
    routers.forEach((name, router) -> {
      if (depthLayers.containsKey(name)) {
        depthLayers.get(name).useDepthAuxiliary(router);
      } else {
        groups.get(name).useAuxiliary(router);
      }
    });
  }

  /** Evaluation forwards route by batch top-k again. */
  public void detach() {
    groups.values().forEach(g -> g.useAuxiliary(null));
    depthLayers.values().forEach(l -> l.useDepthAuxiliary(null));
  }

  /**
   * While on, forwards keep each group's router input and selections. {@code noiseFree}: the
   * selections of the router without training noise (post-hoc training and measurement), else the
   * training step's own (joint training, which must not change the main model's routing).
   */
  public void record(boolean on, boolean noiseFree) {
    recording = on;
    groups.values().forEach(g -> g.record(on, noiseFree));
    depthLayers.values().forEach(l -> l.recordDepth(on, noiseFree));
  }

  /** Whether forwards record now. */
  public boolean recording() {
    return recording;
  }

  /** The recorded router input and true selections of a router's group or MoD layer. */
  private NDArray[] recorded(String name) {
    if (depthLayers.containsKey(name)) {
      TransformerLayer l = depthLayers.get(name);
      return new NDArray[] {l.recordedDepthInput(), l.recordedDepthTargets()};
    }
    RoutedGroup g = groups.get(name);
    return new NDArray[] {g.recordedInput(), g.recordedTargets()};
  }

  /** Mean binary cross-entropy of every router on the last recorded forward (groups it saw no token of are skipped). */
  public NDArray loss(ParameterStore store, boolean training) {
    NDArray total = null;
    int count = 0;
    for (Map.Entry<String, AuxiliaryRouterBlock> e : routers.entrySet()) {
      NDArray[] data = recorded(e.getKey());
      if (data[0] == null || data[0].getShape().get(0) == 0) {
        continue;
      }
      NDArray bce = binaryCrossEntropy(e.getValue().probabilities(store, data[0], training), data[1]);
      total = total == null ? bce : total.add(bce);
      count++;
    }
    return total == null ? null : Tensors.times(total, 1.0 / count);
  }

  /**
   * Runs {@code tokens} and {@code modalities} ({@code [B, T]}) through the model in training mode,
   * so the groups and MoD layers route by batch top-k without noise and record it, and adds each
   * router's agreement with those selections: {tp, fp, fn, tn} of its decisions, by router name.
   */
  public void countAgreement(EarlyFusionModel model, ParameterStore store, NDArray tokens, NDArray modalities,
      Map<String, long[]> counts) {
    record(true, true);
    try {
      model.forward(store, new NDList(tokens, modalities), true);
      for (Map.Entry<String, AuxiliaryRouterBlock> e : routers.entrySet()) {
        NDArray[] data = recorded(e.getKey());
        if (data[0] == null) {
          continue;
        }
        boolean[] predicted = toBooleans(e.getValue().decisions(store, data[0]));
        boolean[] actual = toBooleans(data[1].gt(0.5f));
        long[] c = counts.computeIfAbsent(e.getKey(), k -> new long[4]);
        for (int i = 0; i < actual.length; i++) {
          c[predicted[i] ? (actual[i] ? 0 : 1) : (actual[i] ? 2 : 3)]++;
        }
      }
    } finally {
      record(false, true);
    }
  }

  private static boolean[] toBooleans(NDArray mask) {
    boolean[] out = new boolean[(int) mask.size()];
    byte[] bytes = mask.toType(DataType.INT8, false).toByteArray();
    for (int i = 0; i < out.length; i++) {
      out[i] = bytes[i] != 0;
    }
    return out;
  }

  static NDArray binaryCrossEntropy(NDArray probabilities, NDArray targets) {
    // in fp32: 1 − 1e-6 rounds to 1 in fp16, and log(0) is −inf
    NDArray p = Tensors.widen(probabilities);
    NDArray target = Tensors.widen(targets);
    NDArray clipped = p.clip(1e-6f, 1 - 1e-6f);
    NDArray one = Tensors.scalar(p, 1);
    return target.mul(clipped.log()).add(one.sub(target).mul(one.sub(clipped).log())).mean().neg();
  }

  /** Reads routers trained after main training from {@code RUN/aux}. */
  public void load(Path run, NDManager manager, int dModel) throws IOException {
    initialize(manager, DataType.FLOAT32, new Shape(1, dModel));
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file(run))))) {
      loadParameters(manager, in);
    } catch (MalformedModelException e) {
      throw new IOException(file(run) + ": auxiliary routers of plugin '" + ref.name() + "' do not fit this model: " + e.getMessage(), e);
    }
  }

  /** Writes the routers and their plugin to {@code RUN/aux}, each file whole or not at all. */
  public void save(Path run) throws IOException {
    Path file = file(run);
    Files.createDirectories(file.getParent());
    Path tmp = Files.createTempFile(file.getParent(), "routers", ".tmp");
    try {
      try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
        saveParameters(out);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(ref));
      Files.move(tmp, pluginFile(run), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  @Override
  protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    throw new UnsupportedOperationException("auxiliary routers are applied by their expert groups and layers");
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return inputShapes;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    for (AuxiliaryRouterBlock r : routers.values()) {
      r.initialize(manager, dataType, new Shape(1, inputShapes[0].get(inputShapes[0].dimension() - 1)));
    }
  }
}
