package org.moma.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.moma.reports.ComparisonReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code moma report RUN…}: one HTML page comparing runs. */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = "Build one HTML page comparing runs: loss per modality against FLOPs, throughput, evaluations, routing.")
final class ReportCommand implements Callable<Integer> {
  @ParentCommand MomaCommand parent;

  @Parameters(arity = "1..*", paramLabel = "RUN", description = "run folders written by 'moma run'")
  List<Path> runs;

  @Option(names = "--out", defaultValue = "report.html", description = "HTML file to write (default: ${DEFAULT-VALUE})")
  Path out;

  @Override
  public Integer call() throws IOException {
    try {
      parent.out.println("report: " + ComparisonReport.write(runs, out).toAbsolutePath());
    } catch (IOException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    parent.out.flush();
    return 0;
  }
}
