package org.moma.console.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The runs the console starts: each is its own {@code moma run} process (locks, checkpoints, resume
 * and {@code --ranks} work as on the shell, and a run that crashes never takes the console down).
 * The console runs nothing but {@code moma} itself. A run is stopped with SIGTERM, as a scheduler
 * would: it finishes its step, writes a checkpoint and ends, resumable.
 */
public final class RunProcesses {
  private final List<String> moma;
  private final RunsRoot runs;
  private final Map<String, Process> started = new ConcurrentHashMap<>();
  private final Set<String> reserved = ConcurrentHashMap.newKeySet();

  /** @param moma the command that starts moma ({@code MOMA_HOME/bin/moma}) */
  public RunProcesses(List<String> moma, RunsRoot runs) {
    this.moma = List.copyOf(moma);
    this.runs = runs;
  }

  /**
   * Picks the folder of a new run: {@code name}, else {@code name-2}, {@code name-3} … the first
   * that neither exists nor was just given to another run still starting.
   */
  public synchronized String reserve(String name) {
    for (int i = 1; ; i++) {
      String candidate = i == 1 ? name : name + "-" + i;
      if (!Files.exists(runs.newRun(candidate)) && !reserved.contains(candidate)) {
        reserved.add(candidate);
        return candidate;
      }
    }
  }

  /** Starts {@code moma run SPEC --output RUNS/name}; the spec is kept beside the console's log of the run. */
  public void start(String name, String specJson) throws IOException {
    Path own = runs.own();
    Path spec = own.resolve(name + ".spec.json");
    Files.writeString(spec, specJson, StandardCharsets.UTF_8);
    launch(name, List.of("run", spec.toString(), "--output", runs.newRun(name).toString()));
  }

  /**
   * Starts {@code moma run --resume RUNS/name}. A stopped run's process may still be ending (its
   * checkpoint and end marker are written, the JVM not yet gone): it is given a little time first.
   * Returns false when it is still there after that.
   */
  public boolean resume(String name) throws IOException {
    Process before = started.get(name);
    if (before != null) {
      try {
        if (!before.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
          return false;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    launch(name, List.of("run", "--resume", runs.newRun(name).toString()));
    return true;
  }

  private void launch(String name, List<String> args) throws IOException {
    Path own = runs.own();
    List<String> command = new ArrayList<>(moma);
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(own.toFile()) // its logs/ go beside the console's, not into the run folder
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(own.resolve(name + ".log").toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process process = builder.start();
    started.put(name, process);
    process.onExit().thenRun(() -> reserved.remove(name));
  }

  /** Whether this console started the run and its process has not ended yet. */
  public boolean alive(String name) {
    Process p = started.get(name);
    return p != null && p.isAlive();
  }

  /** Whether the name is taken by a run being started (its folder may not exist yet). */
  public boolean reserved(String name) {
    return reserved.contains(name);
  }

  /** How the console's last process for the run ended: its exit code, or empty while it runs or when none was started. */
  public Optional<Integer> exitCode(String name) {
    Process p = started.get(name);
    return p == null || p.isAlive() ? Optional.empty() : Optional.of(p.exitValue());
  }

  /**
   * Sends SIGTERM to the process training the run: the one this console started, else the one whose
   * pid the run's lock names (a run started from a shell on this machine). Returns whether one was
   * signalled.
   */
  public boolean stop(String name, Path dir) throws IOException {
    Process p = started.get(name);
    if (p != null && p.isAlive()) {
      return p.toHandle().destroy();
    }
    Optional<Long> pid = org.moma.runs.RunFolder.localHolder(dir);
    if (pid.isEmpty()) {
      return false;
    }
    Optional<ProcessHandle> handle = ProcessHandle.of(pid.get());
    return handle.isPresent() && isMoma(handle.get()) && handle.get().destroy();
  }

  /**
   * Sends SIGTERM to every run this console started that still trains and waits (at most {@code
   * patience}) until they have written their checkpoints and ended. Returns how many were stopped.
   */
  public int stopAll(java.time.Duration patience) {
    List<Process> alive = started.values().stream().filter(Process::isAlive).toList();
    alive.forEach(Process::destroy);
    long deadline = System.nanoTime() + patience.toNanos();
    for (Process p : alive) {
      try {
        p.waitFor(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return alive.size();
  }

  /** Only a Java process is signalled: a pid reused by another program is left alone. */
  private static boolean isMoma(ProcessHandle handle) {
    return handle.info().command().map(c -> c.endsWith("java")).orElse(false);
  }
}
