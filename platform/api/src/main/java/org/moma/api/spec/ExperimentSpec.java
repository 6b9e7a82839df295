package org.moma.api.spec;

import java.util.List;
import org.moma.api.DeviceSpec;
import org.moma.api.SpecException;

/**
 * A whole experiment, as read from JSON: the model, the data, how to train, what to evaluate and
 * where results go. Plugins appear only by name plus options.
 */
public record ExperimentSpec(
    String name,
    Long seed,
    String device,
    ModelSpec model,
    PluginRef data,
    TrainingSpec training,
    List<PluginRef> evaluation,
    String output) {

  public ExperimentSpec {
    name = name == null ? "experiment" : name;
    seed = seed == null ? 0L : seed;
    device = device == null ? "auto" : device;
    model = model == null ? ModelSpec.defaults() : model;
    data = data == null ? PluginRef.of("scenes") : data;
    training = training == null ? TrainingSpec.defaults() : training;
    evaluation = evaluation == null ? List.of() : List.copyOf(evaluation);
    output = output == null ? "runs/" + name : output;
  }

  /** Checks everything that does not need a plugin; plugin options are checked by the plugins. */
  public ExperimentSpec validate() {
    if (!name.matches("[A-Za-z0-9._-]+")) {
      throw new SpecException("name", "use letters, digits, '.', '_' or '-' only, found '" + name + "'");
    }
    try {
      DeviceSpec.parse(device);
    } catch (IllegalArgumentException e) {
      throw new SpecException("device", e.getMessage());
    }
    model.validate("model");
    training.validate("training");
    if (data.name() == null || data.name().isBlank()) {
      throw new SpecException("data.name", "missing dataset plugin name");
    }
    for (int i = 0; i < evaluation.size(); i++) {
      if (evaluation.get(i).name() == null) {
        throw new SpecException("evaluation[" + i + "].name", "missing evaluator name");
      }
    }
    return this;
  }

  public ExperimentSpec withDevice(String newDevice) {
    return new ExperimentSpec(name, seed, newDevice, model, data, training, evaluation, output);
  }

  public ExperimentSpec withTraining(TrainingSpec newTraining) {
    return new ExperimentSpec(name, seed, device, model, data, newTraining, evaluation, output);
  }

  public ExperimentSpec withOutput(String newOutput) {
    return new ExperimentSpec(name, seed, device, model, data, training, evaluation, newOutput);
  }
}
