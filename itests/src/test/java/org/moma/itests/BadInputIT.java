package org.moma.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.moma.itests.MomaProcess.Result;

/**
 * A corpus of bad inputs (command lines, specs, data files, run folders and checkpoints) given to
 * {@code bin/moma}: each must end with exit code 2 and one line on stderr that names the problem,
 * and must change no file that was there before.
 */
class BadInputIT {
  static final String SPEC = "{\"name\": \"NAME\", \"seed\": 1, \"device\": \"cpu\","
      + " \"model\": {\"dModel\": 32, \"layers\": 1, \"heads\": 2, \"ffnDim\": 64, \"seqLen\": 32},"
      + " \"training\": {\"steps\": 6, \"batchSize\": 4, \"learningRate\": 0.01, \"warmupSteps\": 2, \"checkpointEvery\": 3}}";

  @TempDir static Path work;
  static Path good;

  /** One bad input: files it needs, the command line ({dir} is its own folder), and what the message must say. */
  record Case(String name, Setup setup, List<String> args, String says) {}

  interface Setup {
    void in(Path dir) throws IOException;
  }

  static Case c(String name, Setup setup, String says, String... args) {
    return new Case(name, setup, List.of(args), says);
  }

  static Setup spec(String json) {
    return dir -> Files.writeString(dir.resolve("spec.json"), json);
  }

  static Setup specWith(String from, String to) {
    String json = SPEC.replace("NAME", "x").replace(from, to);
    if (json.equals(SPEC.replace("NAME", "x"))) {
      throw new IllegalArgumentException("case does not change the spec: " + from);
    }
    return spec(json);
  }

  /** A copy of the trained run in {dir}/run, then {@code damage} applied to it. */
  static Setup run(Setup damage) {
    return dir -> {
      copyTree(good, dir.resolve("run"));
      damage.in(dir.resolve("run"));
    };
  }

  static Setup data(String dataJson, Setup files) {
    return dir -> {
      files.in(dir);
      Files.writeString(dir.resolve("spec.json"), SPEC.replace("NAME", "x")
          .replace("\"training\"", "\"data\": " + dataJson.replace("{dir}", dir.toString()) + ", \"training\""));
    };
  }

  static final Setup NOTHING = dir -> { };

  @BeforeAll
  static void trainOne() throws Exception {
    Files.writeString(work.resolve("good.json"), SPEC.replace("NAME", "good"));
    Result r = MomaProcess.run(Distribution.home(), work, "run", "good.json", "--output", "good");
    assertEquals(0, r.exit(), r.err());
    good = work.resolve("good");
  }

