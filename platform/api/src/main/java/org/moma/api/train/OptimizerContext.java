package org.moma.api.train;

import ai.djl.nn.Parameter;
import java.util.List;
import org.moma.api.spec.TrainingSpec;

/**
 * What an optimizer is built for.
 *
 * @param parameters the trainable parameters, in the order the checkpoints keep their state
 * @param training the run's training section (its {@code weightDecay}, {@code beta1}, {@code beta2}
 *     are the defaults an optimizer's own options fall back to)
 * @param path JSON path of the optimizer's options in the spec, for error messages
 */
public record OptimizerContext(List<Parameter> parameters, TrainingSpec training, String path) {}
