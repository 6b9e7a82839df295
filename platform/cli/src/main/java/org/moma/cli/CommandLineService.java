package org.moma.cli;

/**
 * The entry point the launcher calls (by reflection, so that no class crosses from the class path
 * into the framework): runs one {@code moma} command line and returns its exit code.
 */
public interface CommandLineService {
  int execute(String[] args);
}
