package org.moma.api;

import org.moma.api.data.DatasetPlugin;
import org.moma.api.data.TokenizerPlugin;
import org.moma.api.eval.EvaluatorPlugin;
import org.moma.api.model.AuxiliaryRouterPlugin;
import org.moma.api.model.DepthPlugin;
import org.moma.api.model.LayerPlugin;
import org.moma.api.model.RouterPlugin;

/** The kinds of plugin the platform looks up, each with the service interface it registers under. */
public enum PluginKind {
  ROUTER("router", RouterPlugin.class),
  AUXILIARY("auxiliary router", AuxiliaryRouterPlugin.class),
  LAYER("layer", LayerPlugin.class),
  DEPTH("depth", DepthPlugin.class),
  EVALUATOR("evaluator", EvaluatorPlugin.class),
  DATASET("dataset", DatasetPlugin.class),
  TOKENIZER("tokenizer", TokenizerPlugin.class),
  OPTIMIZER("optimizer", org.moma.api.train.OptimizerPlugin.class),
  SCHEDULE("schedule", org.moma.api.train.SchedulePlugin.class),
  SINK("metrics sink", org.moma.api.train.MetricsSinkPlugin.class),
  LOSS("loss term", org.moma.api.train.LossTermPlugin.class);

  private final String label;
  private final Class<? extends MomaPlugin> serviceType;

  PluginKind(String label, Class<? extends MomaPlugin> serviceType) {
    this.label = label;
    this.serviceType = serviceType;
  }

  public String label() {
    return label;
  }

  public Class<? extends MomaPlugin> serviceType() {
    return serviceType;
  }

  /** The label of the kind a plugin instance is ("plugin" if it is none of them). */
  public static String kindOf(MomaPlugin plugin) {
    for (PluginKind kind : values()) {
      if (kind.serviceType.isInstance(plugin)) {
        return kind.label;
      }
    }
    return "plugin";
  }
}
