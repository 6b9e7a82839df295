package org.moma.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moma.itests.MomaProcess.Result;

/** The {@code moma} command of the built distribution, run as a separate process. */
class DistributionIT {
  private static final String TINY_SPEC =
      "{\n"
          + "  \"name\": \"tiny\",\n"
          + "  \"seed\": 1,\n"
          + "  \"device\": \"cpu\",\n"
          + "  \"model\": {\"dModel\": 32, \"layers\": 1, \"heads\": 2, \"ffnDim\": 64, \"seqLen\": 32},\n"
          + "  \"training\": {\"steps\": 12, \"batchSize\": 4, \"learningRate\": 0.01, \"warmupSteps\": 2}\n"
          + "}\n";

  @TempDir Path work;

  @Test
  void listShowsTheInstalledPluginsWithTheirOptions() throws Exception {
    Result r = MomaProcess.run(Distribution.home(), work, "list");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("dense"), r.out());
    assertTrue(r.out().contains("ffnDim:integer=0"), r.out());
    for (String name : List.of("synthetic", "scenes", "shapes", "jsonl", "idx", "shards")) {
      assertTrue(r.out().contains(name), r.out());
    }
  }

  @Test
  void runTrainsAndWritesMetrics() throws Exception {
    Path spec = write("tiny.json", TINY_SPEC);
    Result r = MomaProcess.run(Distribution.home(), work, "run", spec.toString());
    assertEquals(0, r.exit(), r.err());
    Path run = work.resolve("runs/tiny");
    List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
    assertEquals(12, lines.size());
    ObjectMapper json = new ObjectMapper();
    JsonNode first = json.readTree(lines.get(0));
    JsonNode last = json.readTree(lines.get(11));
    assertTrue(last.get("loss").asDouble() < first.get("loss").asDouble(), "loss did not fall: " + lines);
    assertTrue(last.get("cumulativeFlops").asDouble() > first.get("cumulativeFlops").asDouble());
    assertEquals("cpu()", json.readTree(run.resolve("summary.json").toFile()).get("device").asText());
    for (String file : List.of("report.html", "loss.png", "loss_flops.png", "checkpoints/latest")) {
      assertTrue(Files.isRegularFile(run.resolve(file)), "missing " + file);
    }
    assertTrue(Files.readString(run.resolve("report.html")).contains("<img src=\"loss.png\""));
  }

  @Test
  void benchTrainProfilesEachSpecIntoATraceItSummarises() throws Exception {
    Path spec = write("profiled.json", TINY_SPEC.replace("\"tiny\"", "\"profiled\""));
    Result r = MomaProcess.run(Distribution.home(), work, "bench", "train", spec.toString(), spec.toString(), "--steps", "3",
        "--rounds", "1", "--profile", "traces");
    assertEquals(0, r.exit(), r.err());
    for (String file : List.of("profiled.trace.json", "profiled-2.trace.json")) { // the same spec twice: a trace each
      assertTrue(Files.readString(work.resolve("traces").resolve(file)).contains("\"aten::mm\""), file);
    }
    assertTrue(r.out().contains("profile of profiled, steps 3..4") && r.out().contains("operators called (top level)")
        && r.out().contains("aten::mm"), r.out());
    // a trace is never overwritten: refused before anything trains
    Result again = MomaProcess.run(Distribution.home(), work, "bench", "train", spec.toString(), "--profile", "traces");
    assertEquals(2, again.exit(), again.err());
    assertTrue(again.err().contains("profiled.trace.json exists"), again.err());
    assertFalse(again.out().contains("round"), again.out());
  }

  @Test
  void resumeFromAnEarlierCheckpointReproducesTheLossCurve() throws Exception {
    Path spec = write("resume.json", TINY_SPEC.replace("\"tiny\"", "\"again\"")
        .replace("\"warmupSteps\": 2}", "\"warmupSteps\": 2, \"checkpointEvery\": 6}"));
    assertEquals(0, MomaProcess.run(Distribution.home(), work, "run", spec.toString()).exit());
    Path run = work.resolve("runs/again");
    List<String> original = Files.readAllLines(run.resolve("metrics.jsonl"));
    // as if the process had been killed before step 12's checkpoint was renamed into place
    try (var files = Files.walk(run.resolve("checkpoints/step-000012"))) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
    Result r = MomaProcess.run(Distribution.home(), work, "run", "--resume", run.toString());
    assertEquals(0, r.exit(), r.err());
    List<String> resumed = Files.readAllLines(run.resolve("metrics.jsonl"));
    assertEquals(12, resumed.size());
    ObjectMapper json = new ObjectMapper();
    for (int i = 0; i < 12; i++) {
      assertEquals(json.readTree(original.get(i)).get("loss").asDouble(), json.readTree(resumed.get(i)).get("loss").asDouble(), 1e-4,
          "step " + (i + 1));
    }
  }

  @Test
  void aBenchmarksFolderIsCheckedBeforeALongEvaluation() throws Exception {
    String fixtures = Path.of("../eval-plugins/multiple-choice/src/test/resources/benchmarks").toAbsolutePath().normalize().toString();
    Result ok = MomaProcess.run(Distribution.home(), work, "eval", "--check", "--evaluator", "multiple-choice",
        "--options", "{\"path\": \"" + fixtures + "\"}");
    assertEquals(0, ok.exit(), ok.err());
    assertTrue(ok.out().contains("8 of 8 usable") && ok.out().contains("hellaswag") && ok.out().contains("3 items in"), ok.out());
    Path partial = work.resolve("bench");
    Files.createDirectories(partial.resolve("boolq"));
    Files.writeString(partial.resolve("boolq/dev.jsonl"), "{\"question\": \"q\", \"passage\": \"p\", \"answer\": 1}\n");
    Result bad = MomaProcess.run(Distribution.home(), work, "eval", "--check", "--evaluator", "multiple-choice",
        "--options", "{\"path\": \"" + partial + "\"}");
    assertEquals(1, bad.exit(), bad.out() + bad.err());
    assertTrue(bad.out().contains("0 of 8 usable") && bad.out().contains("dev.jsonl:1: 'answer' must be true or false")
        && bad.out().contains("no piqa file"), bad.out());
  }

  @Test
  void modalityAwareExpertsTrainFromASpec() throws Exception {
    Path spec = write("moma.json", TINY_SPEC.replace("\"tiny\"", "\"moma44\"").replace("\"seqLen\": 32}",
        "\"seqLen\": 32, \"ffn\": {\"name\": \"moma\", \"options\": {\"experts\": {\"text\": 2, \"image\": 2},"
            + " \"router\": {\"name\": \"gumbel\"}}}}"));
    Result r = MomaProcess.run(Distribution.home(), work, "run", spec.toString());
    assertEquals(0, r.exit(), r.err());
    List<String> lines = Files.readAllLines(work.resolve("runs/moma44/metrics.jsonl"));
    ObjectMapper json = new ObjectMapper();
    assertTrue(json.readTree(lines.get(11)).get("loss").asDouble() < json.readTree(lines.get(0)).get("loss").asDouble());
  }

  @Test
  void everyComputeMatchedExampleTrainsAndItsLossFalls() throws Exception {
    ObjectMapper json = new ObjectMapper();
    for (String example : List.of("dense-xs", "moe8-xs", "moma-1t1i-xs", "moma-4t4i-xs", "moma-6t2i-xs",
        "mod-moma-1t1i-xs", "mod-moma-4t4i-xs")) {
      Path spec = Distribution.home().resolve("examples/" + example + ".json");
      Result r = MomaProcess.run(Distribution.home(), work, "run", spec.toString(), "--steps", "25", "--device", "cpu");
      assertEquals(0, r.exit(), example + ": " + r.err());
      List<String> lines = Files.readAllLines(work.resolve("runs/" + example + "/metrics.jsonl"));
      assertEquals(25, lines.size(), example);
      double first = json.readTree(lines.get(0)).get("loss").asDouble();
      double last = json.readTree(lines.get(24)).get("loss").asDouble();
      assertTrue(last < first - 1.0, example + ": loss " + first + " -> " + last);
    }
  }

  @Test
  void everyEvaluatorRunsOnATinyTrainedModelAndTheReportComparesRuns() throws Exception {
    Path sparseSpec = write("sparse.json", TINY_SPEC.replace("\"tiny\"", "\"sparse\"").replace("\"seqLen\": 32}",
        "\"seqLen\": 32, \"ffn\": {\"name\": \"moma\", \"options\": {\"experts\": {\"text\": 2, \"image\": 2}}},"
            + " \"depth\": {\"name\": \"mod\"}}"));
    // the dense run names an evaluator in its spec: it runs right after training
    Path denseSpec = write("tiny.json", TINY_SPEC.replace("\"seed\": 1,",
        "\"seed\": 1, \"evaluation\": [{\"name\": \"perplexity\", \"options\": {\"documents\": 8}}],"));
    assertEquals(0, MomaProcess.run(Distribution.home(), work, "run", sparseSpec.toString()).exit());
    Result dense = MomaProcess.run(Distribution.home(), work, "run", denseSpec.toString());
    assertEquals(0, dense.exit(), dense.err());
    assertTrue(dense.out().contains("valid.perplexity"), dense.out());
    assertTrue(new ObjectMapper().readTree(work.resolve("runs/tiny/eval/results.json").toFile()).has("perplexity"));
    String tinyReport = Files.readString(work.resolve("runs/tiny/report.html"));
    assertTrue(tinyReport.contains("<h2>Evaluation</h2>") && tinyReport.contains("valid.perplexity"), "the report shows the spec's evaluations");
    Path run = work.resolve("runs/sparse");
    // the multiple-choice evaluator's own fixture folder, laid out as a user's benchmarks folder
    String benchmarks = Path.of("../eval-plugins/multiple-choice/src/test/resources/benchmarks").toAbsolutePath().normalize().toString();
    String[][] evaluators = {
      {"perplexity", "{\"documents\": 16}"},
      {"conditional", "{\"documents\": 16}"},
      {"vqa", "{\"documents\": 16}"},
      {"routing", "{\"batches\": 2}"},
      {"throughput", "{\"repeats\": 2}"},
      {"speedup", "{\"dense\": \"" + work.resolve("runs/tiny") + "\"}"},
      {"multiple-choice", "{\"task\": \"piqa\", \"path\": \"" + benchmarks + "\"}"},
      {"multiple-choice", "{\"path\": \"" + benchmarks + "\", \"limit\": 2}"}};
    for (String[] e : evaluators) {
      Result r = MomaProcess.run(Distribution.home(), work, "eval", run.toString(), "--evaluator", e[0], "--options", e[1]);
      assertEquals(0, r.exit(), e[0] + ": " + r.err());
    }
    JsonNode results = new ObjectMapper().readTree(run.resolve("eval/results.json").toFile());
    assertTrue(results.get("perplexity").get("valid.perplexity").asDouble() > 1);
    assertTrue(results.get("conditional").get("imageToText.perplexity").asDouble() > 1);
    assertTrue(results.get("conditional").get("textToImage.perplexity.image").asDouble() > 1);
    assertTrue(results.get("vqa").get("answer.perplexity").asDouble() > 1);
    assertEquals(2, results.get("routing").get("layer0.text.load").size());
    assertTrue(results.get("routing").get("layer0.depth.selectionRate").asDouble() > 0.2);
    assertTrue(results.get("throughput").get("inferenceTokensPerSecond").asDouble() > 0);
    assertTrue(results.get("speedup").has("eta"));
    assertEquals(3, results.get("multiple-choice:piqa").get("items").asInt());
    assertEquals(0.5, results.get("multiple-choice:piqa").get("chance").asDouble(), 1e-9);
    assertEquals(2, results.get("multiple-choice").get("arc-easy.items").asInt(), "task all, limit 2 per task");
    assertTrue(results.get("multiple-choice").has("hellaswag.accuracy"));
    assertTrue(Files.isRegularFile(run.resolve("eval/routing/routing.png")));

    Result report = MomaProcess.run(Distribution.home(), work, "report", work.resolve("runs/tiny").toString(), run.toString(),
        "--out", "cmp.html");
    assertEquals(0, report.exit(), report.err());
    String html = Files.readString(work.resolve("cmp.html"));
    assertTrue(html.contains("vs first") && html.contains("perplexity / valid.perplexity") && html.contains("routing-1.png"), html);

    Result missing = MomaProcess.run(Distribution.home(), work, "eval", run.toString(), "--evaluator", "speedup",
        "--options", "{\"dense\": \"nowhere\"}");
    assertEquals(2, missing.exit());
    assertTrue(missing.err().contains("train the dense baseline"), missing.err());
  }

  @Test
  void auxiliaryRoutersLearnTheSelectionsAndMakeEvaluationCausal() throws Exception {
    Path spec = write("aux.json", TINY_SPEC.replace("\"tiny\"", "\"aux\"").replace("\"seqLen\": 32}",
        "\"seqLen\": 32, \"ffn\": {\"name\": \"moma\", \"options\": {\"experts\": {\"text\": 2, \"image\": 2}}}}"));
    assertEquals(0, MomaProcess.run(Distribution.home(), work, "run", spec.toString()).exit());
    Path run = work.resolve("runs/aux");
    Result before = MomaProcess.run(Distribution.home(), work, "eval", run.toString(), "--evaluator", "perplexity",
        "--options", "{\"documents\": 8}");
    assertTrue(before.out().contains("causal                       false"), before.out());
    Result noisyWithoutAux = MomaProcess.run(Distribution.home(), work, "eval", run.toString(), "--evaluator", "perplexity",
        "--options", "{\"documents\": 8, \"routingNoise\": 0.1}");
    // §4.6: without auxiliary routers the noise flips the training router's batch top-k
    assertEquals(0, noisyWithoutAux.exit(), noisyWithoutAux.err());
    assertTrue(noisyWithoutAux.out().contains("routingNoise"), noisyWithoutAux.out());

    Result cannotGenerate = MomaProcess.run(Distribution.home(), work, "generate", run.toString(), "--prompt", "draw a red circle");
    assertEquals(2, cannotGenerate.exit());
    assertTrue(cannotGenerate.err().contains("moma train-aux"), cannotGenerate.err());

    // trained long enough that no score sits at 0.5, where cached and recomputed routing could round apart
    Result aux = MomaProcess.run(Distribution.home(), work, "train-aux", run.toString(), "--steps", "200");
    assertEquals(0, aux.exit(), aux.err());
    JsonNode report = new ObjectMapper().readTree(run.resolve("aux/report.json").toFile());
    assertTrue(report.get("bceLast").asDouble() < report.get("bceFirst").asDouble(), report.toString());
    assertTrue(report.get("layer0.text.accuracy").asDouble() > 0.5, report.toString());

    Result after = MomaProcess.run(Distribution.home(), work, "eval", run.toString(), "--evaluator", "perplexity",
        "--options", "{\"documents\": 8}");
    assertTrue(after.out().contains("causal                       true"), after.out());
    Result noisy = MomaProcess.run(Distribution.home(), work, "eval", run.toString(), "--evaluator", "perplexity",
        "--options", "{\"documents\": 8, \"routingNoise\": 0.5}");
    assertEquals(0, noisy.exit(), noisy.err());
    JsonNode results = new ObjectMapper().readTree(run.resolve("eval/results.json").toFile());
    assertTrue(results.has("perplexity@noise0.5") && results.get("perplexity@noise0.5").get("routingNoise").asDouble() == 0.5);

    Result generated = MomaProcess.run(Distribution.home(), work, "generate", run.toString(), "--prompt", "draw a red circle",
        "--prompt", "here is a picture.", "--max-tokens", "90", "--out", work.resolve("gen").toString());
    assertEquals(0, generated.exit(), generated.err());
    assertTrue(generated.out().contains("[1] draw a red circle") && generated.out().contains("[2] here is a picture."), generated.out());
    assertTrue(generated.out().contains("KV cache"), generated.out());

    // auxiliary routers are plugins: another kind trains over the first, and the routing evaluator measures it
    Result linear = MomaProcess.run(Distribution.home(), work, "train-aux", run.toString(), "--auxiliary", "linear", "--steps", "30");
    assertEquals(0, linear.exit(), linear.err());
    assertTrue(linear.out().contains("auxiliary routers 'linear'"), linear.out());
    assertEquals("linear", new ObjectMapper().readTree(run.resolve("aux/auxiliary.json").toFile()).get("name").asText());
    Result routing = MomaProcess.run(Distribution.home(), work, "eval", run.toString(), "--evaluator", "routing",
        "--options", "{\"batches\": 2}");
    assertEquals(0, routing.exit(), routing.err());
    assertTrue(routing.out().contains("layer0.text.auxiliary.precision") && routing.out().contains("auxiliary.loss.gap"), routing.out());
    Result unknown = MomaProcess.run(Distribution.home(), work, "train-aux", run.toString(), "--auxiliary", "nope");
    assertEquals(2, unknown.exit());
    assertTrue(unknown.err().contains("unknown auxiliary router 'nope'") && unknown.err().contains("mlp"), unknown.err());
    assertEquals(0, MomaProcess.run(Distribution.home(), work, "train-aux", run.toString(), "--steps", "200").exit());

    // greedy generation routes causally, so the KV cache changes nothing: the same tokens and pictures
    Result cached = MomaProcess.run(Distribution.home(), work, "generate", run.toString(), "--prompt", "a red circle",
        "--temperature", "0", "--max-tokens", "60", "--out", work.resolve("g1").toString());
    Result recomputed = MomaProcess.run(Distribution.home(), work, "generate", run.toString(), "--prompt", "a red circle",
        "--temperature", "0", "--max-tokens", "60", "--no-cache", "--out", work.resolve("g2").toString());
    assertEquals(0, cached.exit(), cached.err());
    assertEquals(0, recomputed.exit(), recomputed.err());
    assertTrue(recomputed.out().contains("recomputing the prefix"), recomputed.out());
    assertEquals(cached.out().lines().filter(l -> l.startsWith("[1]")).toList(),
        recomputed.out().lines().filter(l -> l.startsWith("[1]")).toList());
    try (var a = Files.list(work.resolve("g1")); var b = Files.list(work.resolve("g2"))) {
      List<Path> first = a.sorted().toList();
      List<Path> second = b.sorted().toList();
      assertEquals(first.size(), second.size());
      for (int i = 0; i < first.size(); i++) {
        assertEquals(-1L, Files.mismatch(first.get(i), second.get(i)), first.get(i) + " differs from " + second.get(i));
      }
    }
  }

  @Test
  void upcycledRunContinuesTrainingWithTheSeedsFlopsCarriedOver() throws Exception {
    Path seedSpec = write("seed.json", TINY_SPEC.replace("\"tiny\"", "\"seed\"").replace("\"seqLen\": 32}",
        "\"seqLen\": 32, \"ffn\": {\"name\": \"moma\"}}"));
    assertEquals(0, MomaProcess.run(Distribution.home(), work, "run", seedSpec.toString()).exit());
    Path target = write("up.json", TINY_SPEC.replace("\"tiny\"", "\"up\"").replace("\"seqLen\": 32}",
        "\"seqLen\": 32, \"ffn\": {\"name\": \"moma\", \"options\": {\"experts\": {\"text\": 2, \"image\": 2},"
            + " \"router\": {\"name\": \"gumbel\"}}}}"));
    Result up = MomaProcess.run(Distribution.home(), work, "upcycle", work.resolve("runs/seed").toString(), "--to", target.toString());
    assertEquals(0, up.exit(), up.err());
    Result resumed = MomaProcess.run(Distribution.home(), work, "run", "--resume", work.resolve("runs/up").toString());
    assertEquals(0, resumed.exit(), resumed.err());
    ObjectMapper json = new ObjectMapper();
    List<String> seed = Files.readAllLines(work.resolve("runs/seed/metrics.jsonl"));
    List<String> after = Files.readAllLines(work.resolve("runs/up/metrics.jsonl"));
    assertEquals(12, after.size());
    assertTrue(json.readTree(after.get(0)).get("cumulativeFlops").asDouble()
        > json.readTree(seed.get(11)).get("cumulativeFlops").asDouble());
    Result again = MomaProcess.run(Distribution.home(), work, "upcycle", work.resolve("runs/seed").toString(), "--to", target.toString());
    assertEquals(2, again.exit());
    assertTrue(again.err().contains("already holds a run"), again.err());
  }

  @Test
  void flopsPrintsTheBreakdown() throws Exception {
    Path spec = write("tiny.json", TINY_SPEC);
    Result r = MomaProcess.run(Distribution.home(), work, "flops", spec.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("attn proj") && r.out().contains("(dense)") && r.out().contains("training"), r.out());
    Result mod = MomaProcess.run(Distribution.home(), work, "flops", Distribution.home().resolve("examples/mod-moma-4t4i-xs.json").toString());
    assertTrue(mod.out().contains("25%") && mod.out().contains("(moma + mod)"), mod.out());
  }

  @Test
  void tokenizedShardsTrainLikeTheCorpusTheyCameFrom() throws Exception {
    Path spec = write("tiny.json", TINY_SPEC);
    Result t = MomaProcess.run(Distribution.home(), work, "tokenize", spec.toString(), "--documents", "60", "--out", "train.shard");
    assertEquals(0, t.exit(), t.err());
    assertTrue(t.out().contains("wrote 60 documents"), t.out());
    Path shardSpec = write("shard.json", TINY_SPEC.replace("\"tiny\"", "\"sharded\"")
        .replace("\"device\": \"cpu\",", "\"device\": \"cpu\", \"data\": {\"name\": \"shards\", \"options\": {\"train\": \"train.shard\"}},"));
    Result r = MomaProcess.run(Distribution.home(), work, "run", shardSpec.toString());
    assertEquals(0, r.exit(), r.err());
    assertEquals(12, Files.readAllLines(work.resolve("runs/sharded/metrics.jsonl")).size());
  }

  @Test
  void unknownCommandIsAOneLineErrorWithUsageHint() throws Exception {
    Result r = MomaProcess.run(Distribution.home(), work, "frobnicate");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("frobnicate"), r.err());
    assertNoStackTrace(r);
  }

  @Test
  void unknownOptionIsAnError() throws Exception {
    Result r = MomaProcess.run(Distribution.home(), work, "run", "--bogus");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("--bogus"), r.err());
  }

  @Test
  void missingSpecFileIsNamed() throws Exception {
    Result r = MomaProcess.run(Distribution.home(), work, "run", "nope.json");
    assertEquals(2, r.exit());
    assertEquals(List.of("error: nope.json: spec file not found"), r.errLines());
  }

  @Test
  void malformedSpecNamesFileAndLine() throws Exception {
    Path spec = write("bad.json", "{\n  \"name\": \"x\",\n  \"seed\": ,\n}\n");
    Result r = MomaProcess.run(Distribution.home(), work, "run", spec.toString());
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("bad.json:3:"), r.err());
    assertNoStackTrace(r);
  }

  @Test
  void unknownFieldNamesItsPath() throws Exception {
    Path spec = write("field.json", "{\"model\": {\"headz\": 4}}");
    Result r = MomaProcess.run(Distribution.home(), work, "run", spec.toString());
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("model.headz") && r.err().contains("unknown field"), r.err());
  }

  @Test
  void shapesThatDoNotFitNameTheField() throws Exception {
    Path spec = write("heads.json", "{\"model\": {\"dModel\": 30, \"heads\": 4}}");
    Result r = MomaProcess.run(Distribution.home(), work, "run", spec.toString());
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("model.heads"), r.err());
  }

  @Test
  void unknownPluginListsTheInstalledNames() throws Exception {
    Path spec = write("plugin.json", "{\"model\": {\"ffn\": {\"name\": \"nope\"}}, \"training\": {\"steps\": 1}}");
    Result r = MomaProcess.run(Distribution.home(), work, "run", spec.toString());
    assertEquals(2, r.exit());
    assertEquals(
        List.of("error: model.ffn.name: unknown layer 'nope' (installed: dense, moe, moma)"), r.errLines());
  }

  @Test
  void illTypedPluginOptionNamesItsJsonPath() throws Exception {
    Path spec =
        write("option.json", "{\"model\": {\"ffn\": {\"name\": \"dense\", \"options\": {\"ffnDim\": \"wide\"}}}}");
    Result r = MomaProcess.run(Distribution.home(), work, "run", spec.toString());
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("model.ffn.options.ffnDim: expected integer"), r.err());
  }

  @Test
  void aBundleThatFailsToStartIsNamedAndStopsTheLaunch() throws Exception {
    Path home = copyOfDistribution();
    Manifest manifest = new Manifest();
    Attributes main = manifest.getMainAttributes();
    main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
    main.putValue("Bundle-ManifestVersion", "2");
    main.putValue("Bundle-SymbolicName", "org.example.broken");
    main.putValue("Bundle-Activator", "org.example.broken.Missing");
    try (OutputStream out = Files.newOutputStream(home.resolve("bundle/zz-broken.jar"));
        JarOutputStream jar = new JarOutputStream(out, manifest)) {
      jar.flush();
    }
    Result r = MomaProcess.run(home, work, "list");
    assertEquals(1, r.exit());
    List<String> lines = r.errLines();
    assertEquals(1, lines.size(), r.err());
    assertTrue(lines.get(0).startsWith("error: bundle org.example.broken failed to start"), r.err());
  }

  @Test
  void aRouterCopiedIntoTheDistributionsPluginsFolderIsListedAndTrains() throws Exception {
    Path home = copyOfDistribution();
    Files.copy(Distribution.exampleRouter(), home.resolve("plugins/tempered.jar"));
    Result list = MomaProcess.run(home, work, "list");
    assertTrue(list.out().contains("tempered-choice") && list.out().contains("temperature:number=0.5"), list.out());
    Path spec = write("tempered.json", TINY_SPEC.replace("\"tiny\"", "\"tempered\"").replace("\"seqLen\": 32}",
        "\"seqLen\": 32, \"ffn\": {\"name\": \"moe\", \"options\": {\"experts\": 4, \"router\": {\"name\": \"tempered-choice\"}}}}"));
    Result run = MomaProcess.run(home, work, "run", spec.toString());
    assertEquals(0, run.exit(), run.err());

    // a jar that registers nothing (a renamed copy of the example whose package was left out, say) is named
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().putValue("Bundle-ManifestVersion", "2");
    manifest.getMainAttributes().putValue("Bundle-SymbolicName", "zz.empty");
    manifest.getMainAttributes().putValue("Bundle-Version", "1.0.0");
    try (OutputStream out = Files.newOutputStream(home.resolve("plugins/zz-empty-bundle.jar"));
        JarOutputStream jar = new JarOutputStream(out, manifest)) {
      jar.flush();
    }
    Result listed = MomaProcess.run(home, work, "list");
    assertTrue(listed.out().contains("bundle zz.empty") && listed.out().contains("zz-empty-bundle.jar")
        && listed.out().contains("registers no plugin"), listed.out());
    assertTrue(!listed.out().contains("bundle org.example"), "the example router registers one: " + listed.out());
  }

  @Test
  void aPluginThatFailsToActivateIsOneLineOnTheConsoleAndItsTraceIsInTheLogOnce() throws Exception {
    Path home = copyOfDistribution();
    Files.copy(Path.of(System.getProperty("moma.faulty.jar")), home.resolve("plugins/faulty.jar"));
    Result list = MomaProcess.run(home, work, "list");
    assertEquals(0, list.exit(), list.err());
    assertNoStackTrace(list);
    assertFalse(list.err().contains("activate method"), "the component runtime writes to the log, not the console: " + list.err());
    assertEquals(1, list.out().lines().filter(l -> l.contains("'explodes-on-activation'") && l.contains("failed to activate")).count(),
        list.out());
    String log = Files.readString(work.resolve("logs/moma.log")); // MomaProcess keeps the log in the work folder
    assertEquals(1, log.lines().filter(l -> l.contains("The activate method has thrown an exception")).count(), log);
    assertTrue(log.contains("this router refuses to start"), "the log has the exception: " + log);
  }

  @Test
  void pluginDefaultsInConfApplyWithoutARebuildAndBadOnesNameTheFile() throws Exception {
    Path home = copyOfDistribution();
    Path spec = home.resolve("examples/mod-moma-1t1i-xs.json");
    Files.createDirectories(spec.getParent());
    Files.copy(Distribution.home().resolve("examples/mod-moma-1t1i-xs.json"), spec);
    String withoutDepthCapacity = Files.readString(spec).replace("\"capacity\": 0.25, ", "");
    Files.writeString(spec, withoutDepthCapacity);
    assertTrue(MomaProcess.run(home, work, "flops", spec.toString()).out().contains(" 25%"));
    Files.createDirectories(home.resolve("conf/plugins"));
    Files.writeString(home.resolve("conf/plugins/mod.json"), "{\"capacity\": 0.5}");
    Result half = MomaProcess.run(home, work, "flops", spec.toString());
    assertTrue(half.out().contains(" 50%"), half.out());
    Files.writeString(home.resolve("conf/plugins/mod.json"), "{\"capacty\": 0.5}");
    Result bad = MomaProcess.run(home, work, "flops", spec.toString());
    assertEquals(2, bad.exit());
    assertTrue(bad.err().contains("conf/plugins/mod.json.capacty: unknown option"), bad.err());
  }

  private Path copyOfDistribution() throws IOException {
    return Distribution.copy(work.resolve("dist"));
  }

  private Path write(String name, String content) throws IOException {
    return Files.writeString(work.resolve(name), content);
  }

  private static void assertNoStackTrace(Result r) {
    assertFalse(r.err().contains("\tat "), "stack trace on the console: " + r.err());
    assertFalse(r.out().contains("\tat "), "stack trace on the console: " + r.out());
  }
}
