package org.moma.itests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code bin/moma} of a distribution folder as a user would, capturing what it prints. */
final class MomaProcess {
  record Result(int exit, String out, String err) {
    List<String> errLines() {
      return err.lines().filter(l -> !l.isBlank()).toList();
    }
  }

  private MomaProcess() {}

  static Result run(Path home, Path workDir, String... args) throws IOException, InterruptedException {
    return run(home, workDir, java.util.Map.of(), args);
  }

  /** As {@link #run(Path, Path, String...)}, with extra environment variables. */
  static Result run(Path home, Path workDir, java.util.Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(home.resolve("bin/moma").toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
    String djlCache = System.getProperty("DJL_CACHE_DIR");
    builder.environment().put("MOMA_JAVA_OPTS", "-Dmoma.log.dir=" + workDir.resolve("logs")
        + (djlCache != null ? " -DDJL_CACHE_DIR=" + djlCache : ""));
    builder.environment().putAll(env);
    builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Path out = workDir.resolve("stdout.txt");
    Path err = workDir.resolve("stderr.txt");
    builder.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process process = builder.start();
    if (!process.waitFor(300, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("moma " + String.join(" ", args) + " did not finish in 300 s");
    }
    return new Result(
        process.exitValue(),
        java.nio.file.Files.readString(out, StandardCharsets.UTF_8),
        java.nio.file.Files.readString(err, StandardCharsets.UTF_8));
  }
}
