package org.moma.sinks;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.train.MetricsSink;
import org.moma.api.train.MetricsSinkPlugin;
import org.moma.api.train.RunStart;
import org.moma.api.train.SinkContext;
import org.moma.api.train.StepMetrics;
import org.osgi.service.component.annotations.Component;

/**
 * {@code console}: training progress on the command's output, a live progress bar with the loss on
 * a terminal, plain lines (first, every tenth, last step) when the output is a file or a pipe.
 */
@Component(service = MetricsSinkPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=console")
public final class ConsoleSink implements MetricsSinkPlugin {
  private static final List<OptionSpec> OPTIONS =
      List.of(OptionSpec.integer("lines", 10, "steps shown as lines when the output is not a terminal (besides the first and last)"));

  @Override
  public String name() {
    return "console";
  }

  @Override
  public String description() {
    return "progress on the console: a bar on a terminal, else the first, last and every tenth step as a line (default)";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public MetricsSink create(SinkContext context, Options options) {
    return new Progress(context.console(), Math.max(1, options.getInt("lines")));
  }

  static final class Progress implements MetricsSink {
    private final PrintWriter out;
    private final int lines;
    private final boolean terminal = System.console() != null && !"dumb".equals(System.getenv("TERM"));
    private ProgressBar bar;

    Progress(PrintWriter out, int lines) {
      this.out = out;
      this.lines = lines;
    }

    @Override
    public void start(RunStart run) {
      if (terminal) {
        bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(run.steps()).setStyle(ProgressBarStyle.ASCII)
            .setUpdateIntervalMillis(200).showSpeed().build();
        bar.stepTo(run.firstStep() - 1);
      }
    }

    @Override
    public void step(StepMetrics m) {
      if (bar != null) {
        bar.stepTo(m.step());
        bar.setExtraMessage(String.format(Locale.ROOT, "loss %.3f (text %.3f, image %.3f)", m.loss(), m.lossText(), m.lossImage()));
        return;
      }
      int every = Math.max(1, m.steps() / lines);
      if (m.step() % every == 0 || m.step() == 1 || m.step() == m.steps()) {
        out.printf(Locale.ROOT, "  step %4d/%d  loss %.4f (text %.3f, image %.3f)  lr %.2e  %.0f tok/s%s%n",
            m.step(), m.steps(), m.loss(), m.lossText(), m.lossImage(), m.learningRate(), m.tokensPerSecond(),
            Boolean.TRUE.equals(m.skipped()) ? "  (skipped: fp16 overflow)" : "");
        out.flush();
      }
    }

    @Override
    public void end(StepMetrics last, Throwable failure) {
      if (bar != null) {
        bar.close();
      }
    }
  }
}
