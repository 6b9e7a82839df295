package org.moma.training;

import org.moma.training.internal.Sinks;

import ai.djl.nn.Parameter;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moma.api.Options;
import org.moma.api.PluginKind;
import org.moma.api.SpecException;
import org.moma.api.spec.ExperimentSpec;
import org.moma.api.spec.PluginRef;
import org.moma.api.spec.TrainingSpec;
import org.moma.api.train.LossTerm;
import org.moma.api.train.LossTermPlugin;
import org.moma.api.train.MetricsSinkPlugin;
import org.moma.api.train.Optimizer;
import org.moma.api.train.OptimizerContext;
import org.moma.api.train.OptimizerPlugin;
import org.moma.api.train.Schedule;
import org.moma.api.train.ScheduleContext;
import org.moma.api.train.SchedulePlugin;
import org.moma.api.train.SinkContext;
import org.moma.registry.PluginDefaults;
import org.moma.registry.Plugins;

/**
 * The training loop's swappable parts, built by name from a spec's {@code training} section: the
 * optimizer, the learning-rate schedule, the metrics sinks and the loss terms (torchtitan's
 * components, as OSGi services). Unknown names get the usual one-line error listing what is installed.
 */
public final class TrainingParts {
  private final Plugins plugins;

  public TrainingParts(Plugins plugins) {
    this.plugins = plugins;
  }

  public Optimizer optimizer(TrainingSpec training, List<Parameter> parameters) {
    PluginRef ref = training.optimizer();
    OptimizerPlugin plugin = plugins.require(PluginKind.OPTIMIZER, OptimizerPlugin.class, ref.name(), "training.optimizer.name");
    Options options = PluginDefaults.options(plugin, ref.options(), "training.optimizer.options");
    return plugin.create(new OptimizerContext(parameters, training, "training.optimizer.options"), options);
  }

  public Schedule schedule(TrainingSpec training) {
    PluginRef ref = training.schedule();
    SchedulePlugin plugin = plugins.require(PluginKind.SCHEDULE, SchedulePlugin.class, ref.name(), "training.schedule.name");
    Options options = PluginDefaults.options(plugin, ref.options(), "training.schedule.options");
    return plugin.create(new ScheduleContext(training.learningRate(), training.warmupSteps(), training.steps(), training.minLrRatio(),
        "training.schedule.options"), options);
  }

  /** The spec's sinks, or {@code fallback} (the command's default) when it names none. */
  public List<Sinks.Named> sinks(TrainingSpec training, List<PluginRef> fallback, PrintWriter console) {
    List<PluginRef> refs = training.sinks() != null ? training.sinks() : fallback;
    List<Sinks.Named> sinks = new ArrayList<>();
    for (int i = 0; i < refs.size(); i++) {
      PluginRef ref = refs.get(i);
      String path = "training.sinks[" + i + "]";
      MetricsSinkPlugin plugin = plugins.require(PluginKind.SINK, MetricsSinkPlugin.class, ref.name(), path + ".name");
      Options options = PluginDefaults.options(plugin, ref.options(), path + ".options");
      sinks.add(new Sinks.Named(ref.name(), plugin.create(new SinkContext(console, path + ".options"), options)));
    }
    return sinks;
  }

  /** The spec's loss terms; {@code model.zLoss} and a {@code z-loss} term both setting the weight is refused. */
  public List<LossTerm> lossTerms(ExperimentSpec spec) {
    List<LossTerm> terms = new ArrayList<>();
    List<PluginRef> refs = spec.training().loss();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < refs.size(); i++) {
      PluginRef ref = refs.get(i);
      String path = "training.loss[" + i + "]";
      LossTermPlugin plugin = plugins.require(PluginKind.LOSS, LossTermPlugin.class, ref.name(), path + ".name");
      if (!seen.add(ref.name())) {
        throw new SpecException(path + ".name", "the loss term '" + ref.name() + "' is listed twice: one weight, one entry");
      }
      if (ref.name().equals("z-loss") && spec.model().zLoss() > 0) {
        throw new SpecException(path + ".name", "model.zLoss sets the z-loss weight already: keep one of the two");
      }
      terms.add(plugin.create(PluginDefaults.options(plugin, ref.options(), path + ".options")));
    }
    return terms;
  }

  /** The weights of terms a layer computes (for the routers' contexts), by term name. */
  public Map<String, Double> layerWeights(ExperimentSpec spec, List<LossTerm> terms) {
    Map<String, Double> weights = new LinkedHashMap<>();
    for (int i = 0; i < terms.size(); i++) {
      double w = terms.get(i).layerWeight();
      if (!Double.isNaN(w)) {
        weights.put(spec.training().loss().get(i).name(), w);
      }
    }
    return weights;
  }
}
