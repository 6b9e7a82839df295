package org.moma.sinks;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.train.MetricsSink;
import org.moma.api.train.MetricsSinkPlugin;
import org.moma.api.train.RunStart;
import org.moma.api.train.SinkContext;
import org.moma.api.train.StepMetrics;
import org.osgi.service.component.annotations.Component;

/**
 * {@code csv}: one row per step in a CSV file of the run folder (a spreadsheet or pandas opens it
 * as it is). A resumed run keeps the rows up to the step it resumed from and appends after them,
 * as {@code metrics.jsonl} does, rebuilt from the run's record.
 */
@Component(service = MetricsSinkPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=csv")
public final class CsvSink implements MetricsSinkPlugin {
  public static final String HEADER = "step,loss,lossText,lossImage,learningRate,gradNorm,tokensPerSecond,cumulativeFlops,elapsedSeconds";
  private static final List<OptionSpec> OPTIONS = List.of(OptionSpec.string("file", "metrics.csv", "file name inside the run folder"));

  @Override
  public String name() {
    return "csv";
  }

  @Override
  public String description() {
    return "one row per step (loss per modality, learning rate, gradient norm, tokens/s, FLOPs) in a CSV file of the run folder";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public MetricsSink create(SinkContext context, Options options) {
    String file = options.getString("file");
    if (file.isBlank() || file.contains("/") || file.contains("\\") || file.startsWith(".")) {
      throw new SpecException(options.path() + ".file", "must be a plain file name inside the run folder, found '" + file + "'");
    }
    return new Rows(file);
  }

  static final class Rows implements MetricsSink {
    private final String file;
    private BufferedWriter out;

    Rows(String file) {
      this.file = file;
    }

    @Override
    public void start(RunStart run) throws IOException {
      // a resumed run rewrites the rows before its first step from the run's own record: the file's
      // rows may stop short of the checkpoint (a kill between it and the row) or run past it
      Path path = run.folder().resolve(file);
      Files.write(path, List.of(HEADER), StandardCharsets.UTF_8);
      out = Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
      for (StepMetrics m : run.earlier()) {
        step(m);
      }
    }

    @Override
    public void step(StepMetrics m) throws IOException {
      out.write(String.format(Locale.ROOT, "%d,%s,%s,%s,%s,%s,%s,%s,%s", m.step(), num(m.loss()), num(m.lossText()),
          num(m.lossImage()), num(m.learningRate()), num(m.gradNorm()), num(m.tokensPerSecond()), num(m.cumulativeFlops()),
          num(m.elapsedSeconds())));
      out.newLine();
      out.flush();
    }

    private static String num(double v) {
      return Double.isFinite(v) ? Double.toString(v) : "";
    }

    @Override
    public void end(StepMetrics last, Throwable failure) throws IOException {
      if (out != null) {
        out.close();
      }
    }
  }
}
