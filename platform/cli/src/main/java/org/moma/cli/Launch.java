package org.moma.cli;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.moma.api.dist.Collectives;

/**
 * {@code moma run … --ranks N}: the same command as N ranks started by Open MPI's {@code mpirun} on
 * this machine. Across machines a researcher calls the launcher directly ({@code mpirun -np N
 * -hostfile H bin/moma run SPEC}, or {@code srun bin/moma run SPEC} under Slurm).
 */
final class Launch {
  static final String INSTALL = "install Open MPI: apt-get install openmpi-bin libopenmpi-dev";

  private Launch() {}

  private static volatile Process child;

  /**
   * A stop asked of this process while it waits for mpirun: SIGTERM goes to the ranks themselves
   * (they finish the step, checkpoint and end), not to mpirun, which would send it only after a
   * pause and kill them a second later (Open MPI 4's odls_base_sigkill_timeout, twice); this
   * process then ends with mpirun.
   *
   * @return whether an mpirun was running to pass it on
   */
  static boolean passStopOn() {
    Process running = child;
    if (running == null || !running.isAlive()) {
      return false;
    }
    running.descendants().forEach(ProcessHandle::destroy);
    return true;
  }

  static int ranks(int ranks, Collectives world, List<String> args) {
    if (ranks < 1) {
      throw new IllegalArgumentException("--ranks must be at least 1, found " + ranks);
    }
    if (!world.isSingle()) {
      throw new IllegalArgumentException("--ranks starts a job, but this process is already rank " + world.rank() + " of "
          + world.size() + ": drop --ranks");
    }
    String mpirun = onPath("mpirun");
    if (mpirun == null) {
      throw new IllegalArgumentException("--ranks needs Open MPI's mpirun, which is not on the PATH: " + INSTALL);
    }
    List<String> command = new ArrayList<>(List.of(mpirun, "-np", String.valueOf(ranks), "--oversubscribe", "--bind-to", "none",
        MomaCommand.home().toAbsolutePath().resolve("bin/moma").toString()));
    command.addAll(withoutRanks(args));
    ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
    Map<String, String> env = builder.environment();
    // mpirun refuses root unless told; a container's root is the usual case here
    env.putIfAbsent("OMPI_ALLOW_RUN_AS_ROOT", "1");
    env.putIfAbsent("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
    try {
      Process process = builder.start();
      child = process;
      try {
        return process.waitFor();
      } catch (InterruptedException e) {
        process.destroy();
        Thread.currentThread().interrupt();
        return MomaCommandLine.FAILED;
      } finally {
        child = null;
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot start mpirun: " + e.getMessage(), e);
    }
  }

  /** The command line without {@code --ranks N} / {@code --ranks=N}. */
  static List<String> withoutRanks(List<String> args) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).equals("--ranks")) {
        i++;
      } else if (!args.get(i).startsWith("--ranks=")) {
        out.add(args.get(i));
      }
    }
    return out;
  }

  private static String onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      File f = new File(dir, program);
      if (f.canExecute()) {
        return f.getPath();
      }
    }
    return null;
  }
}
