package org.moma.runtime.cli;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The same commands inside the Gogo shell: {@code moma:list}, {@code moma:run spec.json}. */
@Component(
    service = GogoCommands.class,
    property = {"osgi.command.scope=moma", "osgi.command.function=list", "osgi.command.function=run"})
public final class GogoCommands {
  @Reference private CommandLineService cli;

  public void list() {
    cli.execute(new String[] {"list"});
  }

  public void run(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "run";
    System.arraycopy(args, 0, all, 1, args.length);
    cli.execute(all);
  }
}
