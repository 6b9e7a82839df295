package org.moma.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.Consumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.moma.api.train.StepMetrics;

/**
 * Training progress on the console: a live progress bar with loss and ETA on a terminal, plain
 * lines (first, every tenth, last step) when the output is a file or a pipe.
 */
final class ConsoleProgress implements Consumer<StepMetrics>, AutoCloseable {
  private final PrintWriter out;
  private final boolean terminal;
  private ProgressBar bar;

  ConsoleProgress(PrintWriter out) {
    this.out = out;
    this.terminal = System.console() != null && !"dumb".equals(System.getenv("TERM"));
  }

  @Override
  public void accept(StepMetrics m) {
    if (terminal) {
      if (bar == null) {
        bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(m.steps()).setStyle(ProgressBarStyle.ASCII)
            .setUpdateIntervalMillis(200).showSpeed().build();
        bar.stepTo(m.step() - 1);
      }
      bar.stepTo(m.step());
      bar.setExtraMessage(String.format(Locale.ROOT, "loss %.3f (text %.3f, image %.3f)", m.loss(), m.lossText(), m.lossImage()));
      return;
    }
    int every = Math.max(1, m.steps() / 10);
    if (m.step() % every == 0 || m.step() == 1 || m.step() == m.steps()) {
      out.printf(Locale.ROOT, "  step %4d/%d  loss %.4f (text %.3f, image %.3f)  lr %.2e  %.0f tok/s%n",
          m.step(), m.steps(), m.loss(), m.lossText(), m.lossImage(), m.learningRate(), m.tokensPerSecond());
      out.flush();
    }
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }
}
