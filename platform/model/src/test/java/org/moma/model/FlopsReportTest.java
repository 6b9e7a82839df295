package org.moma.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.moma.data.synthetic.SyntheticDatasetPlugin;
import org.moma.layer.dense.DenseLayerPlugin;
import org.moma.layer.moma.MomaLayerPlugin;
import org.moma.router.expertchoice.ExpertChoiceRouterPlugin;
import org.moma.registry.StaticPlugins;
import org.moma.spec.SpecReader;

/** {@code moma flops}: the expert routers have a column of their own, and the layer total is unchanged. */
class FlopsReportTest {
  @Test
  void expertRoutersAreCountedInTheRouterColumnNotTheFfn() {
    var plugins = new StaticPlugins(new DenseLayerPlugin(), new MomaLayerPlugin(), new ExpertChoiceRouterPlugin(),
        new SyntheticDatasetPlugin());
    var spec = SpecReader.parse("{\"name\": \"f\", \"data\": {\"name\": \"synthetic\"}, \"model\": {\"dModel\": 16, \"layers\": 1,"
        + " \"heads\": 2, \"ffnDim\": 32, \"seqLen\": 8, \"ffn\": {\"name\": \"moma\", \"options\": {\"experts\": {\"text\": 4, \"image\": 2}}}}}",
        "f");
    FlopsReport report = FlopsReport.of(plugins, spec);
    double[] layer = report.layers().get(0);
    // a sigmoid router is one d × E product: 2·16·4 for text, 2·16·2 for image, averaged over the two groups
    assertEquals((2.0 * 16 * 4 + 2.0 * 16 * 2) / 2, layer[3], 1e-9);
    // each expert is a SwiGLU of width 32 taking 1/E of its group's tokens: one expert's FLOPs per token
    assertEquals(3 * 2.0 * 16 * 32, layer[2], 1e-9);
  }
}
