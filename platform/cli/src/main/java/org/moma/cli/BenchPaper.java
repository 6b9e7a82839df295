package org.moma.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.moma.api.dist.Collectives;
import org.moma.api.spec.ExperimentSpec;
import org.moma.evaluation.EvalRunner;
import org.moma.runs.TrainedModel;
import org.moma.reports.ComparisonReport;
import org.moma.reports.SeedStatistics;
import org.moma.spec.SpecReader;
import org.moma.training.ExperimentRunner;
import org.moma.training.RunResult;
import org.moma.training.Upcycler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code moma bench paper}: the paper's comparisons at two tiny compute-matched sizes, each
 * configuration trained with several seeds (paired: a seed fixes the data order and the
 * initialisation for every configuration), written to one Markdown file with 95% intervals across
 * seeds. Every number in it comes from the run that wrote it. Under {@code mpirun -np N}, each
 * rank trains and evaluates whole runs in a world of its own and rank 0 gathers the results.
 */
@Command(name = "paper", mixinStandardHelpOptions = true,
    description = "Reproduce the paper's comparisons at small scale, several seeds each; writes docs/RESULTS.md.")
final class BenchPaper implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** name, ffn JSON, depth JSON (or null). */
  private static final String[][] CONFIGS = {
    {"dense", "{\"name\": \"dense\"}", null},
    {"moe_8x", "{\"name\": \"moe\", \"options\": {\"experts\": 8}}", null},
    {"moe_1t1i", "{\"name\": \"moma\", \"options\": {\"experts\": {\"text\": 1, \"image\": 1}}}", null},
    {"moe_4t4i", "{\"name\": \"moma\", \"options\": {\"experts\": {\"text\": 4, \"image\": 4}}}", null},
    {"moe_6t2i", "{\"name\": \"moma\", \"options\": {\"experts\": {\"text\": 6, \"image\": 2}}}", null},
    {"moe_7t1i", "{\"name\": \"moma\", \"options\": {\"experts\": {\"text\": 7, \"image\": 1}}}", null},
    {"mod_moe_1t1i", "{\"name\": \"moma\", \"options\": {\"experts\": {\"text\": 1, \"image\": 1}}}", "{\"name\": \"mod\"}"},
    {"mod_moe_4t4i", "{\"name\": \"moma\", \"options\": {\"experts\": {\"text\": 4, \"image\": 4}}}", "{\"name\": \"mod\"}"},
  };
  /** Upcycled runs (paper §4.4): the name, its seed configuration, its target configuration with Gumbel routers. */
  private static final String[][] UPCYCLED = {
    {"moe_4t4i_upcycled", "moe_1t1i", "{\"name\": \"moma\", \"options\": {\"experts\": {\"text\": 4, \"image\": 4},"
        + " \"router\": {\"name\": \"gumbel\"}}}", null},
    {"mod_moe_4t4i_upcycled", "mod_moe_1t1i", "{\"name\": \"moma\", \"options\": {\"experts\": {\"text\": 4, \"image\": 4},"
        + " \"router\": {\"name\": \"gumbel\"}}}", "{\"name\": \"mod\"}"},
  };
  /**
   * size name, dModel, layers (dense), ffn, heads. MoD variants get {@code 2·layers − 1} layers with
   * every other one wrapped at c_d 0.25: 4 dense layers against 7 MoD layers match FLOPs exactly.
   */
  private static final Object[][] SIZES = {{"xs", 64, 4, 256, 4}, {"s", 96, 4, 384, 4}};
  /** The seed phase of an upcycled run, as a share of its steps (the paper's is about 6–8%). */
  private static final double UPCYCLE_SEED_SHARE = 0.07;
  /** Router noise shares (§4.6) and the draws each is averaged over. */
  private static final double[] SIGMAS = {0.005, 0.02, 0.05};
  private static final int DRAWS = 3;
  private static final int TOKENS_PER_STEP = 8 * 128;

  @ParentCommand BenchCommand bench;

  @Option(names = "--budget", defaultValue = "30",
      description = "minutes for the whole bench, used when --tokens is not given (default: ${DEFAULT-VALUE})")
  double budget;

  @Option(names = "--tokens", defaultValue = "0",
      description = "training tokens per run (about 1000000 at xs separates the curves); 0 = what the budget allows")
  long tokens;

  @Option(names = "--seeds", defaultValue = "3", description = "seeds per configuration, paired across configurations (default: ${DEFAULT-VALUE})")
  int seeds;

  @Option(names = "--sizes", split = ",", defaultValue = "xs,s", description = "sizes to run: xs, s (default: ${DEFAULT-VALUE})")
  List<String> sizes;

  @Option(names = "--configs", split = ",", description = "configurations to run (default: all; dense is always run)")
  List<String> configs;

  @Option(names = "--data", defaultValue = "scenes",
      description = "data of every run: a dataset plugin's name, or a spec's data section as JSON, e.g."
          + " '{\"name\": \"shards\", \"options\": {\"train\": \"t.shard\", \"valid\": \"v.shard\"}}' (default: ${DEFAULT-VALUE})")
  String data;

  @Option(names = "--image-ratio", description = "training.imageRatio of every run: the loader's share of image tokens (default: none,"
      + " documents in order)")
  Double imageRatio;

  @Option(names = "--out", defaultValue = "docs/RESULTS.md", description = "results page to write (default: ${DEFAULT-VALUE})") Path out;

  @Option(names = "--work", defaultValue = "runs/paper",
      description = "folder for the runs; one holding an earlier benchmark gets -2, -3 … (default: ${DEFAULT-VALUE})") Path work;

  /** One run (size, configuration, seed), trained and evaluated where it ran; {@code evals} lacks η until rank 0 adds it. */
  record Job(int index, String size, String config, int seed, Path dir, RunResult result, Map<String, Object> evals) {}

  /** A run to do: index, size, configuration name, seed. */
  private record Plan(int index, Object[] size, String config, int seed) {}

  @Override
  public Integer call() throws IOException {
    PrintWriter log = bench.parent.out;
    Collectives world = bench.parent.world;
    long start = System.nanoTime();
    List<Plan> plans = plans();
    // rank 0 chooses the folder and measures this machine; every rank learns both
    Path requested = work;
    if (world.rank() == 0) {
      work = org.moma.runs.Folders.freshSibling(work); // earlier benchmark runs are kept
      if (!work.equals(requested)) {
        log.printf(java.util.Locale.ROOT, "%s holds an earlier benchmark: this one goes to %s%n", requested, work);
      }
    }
    work = Path.of(new String(world.allgather(work.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8))[0],
        java.nio.charset.StandardCharsets.UTF_8));
    double[] stepsShared = {0};
    if (world.rank() == 0) {
      if (tokens > 0) {
        stepsShared[0] = Math.max(10, tokens / TOKENS_PER_STEP);
      } else {
        // a short dense run; the step count gives each run an equal share of 70% of the budget, the ranks working side by side
        ExperimentSpec probe = spec(SIZES[0], CONFIGS[0], 1, 6);
        List<org.moma.api.train.StepMetrics> probeSteps = new ArrayList<>();
        new ExperimentRunner(bench.parent.plugins).run(probe.withOutput(work.resolve("probe").toString()), probeSteps::add);
        double secondsPerStep = probeSteps.get(probeSteps.size() - 1).elapsedSeconds() / probeSteps.size();
        stepsShared[0] = (int) Math.max(20, Math.min(5000, budget * 60 * 0.7 * world.size() / plans.size() / (secondsPerStep * 2.5)));
      }
    }
    world.allreduceSum(stepsShared);
    int steps = (int) stepsShared[0];
    log.printf(Locale.ROOT, "bench paper: %d runs (%d seeds) of %d steps, %d tokens each (%s)%n", plans.size(), seeds, steps,
        (long) steps * TOKENS_PER_STEP, world.describe());
    // rank r trains and evaluates runs r, r + N, r + 2N …
    List<Job> mine = new ArrayList<>();
    for (Plan plan : plans) {
      if (plan.index() % world.size() == world.rank()) {
        log.printf(Locale.ROOT, "  %s %s seed %d ...%n", plan.size()[0], plan.config(), plan.seed());
        log.flush();
        mine.add(run(plan, steps));
      }
    }
    List<Job> all = gather(world, mine);
    if (world.rank() != 0) {
      return 0;
    }
    // η needs the dense run of the same size and seed, which may have trained on another rank
    for (Job job : all) {
      if (!job.config().equals("dense")) {
        Job dense = all.stream().filter(j -> j.size().equals(job.size()) && j.seed() == job.seed() && j.config().equals("dense"))
            .findFirst().orElseThrow();
        try (TrainedModel trained = TrainedModel.load(bench.parent.plugins, job.dir(), null)) {
          job.evals().putAll(new EvalRunner(bench.parent.plugins).run(trained, "speedup",
              JSON.readTree("{\"dense\": \"" + dense.dir() + "\"}"), "bench").metrics());
        }
      }
    }
    StringBuilder md = new StringBuilder();
    md.append("# Results: the paper's comparisons at small scale\n\n");
    md.append(String.format(Locale.ROOT, "Written by `moma bench paper%s` on %s (%d cores, Java %s, %s, %s). "
        + "Every number below comes from that one invocation. Each run trains %d steps of 8×128 tokens (%.2fM tokens) on "
        + "%s; each configuration runs with seeds 1..%d, and a seed fixes the data order and the "
        + "initialisation for every configuration, so comparisons with dense are paired by seed. A figure is the mean over "
        + "seeds ± the half-width of its 95%% interval (Student's t); a finding is stated only where that interval excludes "
        + "no difference.%n%n",
        invocation(), java.time.LocalDate.now(),
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), System.getProperty("os.arch"),
        world.describe(), steps, steps * (double) TOKENS_PER_STEP / 1e6, describeData(), seeds));
    if (!world.isSingle()) {
      md.append(String.format(Locale.ROOT, "The %d ranks trained runs side by side, each with an equal share of the"
          + " machine; tokens/s compare within that setting.%n%n", world.size()));
    }
    for (Object[] size : SIZES) {
      List<Job> ofSize = all.stream().filter(j -> j.size().equals(size[0])).toList();
      if (ofSize.isEmpty()) {
        continue;
      }
      List<Path> firstSeed = ofSize.stream().filter(j -> j.seed() == 1).map(Job::dir).toList();
      ComparisonReport.write(firstSeed, out.toAbsolutePath().getParent().resolve("results-" + size[0] + ".html"));
      md.append(section(size, ofSize));
    }
    md.append(comparison());
    md.append(String.format(Locale.ROOT, "%nThe whole bench took %.1f minutes.%n", (System.nanoTime() - start) / 6e10));
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, md.toString());
    log.println("wrote " + out);
    log.flush();
    return 0;
  }

  /** Every (size, configuration, seed) asked for, dense first in each size. */
  private List<Plan> plans() {
    List<String> names = new ArrayList<>();
    for (String[] c : CONFIGS) {
      names.add(c[0]);
    }
    for (String[] u : UPCYCLED) {
      names.add(u[0]);
    }
    List<String> chosen = configs == null ? names : new ArrayList<>(configs);
    for (String c : chosen) {
      if (!names.contains(c)) {
        throw new org.moma.api.SpecException("--configs", "unknown configuration '" + c + "' (known: " + String.join(", ", names) + ")");
      }
    }
    if (!chosen.contains("dense")) {
      chosen.add(0, "dense"); // every comparison is against dense
    }
    if (seeds < 1) {
      throw new org.moma.api.SpecException("--seeds", "must be at least 1, found " + seeds);
    }
    List<Plan> plans = new ArrayList<>();
    for (String sizeName : sizes) {
      Object[] size = java.util.Arrays.stream(SIZES).filter(z -> z[0].equals(sizeName)).findFirst()
          .orElseThrow(() -> new org.moma.api.SpecException("--sizes", "unknown size '" + sizeName + "' (known: xs, s)"));
      for (String config : names) {
        if (chosen.contains(config)) {
          for (int seed = 1; seed <= seeds; seed++) {
            plans.add(new Plan(plans.size(), size, config, seed));
          }
        }
      }
    }
    return plans;
  }

  private Job run(Plan plan, int steps) throws IOException {
    String sizeName = (String) plan.size()[0];
    Path dir = work.resolve(sizeName + "-" + plan.config() + "-seed" + plan.seed());
    String[] upcycled = java.util.Arrays.stream(UPCYCLED).filter(u -> u[0].equals(plan.config())).findFirst().orElse(null);
    RunResult result;
    if (upcycled == null) {
      String[] config = java.util.Arrays.stream(CONFIGS).filter(c -> c[0].equals(plan.config())).findFirst().orElseThrow();
      result = new ExperimentRunner(bench.parent.plugins).run(spec(plan.size(), config, plan.seed(), steps).withOutput(dir.toString()), m -> { });
    } else {
      // the seed configuration (one expert per modality) for a few percent of the steps, then upcycled for the rest
      int seedSteps = (int) Math.max(1, Math.round(UPCYCLE_SEED_SHARE * steps));
      String[] seedConfig = java.util.Arrays.stream(CONFIGS).filter(c -> c[0].equals(upcycled[1])).findFirst().orElseThrow();
      Path seedDir = work.resolve(sizeName + "-" + plan.config() + "-seed" + plan.seed() + "-stage1");
      new ExperimentRunner(bench.parent.plugins).run(spec(plan.size(), seedConfig, plan.seed(), seedSteps).withOutput(seedDir.toString()), m -> { });
      ExperimentSpec up = spec(plan.size(), new String[] {upcycled[0], upcycled[2], upcycled[3]}, plan.seed(), steps - seedSteps);
      new Upcycler(bench.parent.plugins).upcycle(seedDir, up.withOutput(dir.toString()), dir);
      result = new ExperimentRunner(bench.parent.plugins).resume(dir, m -> { });
    }
    return new Job(plan.index(), sizeName, plan.config(), plan.seed(), dir, result, evaluate(plan.config(), dir, steps));
  }

  /**
   * The figures of one run: the mean loss of its last 10% of steps, its steady throughput (median
   * tokens/s after the first 10% of steps), held-out loss per modality on 512 documents and the
   * conditional perplexities; for routed models auxiliary routers (their precision and recall
   * first), and the router-noise test of §4.6 on the training routers' top-k.
   */
  private Map<String, Object> evaluate(String config, Path dir, int steps) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>(tail(dir));
    try (TrainedModel trained = TrainedModel.load(bench.parent.plugins, dir, null)) {
      EvalRunner runner = new EvalRunner(bench.parent.plugins);
      boolean routed = !trained.causal();
      if (routed && (config.startsWith("mod") || config.equals("moe_4t4i"))) {
        for (double sigma : SIGMAS) {
          double sum = 0;
          for (int draw = 0; draw < DRAWS; draw++) {
            ai.djl.engine.Engine.getEngine("PyTorch").setRandomSeed(1000 + draw);
            sum += Math.log(d(runner.run(trained, "perplexity", JSON.readTree("{\"documents\": 128, \"routingNoise\": " + sigma + "}"),
                "bench").metrics(), "valid.perplexity"));
          }
          m.put("noise" + sigma, sum / DRAWS);
        }
        // σ = 0 through the same path as the flipped runs (a share too small to flip anything): the MoD layers then run
        // on a key mask rather than on gathered tokens, which changes what their expert groups' top-k sees
        m.put("noise0", Math.log(d(runner.run(trained, "perplexity", JSON.readTree("{\"documents\": 128, \"routingNoise\": 1e-12}"),
            "bench").metrics(), "valid.perplexity")));
      }
      if (routed) {
        Map<String, Object> report = org.moma.evaluation.AuxiliaryTraining.train(trained, null, Math.max(200, steps / 4), 8, 1e-3, s -> { });
        m.put("aux.precision", meanOf(report, ".precision"));
        m.put("aux.recall", meanOf(report, ".recall"));
      }
      Map<String, Object> held = runner.run(trained, "perplexity", JSON.readTree("{\"documents\": 512}"), "bench").metrics();
      m.put("heldout.text", Math.log(d(held, "valid.perplexity.text")));
      m.put("heldout.image", Math.log(d(held, "valid.perplexity.image")));
      m.put("causal", trained.causal());
      m.putAll(runner.run(trained, "conditional", JSON.readTree("{\"documents\": 64}"), "bench").metrics());
    }
    return m;
  }

  /** Mean over the routers of a train-aux report's values whose key ends with {@code suffix}. */
  private static double meanOf(Map<String, Object> report, String suffix) {
    return report.entrySet().stream().filter(e -> e.getKey().endsWith(suffix) && e.getValue() instanceof Number)
        .mapToDouble(e -> ((Number) e.getValue()).doubleValue()).filter(Double::isFinite).average().orElse(Double.NaN);
  }

  /** Mean loss (all, text, image) of the last 10% of steps and the median tokens/s after the first 10%. */
  static Map<String, Object> tail(Path run) throws IOException {
    List<JsonNode> lines = org.moma.reports.RunReport.metrics(run);
    int n = lines.size();
    List<JsonNode> last = lines.subList(n - Math.max(1, n / 10), n);
    Map<String, Object> m = new LinkedHashMap<>();
    for (String field : new String[] {"loss", "lossText", "lossImage"}) {
      m.put("tail." + field, last.stream().mapToDouble(l -> l.path(field).asDouble(Double.NaN)).filter(Double::isFinite).average()
          .orElse(Double.NaN));
    }
    m.put("tokensPerSecond", BenchCommand.median(lines.subList(Math.min(n - 1, n / 10), n).stream()
        .mapToDouble(l -> l.path("tokensPerSecond").asDouble()).toArray()));
    return m;
  }

  /** Every rank's jobs, in job order. */
  private static List<Job> gather(Collectives world, List<Job> mine) throws IOException {
    List<Job> all = new ArrayList<>();
    for (byte[] part : world.allgather(JSON.writeValueAsBytes(mine))) {
      all.addAll(JSON.readValue(part, JSON.getTypeFactory().constructCollectionType(List.class, Job.class)));
    }
    all.sort(java.util.Comparator.comparingInt(Job::index));
    return all;
  }

  /** The options of this invocation that change what it ran, as a person would type them again. */
  private String invocation() {
    StringBuilder s = new StringBuilder(tokens > 0 ? " --tokens " + tokens : String.format(Locale.ROOT, " --budget %.0f", budget));
    s.append(" --seeds ").append(seeds).append(" --sizes ").append(String.join(",", sizes));
    if (configs != null && !configs.isEmpty()) {
      s.append(" --configs ").append(String.join(",", configs));
    }
    if (!data.equals("scenes")) {
      s.append(" --data ").append(data.strip().startsWith("{") ? "'" + data.strip() + "'" : data);
    }
    if (imageRatio != null) {
      s.append(" --image-ratio ").append(imageRatio);
    }
    return s.toString();
  }

  /** The data of the runs, for the page: the plugin and, when set, the loader's image share. */
  private String describeData() {
    String name = data.strip().startsWith("{") ? "the data section `" + data.strip() + "`" : "the `" + data + "` corpus";
    return imageRatio == null ? name : name + String.format(Locale.ROOT, " with the loader holding %.0f%% image tokens", 100 * imageRatio);
  }

  private ExperimentSpec spec(Object[] size, String[] config, int seed, int steps) {
    boolean depth = config[2] != null;
    int layers = depth ? 2 * (int) size[2] - 1 : (int) size[2]; // 4 dense layers match 7 MoD layers (c_d 0.25, every other)
    String json = "{\"name\": \"" + size[0] + "-" + config[0] + "-seed" + seed + "\", \"seed\": " + seed + ", \"device\": \"auto\","
        + " \"model\": {\"dModel\": " + size[1] + ", \"layers\": " + layers + ", \"heads\": " + size[4] + ", \"ffnDim\": " + size[3]
        + ", \"seqLen\": 128, \"ffn\": " + config[1] + (depth ? ", \"depth\": " + config[2] : "") + "},"
        + " \"data\": " + (data.strip().startsWith("{") ? data : "{\"name\": \"" + data + "\"}") + ","
        + " \"training\": {\"steps\": " + steps + ", \"batchSize\": 8, \"learningRate\": 0.006, \"warmupSteps\": " + Math.max(1, steps / 10)
        + (imageRatio != null ? ", \"imageRatio\": " + imageRatio : "") + ", \"checkpointEvery\": 0}}";
    return SpecReader.parse(json, "bench paper");
  }

  /** The values of one figure over the seeds of a configuration, in seed order (NaN where missing). */
  private static double[] values(List<Job> jobs, String config, String key) {
    return jobs.stream().filter(j -> j.config().equals(config)).sorted(java.util.Comparator.comparingInt(Job::seed))
        .mapToDouble(j -> key.equals("flops") ? j.result().trainingFlopsPerToken() : d(j.evals(), key)).toArray();
  }

  private static String section(Object[] size, List<Job> jobs) {
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "## Size %s (dense: d %s, %s layers, ffn %s; MoD variants %d layers)%n%n", size[0], size[1],
        size[2], size[3], 2 * (int) size[2] - 1));
    s.append(String.format(Locale.ROOT, "Loss against training FLOPs of seed 1 (paper Figures 3–4, 6): [results-%s.html](results-%s.html).%n%n",
        size[0], size[0]));
    for (String[] plot : new String[][] {{"loss", "all tokens"}, {"lossText", "text"}, {"lossImage", "image"}}) {
      s.append(String.format(Locale.ROOT, "![%s loss, size %s](results-%s-files/%s.png)%n", plot[1], size[0], size[0], plot[0]));
    }
    s.append("\nLoss is the mean of the last 10% of training steps; held-out loss is on 512 validation documents; "
        + "Δ is the paired difference from dense, seed by seed (negative: better than dense); tokens/s is the median after "
        + "the first 10% of steps, as a ratio to dense.\n\n");
    s.append("| config | FLOPs/token | loss | Δ loss vs dense | Δ text | Δ image | held-out text | held-out image | η | η text | η image | tokens/s vs dense | aux P / R |\n");
    s.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    List<String> order = jobs.stream().map(Job::config).distinct().toList();
    double[] denseLoss = values(jobs, "dense", "tail.loss");
    double[] denseText = values(jobs, "dense", "tail.lossText");
    double[] denseImage = values(jobs, "dense", "tail.lossImage");
    double[] denseSpeed = values(jobs, "dense", "tokensPerSecond");
    for (String config : order) {
      double[] speed = values(jobs, config, "tokensPerSecond");
      double[] ratio = new double[Math.min(speed.length, denseSpeed.length)];
      for (int i = 0; i < ratio.length; i++) {
        ratio[i] = speed[i] / denseSpeed[i];
      }
      boolean dense = config.equals("dense");
      s.append(String.format(Locale.ROOT, "| %s | %.3g | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", config,
          SeedStatistics.of(values(jobs, config, "flops")).mean(),
          SeedStatistics.of(values(jobs, config, "tail.loss")).format(3),
          dense ? "–" : verdict(SeedStatistics.paired(values(jobs, config, "tail.loss"), denseLoss)),
          dense ? "–" : verdict(SeedStatistics.paired(values(jobs, config, "tail.lossText"), denseText)),
          dense ? "–" : verdict(SeedStatistics.paired(values(jobs, config, "tail.lossImage"), denseImage)),
          SeedStatistics.of(values(jobs, config, "heldout.text")).format(3),
          SeedStatistics.of(values(jobs, config, "heldout.image")).format(3),
          dense ? "–" : SeedStatistics.of(values(jobs, config, "eta")).format(2),
          dense ? "–" : SeedStatistics.of(values(jobs, config, "eta.text")).format(2),
          dense ? "–" : SeedStatistics.of(values(jobs, config, "eta.image")).format(2),
          SeedStatistics.of(ratio).format(2),
          Double.isNaN(SeedStatistics.of(values(jobs, config, "aux.precision")).mean()) ? "–"
              : SeedStatistics.of(values(jobs, config, "aux.precision")).format(2) + " / "
                  + SeedStatistics.of(values(jobs, config, "aux.recall")).format(2)));
    }
    s.append("\nConditional perplexity (Table 3), mean over seeds:\n\n| config | image→text | text→image |\n|---|---|---|\n");
    for (String config : order) {
      s.append(String.format(Locale.ROOT, "| %s | %s | %s |%n", config,
          SeedStatistics.of(values(jobs, config, "imageToText.perplexity")).format(2),
          SeedStatistics.of(values(jobs, config, "textToImage.perplexity.image")).format(2)));
    }
    s.append("\nRouter-noise sensitivity (§4.6): held-out loss (128 documents) with the training routers' batch top-k, a share σ"
        + " of its decisions flipped at random, each σ the mean of " + DRAWS + " draws; the auxiliary routers' precision and"
        + " recall above say how far causal inference is from σ = 0.\n\n");
    s.append("| config | σ = 0 |");
    for (double sigma : SIGMAS) {
      s.append(String.format(Locale.ROOT, " σ = %s |", sigma));
    }
    s.append("\n|---|---|").append("---|".repeat(SIGMAS.length)).append('\n');
    for (String config : order) {
      if (Double.isNaN(SeedStatistics.of(values(jobs, config, "noise0")).mean())) {
        continue;
      }
      s.append("| ").append(config).append(" | ").append(SeedStatistics.of(values(jobs, config, "noise0")).format(3)).append(" |");
      for (double sigma : SIGMAS) {
        s.append(' ').append(verdict(SeedStatistics.paired(values(jobs, config, "noise" + sigma), values(jobs, config, "noise0"))))
            .append(" |");
      }
      s.append('\n');
    }
    s.append("\n(σ columns: the paired change of held-out loss from σ = 0.)\n\n");
    return s.toString();
  }

  /** A paired difference with its interval, and what the interval settles. */
  private static String verdict(SeedStatistics difference) {
    String word = switch (difference.sign()) {
      case -1 -> " (lower)";
      case 1 -> " (higher)";
      default -> Double.isFinite(difference.halfWidth()) ? " (not resolved)" : "";
    };
    return String.format(Locale.ROOT, "%+.3f%s%s", difference.mean(),
        Double.isFinite(difference.halfWidth()) ? String.format(Locale.ROOT, " ± %.3f", difference.halfWidth()) : "", word);
  }

  private static double d(Map<String, Object> m, String key) {
    Object v = m.get(key);
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  private static String comparison() {
    return "## Side by side with the paper\n\n"
        + "| | paper (1.4B, 1T tokens, 256 A100) | here |\n|---|---|---|\n"
        + "| throughput vs dense, moe_8x / 1t1i / 4t4i / MoD 1t1i / MoD 4t4i | −9% / −6% / −17% / −21% / −31% | see \"tokens/s vs dense\" above |\n"
        + "| η moe_4t4i (text / image) | 3.7× (2.6× / 5.2×) | see η above |\n"
        + "| η moe_8x (text / image) | 3.0× (3.0× / 2.8×) | see η above |\n"
        + "| η MoD+MoMa 4t4i (text / image) | 4.2× (3.4× / 5.3×) | see η above |\n"
        + "| MoD under router noise | worse than MoMa 4t4i above σ ≈ 0.5% | see the noise table |\n\n"
        + "How to read it: these models are 10⁴× smaller and trained for minutes on a generated corpus, so η here measures"
        + " early training only. η is the dense run's FLOPs over the FLOPs at which the (smoothed) sparse run first reached"
        + " the dense run's final loss (paper §4.2): above 1 the sparse model is ahead. A difference marked \"not resolved\""
        + " has a 95% interval that holds zero: these seeds cannot tell the configurations apart, whatever the sign of the"
        + " mean. Throughput ratios come from CPU execution of tiny layers, where fixed per-op costs weigh more than on GPUs"
        + " (see `moma bench experts` and `moma bench train`).\n";
  }
}
