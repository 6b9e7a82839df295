package org.moma.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.moma.registry.Plugins;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The moma commands inside the Gogo shell: the command line ({@code moma:list}, {@code moma:run}),
 * and an interactive workbench to assemble an experiment and run it in the background:
 * {@code moma:load}, {@code moma:show}, {@code moma:set}, {@code moma:save}, {@code moma:start},
 * {@code moma:runs}, {@code moma:watch}, {@code moma:stop}.
 */
@Component(
    service = GogoCommands.class,
    immediate = true, // one workbench for the shell's lifetime, not a new one per command
    property = {"osgi.command.scope=moma", "osgi.command.function=list", "osgi.command.function=run",
      "osgi.command.function=load", "osgi.command.function=show", "osgi.command.function=set",
      "osgi.command.function=save", "osgi.command.function=start", "osgi.command.function=runs",
      "osgi.command.function=watch", "osgi.command.function=stop", "osgi.command.function=exit"})
public final class GogoCommands {
  private final CommandLineService cli;
  private final Workbench workbench;

  private final BundleContext context;

  @Activate
  public GogoCommands(@Reference CommandLineService cli, @Reference Plugins plugins, BundleContext context) {
    this.cli = cli;
    this.workbench = new Workbench(plugins);
    this.context = context;
  }

  public void list() {
    cli.execute(new String[] {"list"});
  }

  public void run(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "run";
    System.arraycopy(args, 0, all, 1, args.length);
    cli.execute(all);
  }

  /** Loads and validates a spec; it becomes the one {@code set} edits and {@code start} runs. */
  public String load(String file) throws IOException {
    return "loaded " + workbench.load(Path.of(file)).name();
  }

  public String show() {
    return workbench.show();
  }

  /** {@code moma:set model.ffn.options.experts.image 2} — refused if the spec would be invalid. */
  public String set(String path, String value) {
    return path + " = " + value + workbench.set(path, value);
  }

  /** {@code exit} with no number: Gogo's own needs an exit code ("Cannot coerce exit() to any of [(int)]"). */
  public void exit() throws BundleException {
    context.getBundle(0).stop(); // stops the framework; the launcher then ends the process
  }

  public String save(String file) throws IOException {
    workbench.save(Path.of(file));
    return "saved " + file;
  }

  /** Starts training the current spec in the background; returns its run number. */
  public String start() {
    return workbench.start().describe();
  }

  public String runs() {
    StringBuilder out = new StringBuilder();
    for (Workbench.Run run : workbench.runs()) {
      out.append(run.describe()).append('\n');
    }
    return out.length() == 0 ? "no runs" : out.toString();
  }

  public String watch(int id) {
    return workbench.run(id).describe();
  }

  public String stop(int id) {
    Workbench.Run run = workbench.run(id);
    run.stopRequested = true;
    return "stopping #" + id + " at the end of its current step";
  }

  /** For tests and scripts: the status word of a run. */
  public String status(int id) {
    return workbench.run(id).status;
  }
}
