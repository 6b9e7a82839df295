package org.moma.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import org.moma.api.model.Routing;
import org.moma.api.Options;
import org.moma.api.PluginKind;
import org.moma.api.model.RouterBlock;
import org.moma.api.model.RouterContext;
import org.moma.api.model.RouterInput;
import org.moma.api.model.RouterPlugin;
import org.moma.experts.ExpertGroup;
import org.moma.experts.SwiGlu;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code moma bench experts}: where the time of an expert-choice MoE layer goes, against a dense
 * SwiGLU of the same active FLOPs, on the same tokens, in one process: forward+backward of each,
 * and the forward split into routing, gathering, expert compute and combining.
 */
@Command(name = "experts", mixinStandardHelpOptions = true,
    description = "Profile an expert-choice MoE layer against a dense FFN of equal active FLOPs.")
final class BenchExperts implements Callable<Integer> {
  @ParentCommand BenchCommand bench;

  @Option(names = "--tokens", defaultValue = "1024", description = "tokens routed through the layer (default: ${DEFAULT-VALUE})") int tokens;
  @Option(names = "--dmodel", defaultValue = "64", description = "model width d (default: ${DEFAULT-VALUE})") int dModel;
  @Option(names = "--hidden", defaultValue = "256", description = "FFN width of the dense layer and of each expert (default: ${DEFAULT-VALUE})") int hidden;
  @Option(names = "--experts", defaultValue = "8", description = "number of experts (default: ${DEFAULT-VALUE})") int experts;
  @Option(names = "--repeats", defaultValue = "30", description = "timed repetitions of each variant (default: ${DEFAULT-VALUE})") int repeats;

  @Override
  public Integer call() {
    PrintWriter out = bench.parent.out;
    Engine engine = Engine.getEngine("PyTorch");
    try (NDManager manager = NDManager.newBaseManager(engine.defaultDevice(), engine.getEngineName())) {
      ParameterStore store = new ParameterStore(manager, false);
      NDArray x = manager.randomNormal(new Shape(tokens, dModel));
      SwiGlu dense = new SwiGlu(dModel, hidden);
      dense.initialize(manager, DataType.FLOAT32, x.getShape());
      // the installed expert-choice router, as a spec would get it
      RouterPlugin plugin = bench.parent.plugins.require(PluginKind.ROUTER, RouterPlugin.class, "expert-choice", "router");
      java.util.function.Supplier<RouterBlock> newRouter =
          () -> plugin.create(new RouterContext(dModel, experts, "bench"), Options.defaults(plugin.options()));
      ExpertGroup sequential = new ExpertGroup(dModel, hidden, experts, newRouter.get(), false);
      sequential.initialize(manager, DataType.FLOAT32, x.getShape());
      ExpertGroup batched = new ExpertGroup(dModel, hidden, experts, newRouter.get(), true);
      batched.initialize(manager, DataType.FLOAT32, x.getShape());
      RouterBlock router = newRouter.get();
      router.initialize(manager, DataType.FLOAT32, x.getShape());

      double denseTrain = time(manager, x, in -> dense.apply(store, in, true), true);
      double sequentialTrain = time(manager, x, in -> sequential.apply(store, in, true).get(0), true);
      double batchedTrain = time(manager, x, in -> batched.apply(store, in, true).get(0), true);
      out.printf(Locale.ROOT, "expert-choice MoE layer, %d tokens, d %d, h %d, %d experts (capacity 1/E), median of %d%n",
          tokens, dModel, hidden, experts, repeats);
      out.printf(Locale.ROOT, "  forward+backward  dense %.2f ms   MoE sequential %.2f ms (%+.0f%%)   MoE batched %.2f ms (%+.0f%%)%n",
          denseTrain, sequentialTrain, 100 * (sequentialTrain / denseTrain - 1), batchedTrain, 100 * (batchedTrain / denseTrain - 1));

      // the forward of the sequential MoE, section by section (CPU ops are synchronous)
      double denseForward = time(manager, x, in -> dense.apply(store, in, false), false);
      double routing = time(manager, x, in -> router.route(store, RouterInput.of(in, false)).scores(), false);
      Routing r = router.route(store, RouterInput.of(x, false));
      double gather = time(manager, x, in -> {
        NDList parts = new NDList();
        for (NDArray index : r.tokenIndices()) {
          parts.add(in.get(new NDIndex("{}", index)));
        }
        return NDArrays.concat(parts);
      }, false);
      NDList gathered = new NDList();
      for (NDArray index : r.tokenIndices()) {
        gathered.add(x.get(new NDIndex("{}", index)));
      }
      double compute = time(manager, x, in -> {
        NDList outs = new NDList();
        for (int e = 0; e < experts; e++) {
          NDArray part = gathered.get(e).duplicate();
          part.attach(in.getManager());
          outs.add(sequential.expert(store, e, part, false).mul(r.gates().get(e).expandDims(1)));
        }
        return NDArrays.concat(outs);
      }, false);
      double combine = time(manager, x, in -> {
        NDArray y = null;
        for (int e = 0; e < experts; e++) {
          NDArray buffer = in.getManager().zeros(x.getShape());
          buffer.set(new NDIndex("{}", r.tokenIndices().get(e)), gathered.get(e));
          y = y == null ? buffer : y.add(buffer);
        }
        return y;
      }, false);
      out.printf(Locale.ROOT, "  forward           dense %.2f ms; MoE sections: routing %.2f, gather %.2f, experts %.2f, combine %.2f ms%n",
          denseForward, routing, gather, compute, combine);
      double overhead = routing + gather + combine + (compute - denseForward);
      out.printf(Locale.ROOT, "  forward overhead over dense %.2f ms: routing %.0f%%, gather %.0f%%, combine %.0f%%, smaller expert products %.0f%%%n",
          overhead, 100 * routing / overhead, 100 * gather / overhead, 100 * combine / overhead, 100 * (compute - denseForward) / overhead);
      out.flush();
    }
    return 0;
  }

  /**
   * Median milliseconds of {@code repeats} runs (after warm-up), with a backward pass when asked.
   * Each run gets its own copy of the input in a scope that is closed afterwards, so no run pays
   * for the memory of the previous ones.
   */
  private double time(NDManager manager, NDArray x, UnaryOperator<NDArray> op, boolean backward) {
    double[] ms = new double[repeats];
    for (int i = -3; i < repeats; i++) {
      try (NDManager scope = manager.newSubManager()) {
        NDArray in = x.duplicate();
        in.attach(scope);
        long start = System.nanoTime();
        if (backward) {
          try (GradientCollector c = Engine.getEngine("PyTorch").newGradientCollector()) {
            c.backward(op.apply(in).sum());
          }
        } else {
          op.apply(in).sum().getFloat();
        }
        if (i >= 0) {
          ms[i] = (System.nanoTime() - start) / 1e6;
        }
      }
    }
    Arrays.sort(ms);
    return ms[repeats / 2];
  }
}