  static List<Case> cases() {
    List<Case> cases = new ArrayList<>();
    // command lines
    cases.add(c("unknown command", NOTHING, "frobnicate", "frobnicate"));
    cases.add(c("unknown option", NOTHING, "--bogus", "run", "--bogus"));
    cases.add(c("two specs", NOTHING, "b.json", "run", "a.json", "b.json"));
    cases.add(c("steps zero", spec(SPEC.replace("NAME", "x")), "--steps must be positive", "run", "{dir}/spec.json", "--steps", "0"));
    cases.add(c("steps not a number", NOTHING, "--steps", "run", "--steps", "many"));
    cases.add(c("unknown device", spec(SPEC.replace("NAME", "x")), "tpu", "run", "{dir}/spec.json", "--device", "tpu"));
    cases.add(c("resume with a spec", NOTHING, "--resume continues a run with its own spec", "run", "--resume", "{dir}", "{dir}/spec.json"));
    cases.add(c("eval without evaluator", NOTHING, "--evaluator", "eval", "{dir}"));
    cases.add(c("eval options not JSON", run(d -> { }), "--options is not valid JSON", "eval", "{dir}/run", "--evaluator", "perplexity", "--options", "{bad"));
    cases.add(c("generate without prompt", NOTHING, "--prompt", "generate", "{dir}"));
    cases.add(c("check without path", NOTHING, "path", "eval", "--check", "--evaluator", "multiple-choice"));
    cases.add(c("unknown evaluator", NOTHING, "unknown evaluator 'nope'", "eval", "--check", "--evaluator", "nope"));
    cases.add(c("unknown bench", NOTHING, "warp", "bench", "warp"));
    // specs
    cases.add(c("missing spec", NOTHING, "nope.json: spec file not found", "run", "{dir}/nope.json"));
    cases.add(c("spec is a folder", NOTHING, "is a folder, not a spec file", "run", "{dir}"));
    cases.add(c("malformed JSON", spec("{\n  \"name\": \"x\",\n  \"seed\": ,\n}"), "spec.json:3", "run", "{dir}/spec.json"));
    cases.add(c("unknown field", specWith("\"seed\": 1,", "\"seed\": 1, \"sede\": 2,"), "unknown field 'sede'", "run", "{dir}/spec.json"));
    cases.add(c("unknown model field", specWith("\"layers\": 1,", "\"layers\": 1, \"depthh\": 2,"), "model", "run", "{dir}/spec.json"));
    cases.add(c("ill-typed field", specWith("\"dModel\": 32", "\"dModel\": \"wide\""), "model.dModel", "run", "{dir}/spec.json"));
    cases.add(c("negative batch", specWith("\"batchSize\": 4", "\"batchSize\": -4"), "batchSize", "run", "{dir}/spec.json"));
    cases.add(c("heads do not divide dModel", specWith("\"heads\": 2", "\"heads\": 3"), "heads", "run", "{dir}/spec.json"));
    cases.add(c("unknown layer", specWith("\"seqLen\": 32}", "\"seqLen\": 32, \"ffn\": {\"name\": \"nope\"}}"),
        "unknown layer 'nope'", "run", "{dir}/spec.json"));
    cases.add(c("ill-typed plugin option", specWith("\"seqLen\": 32}",
        "\"seqLen\": 32, \"ffn\": {\"name\": \"moma\", \"options\": {\"experts\": {\"text\": \"two\", \"image\": 2}}}}"),
        "experts", "run", "{dir}/spec.json"));
    cases.add(c("unknown router", specWith("\"seqLen\": 32}",
        "\"seqLen\": 32, \"ffn\": {\"name\": \"moe\", \"options\": {\"router\": {\"name\": \"psychic\"}}}}"),
        "psychic", "run", "{dir}/spec.json"));
    cases.add(c("modality the data lacks", specWith("\"seqLen\": 32}",
        "\"seqLen\": 32, \"ffn\": {\"name\": \"moma\", \"options\": {\"experts\": {\"text\": 1, \"audio\": 2}}}}"),
        "audio", "run", "{dir}/spec.json"));
    cases.add(c("unknown dataset", specWith("\"training\"", "\"data\": {\"name\": \"imagenet\"}, \"training\""),
        "unknown dataset 'imagenet'", "run", "{dir}/spec.json"));
    cases.add(c("binary spec", dir -> Files.write(dir.resolve("spec.json"), new byte[] {'{', '\n', (byte) 0xC3, (byte) 0x28, 0, 1}),
        "spec.json:2: not UTF-8 text", "run", "{dir}/spec.json"));
    cases.add(c("empty spec", spec(""), "spec.json", "run", "{dir}/spec.json"));
    cases.add(c("spec is an array", spec("[1, 2]"), "spec.json", "run", "{dir}/spec.json"));
    cases.add(c("negative steps", specWith("\"steps\": 6", "\"steps\": -6"), "steps", "run", "{dir}/spec.json"));
    cases.add(c("batch that cannot fit", specWith("\"batchSize\": 4", "\"batchSize\": 2000000"), "memory", "run", "{dir}/spec.json", "--output", "{dir}/huge"));
    // data files
    cases.add(c("JSONL line that does not parse", data("{\"name\": \"jsonl\", \"options\": {\"path\": \"{dir}/docs.jsonl\"}}",
        dir -> Files.writeString(dir.resolve("docs.jsonl"), "{\"segments\": [{\"text\": \"a cat\"}]}\n{\"segments\": [\n")),
        "docs.jsonl:2: not valid JSON", "run", "{dir}/spec.json", "--output", "{dir}/out"));
    cases.add(c("JSONL image missing", data("{\"name\": \"jsonl\", \"options\": {\"path\": \"{dir}/docs.jsonl\"}}",
        dir -> Files.writeString(dir.resolve("docs.jsonl"), "{\"segments\": [{\"text\": \"a cat\"}, {\"image\": \"cat.png\"}]}\n")),
        "image file not found", "run", "{dir}/spec.json", "--output", "{dir}/out"));
    cases.add(c("JSONL image corrupt", data("{\"name\": \"jsonl\", \"options\": {\"path\": \"{dir}/docs.jsonl\"}}", dir -> {
      Files.writeString(dir.resolve("docs.jsonl"), "{\"segments\": [{\"text\": \"a cat\"}, {\"image\": \"cat.png\"}]}\n");
      Files.write(dir.resolve("cat.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
    }), "cat.png", "run", "{dir}/spec.json", "--output", "{dir}/out"));
    cases.add(c("JSONL file missing", data("{\"name\": \"jsonl\", \"options\": {\"path\": \"{dir}/none.jsonl\"}}", NOTHING),
        "none.jsonl: no such file", "run", "{dir}/spec.json", "--output", "{dir}/out"));
    cases.add(c("IDX truncated", data("{\"name\": \"idx\", \"options\": {\"images\": \"{dir}/img.idx\", \"labels\": \"{dir}/lab.idx\"}}",
        dir -> idx(dir, 2051, 3, 5)), "truncated", "run", "{dir}/spec.json", "--output", "{dir}/out"));
    cases.add(c("IDX wrong magic", data("{\"name\": \"idx\", \"options\": {\"images\": \"{dir}/img.idx\", \"labels\": \"{dir}/lab.idx\"}}",
        dir -> idx(dir, 1234, 3, 3)), "not an IDX file", "run", "{dir}/spec.json", "--output", "{dir}/out"));
    cases.add(c("shard truncated", data("{\"name\": \"shards\", \"options\": {\"train\": \"{dir}/train.shard\"}}",
        dir -> Files.write(dir.resolve("train.shard"), new byte[] {'M', 'O', 'M', 'A', 0, 0, 0})),
        "train.shard", "run", "{dir}/spec.json", "--output", "{dir}/out"));
    cases.add(c("tokenize no documents", spec(SPEC.replace("NAME", "x")), "--documents",
        "tokenize", "{dir}/spec.json", "--documents", "0", "--out", "{dir}/t.shard"));
    // run folders and checkpoints
    cases.add(c("run into an existing run", run(d -> { }), "already holds a run", "run", "good.json", "--output", "{dir}/run"));
    cases.add(c("resume a folder that is not a run", dir -> Files.writeString(dir.resolve("notes.txt"), "mine"),
        "is not a run folder", "run", "--resume", "{dir}"));
    cases.add(c("resume a folder that does not exist", NOTHING, "no such run folder", "run", "--resume", "{dir}/gone"));
    cases.add(c("resume, only checkpoint truncated", run(d -> {
      deleteTree(d.resolve("checkpoints/step-000003"));
      truncate(d.resolve("checkpoints/step-000006/model.params"), 1000);
    }), "step-000006", "run", "--resume", "{dir}/run"));
    cases.add(c("resume, both checkpoints damaged", run(d -> {
      Files.writeString(d.resolve("checkpoints/step-000003/state.json"), "{\"step\": ");
      truncate(d.resolve("checkpoints/step-000006/optimizer.bin"), 10);
    }), "damaged", "run", "--resume", "{dir}/run"));
    cases.add(c("resume with its spec deleted", run(d -> Files.delete(d.resolve("spec.json"))), "is not a run folder", "run", "--resume", "{dir}/run"));
    cases.add(c("resume with a spec that no longer parses", run(d -> Files.writeString(d.resolve("spec.json"), "{\"name\": ")),
        "spec.json", "run", "--resume", "{dir}/run"));
    cases.add(c("eval a folder that is not a run", NOTHING, "{dir}", "eval", "{dir}", "--evaluator", "perplexity"));
    cases.add(c("eval with a missing benchmarks folder", run(d -> { }), "nowhere", "eval", "{dir}/run", "--evaluator", "multiple-choice",
        "--options", "{\"task\": \"piqa\", \"path\": \"/nowhere\"}"));
    cases.add(c("upcycle into an existing run", dir -> {
      copyTree(good, dir.resolve("run"));
      Files.writeString(dir.resolve("to.json"), SPEC.replace("NAME", "up").replace("\"training\"",
          "\"output\": \"" + dir.resolve("run") + "\", \"training\"").replace("\"seqLen\": 32}",
          "\"seqLen\": 32, \"ffn\": {\"name\": \"moma\", \"options\": {\"experts\": {\"text\": 2, \"image\": 2}}}}"));
    }, "already holds a run", "upcycle", "{dir}/run", "--to", "{dir}/to.json"));
    return cases;
  }

  @TestFactory
  Stream<DynamicTest> everyBadInputIsOneLineExitTwoAndChangesNothing() {
    List<Case> cases = cases();
    assertTrue(cases.size() >= 40, "the corpus has " + cases.size() + " cases");
    return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
      Path dir = Files.createDirectories(work.resolve("case-" + c.name().replace(' ', '-')));
      c.setup().in(dir);
      Map<String, String> before = snapshot(work);
      String[] args = c.args().stream().map(a -> a.replace("{dir}", dir.toString())).toArray(String[]::new);
      Result r = MomaProcess.run(Distribution.home(), work, args);
      String shown = "moma " + String.join(" ", args) + "\nstdout: " + r.out() + "\nstderr: " + r.err();
      assertEquals(2, r.exit(), shown);
      List<String> lines = r.errLines().stream().filter(l -> !l.startsWith("Try 'moma")).toList();
      assertEquals(1, lines.size(), "one line on stderr: " + shown);
      assertTrue(lines.get(0).startsWith("error: "), shown);
      assertTrue(lines.get(0).contains(c.says().replace("{dir}", dir.toString())), "names '" + c.says() + "': " + shown);
      assertTrue(!r.out().contains("Exception") && !r.err().contains("\tat "), "no stack trace: " + shown);
      assertEquals(before, snapshot(work), "files changed by: " + shown);
    }));
  }

  /** Every file and folder under {@code root} with a digest of its content. */
  static Map<String, String> snapshot(Path root) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.toList()) {
        String rel = root.relativize(p).toString();
        // the command's own output, its log, and run-folder lock markers are not data
        if (rel.equals("stdout.txt") || rel.equals("stderr.txt") || rel.startsWith("logs") || rel.endsWith(".lock")) {
          continue;
        }
        files.put(rel, Files.isDirectory(p) ? "dir" : sha1(Files.readAllBytes(p)));
      }
    }
    return files;
  }

  static String sha1(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An IDX image file of {@code n} 2×2 images, but with {@code bytesOfImages} bytes of pixels, and its labels. */
  static void idx(Path dir, int magic, int n, int bytesOfImages) throws IOException {
    ByteBuffer images = ByteBuffer.allocate(16 + bytesOfImages).putInt(magic).putInt(n).putInt(2).putInt(2);
    Files.write(dir.resolve("img.idx"), images.array());
    ByteBuffer labels = ByteBuffer.allocate(8 + n).putInt(2049).putInt(n);
    Files.write(dir.resolve("lab.idx"), labels.array());
  }

  static void truncate(Path file, int bytes) throws IOException {
    byte[] all = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(all, Math.min(bytes, all.length)));
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : all.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else if (!p.getFileName().toString().equals(".lock")) {
          Files.copy(p, target);
        }
      }
    }
  }

  static void deleteTree(Path dir) {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
