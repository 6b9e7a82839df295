package org.moma.layer.dense;

import java.util.List;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.model.FeedForwardBlock;
import org.moma.api.model.LayerContext;
import org.moma.api.model.LayerPlugin;
import org.osgi.service.component.annotations.Component;

/** {@code dense}: one SwiGLU feed-forward applied to every token, whatever its modality. */
@Component(service = LayerPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=dense")
public final class DenseLayerPlugin implements LayerPlugin {
  private static final List<OptionSpec> OPTIONS =
      List.of(OptionSpec.integer("ffnDim", 0, "hidden width of the FFN; 0 = the model's ffnDim"));

  @Override
  public String name() {
    return "dense";
  }

  @Override
  public String description() {
    return "dense SwiGLU feed-forward shared by all modalities (baseline)";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public FeedForwardBlock create(LayerContext context, Options options) {
    int hidden = options.getInt("ffnDim");
    return new DenseFeedForward(context.dims().dModel(), hidden > 0 ? hidden : context.dims().ffnDim());
  }
}
