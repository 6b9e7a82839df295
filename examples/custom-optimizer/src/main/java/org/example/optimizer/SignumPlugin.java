package org.example.optimizer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.List;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.nn.Tensors;
import org.moma.api.train.Optimizer;
import org.moma.api.train.OptimizerContext;
import org.moma.api.train.OptimizerPlugin;
import org.osgi.service.component.annotations.Component;

/**
 * {@code signum}: SignSGD with momentum (Bernstein et al. 2018), {@code m ← β·m + (1−β)·g},
 * {@code w ← w − lr·(sign(m) + λ·w)}, written with plain tensor ops, so it runs on the CPU and on a
 * GPU alike. An example of the optimizer plugin kind: the trainer hands it each parameter's
 * gradient factor (clipping and loss scale folded in) and checkpoints its state.
 */
@Component(service = OptimizerPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=signum")
public final class SignumPlugin implements OptimizerPlugin {
  private static final List<OptionSpec> OPTIONS = List.of(
      OptionSpec.number("momentum", 0.9, "momentum of the gradient whose sign is the step"),
      OptionSpec.number("weightDecay", 0.0, "decoupled weight decay on matrices"));

  @Override
  public String name() {
    return "signum";
  }

  @Override
  public String description() {
    return "SignSGD with momentum (Signum): the step is the sign of the momentum (an example plugin)";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public Optimizer create(OptimizerContext context, Options options) {
    double beta = options.getDouble("momentum");
    if (beta < 0 || beta >= 1) {
      throw new SpecException(options.path() + ".momentum", "must be in [0, 1), found " + beta);
    }
    return new Signum(context.parameters(), beta, options.getDouble("weightDecay"));
  }

  static final class Signum implements Optimizer {
    private final List<Parameter> parameters;
    private final double beta;
    private final double weightDecay;
    private final List<NDArray> momentum = new ArrayList<>();
    private int steps;

    Signum(List<Parameter> parameters, double beta, double weightDecay) {
      this.parameters = List.copyOf(parameters);
      this.beta = beta;
      this.weightDecay = weightDecay;
      for (Parameter p : parameters) {
        momentum.add(p.getArray().zerosLike());
      }
    }

    @Override
    public void step(double learningRate, NDArray rescale) {
      steps++;
      // temporaries in a scope of their own: results of ops on parameters would otherwise live as long as the parameters
      try (NDManager scope = manager().newSubManager()) {
        for (int i = 0; i < parameters.size(); i++) {
          NDArray weight = parameters.get(i).getArray();
          NDArray grad = weight.getGradient();
          grad.attach(scope);
          NDArray factor = rescale.get(i);
          factor.attach(scope);
          NDArray m = momentum.get(i);
          NDArray g = grad.mul(factor);
          g.attach(scope);
          m.muli(Tensors.scalar(m, beta)).addi(g.mul(Tensors.scalar(g, 1 - beta)));
          double decay = weight.getShape().dimension() >= 2 ? learningRate * weightDecay : 0;
          NDArray sign = m.sign();
          sign.attach(scope);
          weight.muli(Tensors.scalar(weight, 1 - decay)).subi(sign.mul(Tensors.scalar(sign, learningRate)));
          grad.muli(0);
        }
      }
    }

    @Override
    public int steps() {
      return steps;
    }

    @Override
    public List<List<NDArray>> state() {
      return List.of(momentum);
    }

    @Override
    public void restore(int savedSteps, List<List<NDArray>> saved) {
      steps = savedSteps;
      List<NDArray> from = saved.get(0);
      if (saved.size() != 1 || from.size() != momentum.size()) {
        throw new IllegalArgumentException("the checkpoint holds another optimizer's state");
      }
      for (int i = 0; i < momentum.size(); i++) {
        momentum.get(i).set(from.get(i).toFloatArray());
      }
    }

    @Override
    public NDManager manager() {
      return parameters.get(0).getArray().getManager();
    }
  }
}
