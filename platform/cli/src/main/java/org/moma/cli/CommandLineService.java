package org.moma.cli;

/**
 * The entry point the launcher calls (by reflection, so that no class crosses from the class path
 * into the framework): runs one {@code moma} command line and returns its exit code.
 */
public interface CommandLineService {
  int execute(String[] args);

  /**
   * A signal's request to stop (SIGTERM, Ctrl-C): a training run finishes its step, writes a
   * checkpoint and ends. Returns whether a run is training and will do so; when none is, the
   * launcher ends the process as the signal would.
   */
  boolean requestStop(String signal);
}
