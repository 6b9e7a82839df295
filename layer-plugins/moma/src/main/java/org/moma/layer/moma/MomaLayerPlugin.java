package org.moma.layer.moma;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.model.FeedForwardBlock;
import org.moma.api.model.LayerContext;
import org.moma.api.model.LayerPlugin;
import org.moma.api.model.Modality;
import org.moma.api.model.RouterContext;
import org.moma.api.model.TokenContext;
import org.moma.experts.ExecutionOption;
import org.moma.experts.ExpertGroup;
import org.moma.experts.ModalityIndex;
import org.moma.api.nn.Tensors;
import org.moma.api.spec.PluginRef;
import org.osgi.service.component.annotations.Component;

/**
 * {@code moma}: modality-aware experts (paper §2.2). Tokens are first split by modality, then routed
 * among that modality's own experts; a token never reaches another modality's experts. Any number
 * of modalities and experts per modality: {@code {"experts": {"text": 4, "image": 4}}} is moe_4t4i,
 * {@code {"text": 1, "image": 1}} (no router) is moe_1t1i, {@code {"text": 6, "image": 2}} is uneven.
 */
@Component(service = LayerPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=moma")
public final class MomaLayerPlugin implements LayerPlugin {
  private static final List<OptionSpec> OPTIONS =
      List.of(
          OptionSpec.json("experts", "experts per modality, e.g. {\"text\": 4, \"image\": 4}; default 1 each"),
          ExecutionOption.SPEC,
          OptionSpec.json("router", "router plugin {\"name\": …, \"options\": {…}} for every group; default expert-choice"));

  @Override
  public String name() {
    return "moma";
  }

  @Override
  public String description() {
    return "modality-aware expert groups (moe_1t1i, moe_4t4i, moe_6t2i …), learned routing inside each group";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public FeedForwardBlock create(LayerContext context, Options options) {
    Map<Modality, Integer> counts = counts(context.modalities(), options.getJson("experts"), options.path() + ".experts");
    PluginRef router = PluginRef.fromOption(options.getJson("router"), "expert-choice");
    int d = context.dims().dModel();
    boolean batched = ExecutionOption.batched(options);
    List<Modality> modalities = new ArrayList<>();
    List<ExpertGroup> groups = new ArrayList<>();
    for (Map.Entry<Modality, Integer> e : counts.entrySet()) {
      int n = e.getValue();
      String group = "layer" + context.layerIndex() + "." + e.getKey().name();
      modalities.add(e.getKey());
      groups.add(new ExpertGroup(d, context.dims().ffnDim(), n,
          n > 1 ? context.routers().create(router, new RouterContext(d, n, group), options.path() + ".router") : null,
          batched));
    }
    return new ModalityGroups(modalities, groups);
  }

  static Map<Modality, Integer> counts(List<Modality> modalities, JsonNode node, String path) {
    Map<Modality, Integer> counts = new LinkedHashMap<>();
    modalities.forEach(m -> counts.put(m, 1));
    if (node == null || node.isNull()) {
      return counts;
    }
    if (!node.isObject()) {
      throw new SpecException(path, "expected an object of experts per modality, e.g. {\"text\": 4, \"image\": 4}");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      Modality modality = modalities.stream().filter(m -> m.name().equals(field.getKey())).findFirst()
          .orElseThrow(() -> new SpecException(path + "." + field.getKey(), "the data has no modality '" + field.getKey()
              + "' (modalities: " + modalities.stream().map(Modality::name).toList() + ")"));
      if (!field.getValue().canConvertToInt() || !field.getValue().isIntegralNumber() || field.getValue().intValue() < 1) {
        throw new SpecException(path + "." + field.getKey(), "expected a positive integer, found " + field.getValue());
      }
      counts.put(modality, field.getValue().intValue());
    }
    return counts;
  }

  /** One expert group per modality; outputs written back at the group's token rows. */
  static final class ModalityGroups extends FeedForwardBlock {
    private final List<Modality> modalities;
    private final List<ExpertGroup> groups;

    ModalityGroups(List<Modality> modalities, List<ExpertGroup> groups) {
      super((byte) 1);
      this.modalities = modalities;
      this.groups = groups;
      for (int i = 0; i < groups.size(); i++) {
        addChildBlock(modalities.get(i).name(), groups.get(i));
      }
    }

    List<ExpertGroup> groups() {
      return groups;
    }

    @Override
    public double forwardFlopsPerToken() {
      return groups.stream().mapToDouble(ExpertGroup::flopsPerToken).average().orElse(0);
    }

    @Override
    public Map<String, ExpertGroup> expertGroups() {
      Map<String, ExpertGroup> all = new LinkedHashMap<>();
      for (int g = 0; g < groups.size(); g++) {
        all.put(modalities.get(g).name(), groups.get(g));
      }
      return all;
    }

    @Override
    public List<org.moma.api.eval.RoutingStats> lastRouting(int layer) {
      List<org.moma.api.eval.RoutingStats> all = new ArrayList<>();
      for (int g = 0; g < groups.size(); g++) {
        org.moma.api.eval.RoutingStats stats = groups.get(g).stats(layer, modalities.get(g).name());
        if (stats != null) {
          all.add(stats);
        }
      }
      return all;
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
      NDArray x = inputs.get(0);
      NDArray modality = inputs.get(1);
      TokenContext tokens = TokenContext.fromInputs(inputs);
      NDArray aux = Tensors.scalar(x, 0);
      NDList outputs = new NDList();
      NDList rows = new NDList();
      long covered = 0;
      NDList split = ModalityIndex.split(modality, modalities.stream().mapToInt(Modality::id).toArray());
      for (int g = 0; g < groups.size(); g++) {
        NDArray index = split.get(g);
        covered += index.size();
        if (index.size() == 0) {
          continue;
        }
        NDList out = groups.get(g).apply(store, Tensors.rows(x, index), tokens.rows(index), modalities.get(g), training);
        outputs.add(out.get(0));
        rows.add(index);
        aux = aux.add(out.get(1));
      }
      if (covered != x.getShape().get(0)) {
        throw new IllegalStateException((x.getShape().get(0) - covered) + " tokens have a modality id without an expert group");
      }
      // each token belongs to one group: its group's output goes back to its row
      return new NDList(Tensors.sumRowsInto(Tensors.concat(outputs), Tensors.concat(rows), x.getShape().get(0)), aux);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return new Shape[] {inputShapes[0], new Shape()};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
      for (ExpertGroup group : groups) {
        group.initialize(manager, dataType, inputShapes[0]);
      }
    }
  }
}
