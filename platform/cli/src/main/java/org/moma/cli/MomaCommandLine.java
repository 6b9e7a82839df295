package org.moma.cli;

import java.io.PrintWriter;
import org.moma.api.SpecException;
import org.moma.api.dist.Collectives;
import org.moma.registry.Plugins;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.slf4j.MarkerFactory;
import picocli.CommandLine;

/**
 * The {@code moma} command line, as a service of the runtime bundle. Errors are one line on stderr
 * and a non-zero exit code; their stack traces go to the log file.
 */
@Component(service = CommandLineService.class, property = "moma.cli=true")
public final class MomaCommandLine implements CommandLineService {
  private static final Logger LOG = LoggerFactory.getLogger(MomaCommandLine.class);
  /** Marks log events whose message the user has already seen; conf/logback.xml keeps them off the console. */
  static final Marker REPORTED = MarkerFactory.getMarker("REPORTED");
  public static final int USAGE = 2;
  public static final int FAILED = 1;

  private final Plugins plugins;
  private final Collectives world;

  @Activate
  public MomaCommandLine(@Reference Plugins plugins, @Reference ai.djl.engine.Engine engine, @Reference Collectives world) {
    this.plugins = plugins;
    this.world = world;
  }

  @Override
  public boolean requestStop(String signal) {
    return Launch.passStopOn() || org.moma.training.StopRequest.request(signal);
  }

  @Override
  public int execute(String[] args) {
    return execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
  }

  public int execute(String[] args, PrintWriter out, PrintWriter err) {
    // in a data-parallel job rank 0 speaks for all: the others print only what is theirs alone
    boolean speaker = world.rank() == 0;
    PrintWriter console = speaker ? out : new PrintWriter(java.io.Writer.nullWriter());
    CommandLine cli = new CommandLine(new MomaCommand(plugins, world, console));
    cli.setOut(console);
    cli.setErr(speaker ? err : console);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof org.moma.training.StopRequest.Stopped stopped) {
            // not a failure: the run is resumable; the exit code is the signal's, as a shell expects
            err.println((speaker ? "" : "rank " + world.rank() + ": ") + stopped.getMessage());
            err.flush();
            return "SIGINT".equals(stopped.reason()) ? 130 : 143;
          }
          LOG.error(REPORTED, "command failed: {}", String.join(" ", args), e);
          boolean badInput = e instanceof SpecException || e instanceof IllegalArgumentException;
          // every rank meets the same bad input, and a peer's failure was told by that peer
          if (speaker || !(badInput || e instanceof Collectives.PeerFailure)) {
            err.println((speaker ? "" : "rank " + world.rank() + ": ") + "error: " + message(e) + plugins.blame(e));
            err.flush();
          }
          return badInput ? USAGE : FAILED;
        });
    cli.setParameterExceptionHandler(
        (e, parsedArgs) -> {
          err.println("error: " + e.getMessage());
          err.println("Try 'moma " + commandPath(e.getCommandLine()) + "--help' for usage.");
          err.flush();
          return USAGE;
        });
    return cli.execute(args);
  }

  private static String commandPath(CommandLine commandLine) {
    StringBuilder path = new StringBuilder();
    for (CommandLine c = commandLine; c != null && c.getParent() != null; c = c.getParent()) {
      path.insert(0, c.getCommandName() + " ");
    }
    return path.toString();
  }

  static String message(Throwable e) {
    String message = e.getMessage();
    if (message == null || message.isBlank()) {
      message = e.getClass().getSimpleName();
    }
    return message.replaceAll("\\s*\\R\\s*", " ");
  }
}
