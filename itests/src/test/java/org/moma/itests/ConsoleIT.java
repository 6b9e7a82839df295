package org.moma.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * {@code moma console} as a researcher uses it: the JSON API over a runs folder, its refusals (bad
 * specs, escapes, big bodies, a missing token), and the pages in headless Chromium (Debian's
 * {@code chromium} and {@code chromium-driver}): a run made from the form trains, its chart gains
 * points, it is stopped and resumed from its page and ends with the losses of an uninterrupted run.
 * Screenshots go to {@code itests/target/screenshots}. Without Chromium the browser test is skipped
 * with the reason, unless {@code MOMA_REQUIRE_BROWSER} is set (CI sets it), then it fails.
 */
class ConsoleIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TINY = "{\"name\": \"NAME\", \"seed\": 3, \"device\": \"cpu\","
      + " \"model\": {\"dModel\": 32, \"layers\": 1, \"heads\": 2, \"ffnDim\": 64, \"seqLen\": 32},"
      + " \"training\": {\"steps\": STEPS, \"batchSize\": 4, \"learningRate\": 0.01, \"warmupSteps\": 2}}";

  @TempDir Path work;
  private final List<Process> started = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private record Console(Process process, String url, Path runs) {}

  @AfterEach
  void stopConsoles() throws InterruptedException {
    for (Process p : started) {
      p.destroy();
      if (!p.waitFor(90, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void theApiServesRunsMetricsAndPluginsAndRefusesBadSpecsEscapesAndBigBodies() throws Exception {
    Path runs = Files.createDirectories(work.resolve("runs"));
    // a run killed mid-write: three whole lines and a cut one, a checkpoint folder, no lock held
    Path killed = Files.createDirectories(runs.resolve("killed-run/checkpoints"));
    Files.writeString(killed.resolveSibling("spec.json"), TINY.replace("NAME", "killed-run").replace("STEPS", "10"));
    Files.writeString(killed.resolveSibling("metrics.jsonl"), "{\"step\":1,\"loss\":5.0}\n{\"step\":2,\"loss\":4.5}\n"
        + "{\"step\":3,\"loss\":4.0,\"lossText\":3.9}\n{\"step\":4,\"lo");
    Files.createDirectories(killed.resolveSibling("eval"));
    Files.writeString(killed.resolveSibling("eval/results.json"), "[{\"evaluator\": \"perplexity\", \"text\": 12.5}]");
    Files.write(killed.resolveSibling("eval/routing-heatmap.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G'});
    Files.createSymbolicLink(runs.resolve("escape"), Path.of("/etc"));
    Files.createSymbolicLink(killed.resolveSibling("report.html"), Path.of("/etc/passwd"));
    Console c = start(runs);

    JsonNode list = get(c, "/api/runs", 200);
    assertEquals(1, list.size(), "links are not runs: " + list);
    JsonNode run = list.get(0);
    assertEquals("killed-run", run.get("name").asText());
    assertEquals("killed", run.get("state").asText());
    assertTrue(run.get("truncatedLine").asBoolean());
    assertEquals(3, run.get("step").asInt());
    JsonNode metrics = get(c, "/api/runs/killed-run/metrics?from=2", 200);
    assertEquals(2, metrics.size(), metrics.toString());
    assertEquals(2, metrics.get(0).get("step").asInt());
    assertEquals(0, get(c, "/api/runs/killed-run/metrics?from=99", 200).size());
    // the cut line becomes a line when the writer completes it, and only then
    Files.writeString(killed.resolveSibling("metrics.jsonl"), "ss\":3.5}\n", java.nio.file.StandardOpenOption.APPEND);
    assertEquals(3, get(c, "/api/runs/killed-run/metrics?from=2", 200).size());
    JsonNode detail = get(c, "/api/runs/killed-run", 200);
    assertEquals(10, detail.get("spec").get("training").get("steps").asInt());
    assertEquals(12.5, detail.get("evaluations").get(0).get("text").asDouble(), detail.toString());
    assertEquals("eval/routing-heatmap.png", detail.get("pictures").get(0).asText(), detail.toString());
    HttpResponse<String> heatmap = send(c, "GET", "/api/runs/killed-run/files/eval/routing-heatmap.png", null, null);
    assertEquals(200, heatmap.statusCode());
    assertEquals("image/png", heatmap.headers().firstValue("Content-Type").orElse(""));

    JsonNode plugins = get(c, "/api/plugins", 200);
    JsonNode router = null;
    for (JsonNode kind : plugins.get("kinds")) {
      for (JsonNode p : kind.get("plugins")) {
        if (kind.get("kind").asText().equals("router") && p.get("name").asText().equals("expert-choice")) {
          router = p;
        }
      }
    }
    assertTrue(router != null && router.get("options").toString().contains("\"capacity\""), plugins.toString());

    JsonNode bad = post(c, "/api/runs", "{\"name\": \"bad\", \"model\": {\"dModel\": -4}}", 400);
    assertEquals("model.dModel", bad.get("field").asText(), bad.toString());
    JsonNode output = post(c, "/api/runs", TINY.replace("NAME", "x").replace("STEPS", "5").replace("{\"name\"", "{\"output\": \"/tmp/x\", \"name\""), 400);
    assertEquals("output", output.get("field").asText(), output.toString());
    for (String name : List.of("-dash-first", "x".repeat(101))) { // names a run folder cannot take
      JsonNode refused = post(c, "/api/runs", TINY.replace("NAME", name).replace("STEPS", "5"), 400);
      assertEquals("name", refused.get("field").asText(), refused.toString());
    }
    JsonNode unknown = post(c, "/api/runs", "{\"name\": \"u\", \"model\": {\"ffn\": {\"name\": \"no-such-layer\"}}}", 400);
    assertEquals("model.ffn.name", unknown.get("field").asText(), unknown.toString());
    // refused on its length before a byte of it is read
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", URI.create(c.url()).getPort())) {
      socket.getOutputStream().write(("POST /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          + "Content-Length: 300000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
      socket.setSoTimeout(30_000);
      String status = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
      assertTrue(status != null && status.startsWith("HTTP/1.1 413"), "a 300 kB body: " + status);
    }
    assertFalse(Files.exists(runs.resolve("bad")) || Files.exists(runs.resolve("u")), "a refused spec starts nothing");

    // a good spec starts a run in its own process; a taken name becomes name-2
    String made = TINY.replace("NAME", "made").replace("STEPS", "6");
    assertEquals("made", post(c, "/api/runs", made, 201).get("name").asText());
    assertEquals("made-2", post(c, "/api/runs", made, 201).get("name").asText());
    for (String name : List.of("made", "made-2")) {
      long deadline = System.currentTimeMillis() + 120_000;
      while (!get(c, "/api/runs/" + name, 200).get("state").asText().equals("finished")) {
        assertTrue(System.currentTimeMillis() < deadline, name + " did not finish: " + get(c, "/api/runs/" + name, 200));
        Thread.sleep(200);
      }
      assertEquals(6, get(c, "/api/runs/" + name + "/metrics?from=1", 200).size());
    }
    assertEquals(409, send(c, "POST", "/api/runs/made/resume", null, null).statusCode(), "a finished run does not resume");
    assertEquals(409, send(c, "POST", "/api/runs/made/stop", null, null).statusCode(), "a finished run does not stop");

    for (String escape : List.of("/api/runs/..%2F..%2F..%2Fetc%2Fpasswd", "/api/runs/%2Fetc%2Fpasswd", "/api/runs/..%252F..%252Fetc%252Fpasswd",
        "/api/runs/escape", "/api/runs/escape/files/passwd", "/api/runs/killed-run/files/report.html",
        "/api/runs/killed-run/files/..%2F..%2F..%2Fetc%2Fpasswd", "/api/runs/killed-run/files/.lock", "/api/runs/.console")) {
      HttpResponse<String> r = send(c, "GET", escape, null, null);
      assertTrue(r.statusCode() == 400 || r.statusCode() == 404, escape + " gave " + r.statusCode());
      assertFalse(r.body().contains("root:"), escape + " returned /etc/passwd");
    }
    // the Felix Web Console is mounted, behind the same gate as the rest
    HttpResponse<String> bundles = send(c, "GET", "/system/console/bundles", null, null);
    assertEquals(200, bundles.statusCode());
    assertTrue(bundles.body().contains("org.moma.console"), "the bundles page lists the console's bundle");
  }

  @Test
  void aRouterDroppedIntoPluginsAppearsWithItsOptionsWithoutARestart() throws Exception {
    Path home = Distribution.copy(work.resolve("home"));
    Console c = start(home, Files.createDirectories(work.resolve("runs")));
    assertFalse(get(c, "/api/plugins", 200).toString().contains("\"tempered-choice\""));
    Files.copy(Distribution.exampleRouter(), home.resolve("plugins/tempered.jar"));
    long deadline = System.currentTimeMillis() + 20_000;
    String plugins;
    while (!(plugins = get(c, "/api/plugins", 200).toString()).contains("\"tempered-choice\"")) {
      assertTrue(System.currentTimeMillis() < deadline, "the dropped router did not appear within 20 s: " + plugins);
      Thread.sleep(250);
    }
    assertTrue(plugins.contains("\"temperature\""), "with its options: " + plugins);
  }

  @Test
  void anotherAddressNeedsTheTokenOnEveryRequestLoopbackIncluded() throws Exception {
    Path runs = Files.createDirectories(work.resolve("runs"));
    String token = "t0ken-for-the-console-test-0123456789";
    Path tokenFile = Files.writeString(work.resolve("token"), token + "\n");
    Console c = start(runs, "--host", "127.0.0.1", "--token-file", tokenFile.toString());
    for (String path : List.of("/api/runs", "/", "/system/console/bundles", "/api/plugins")) {
      assertEquals(401, send(c, "GET", path, null, null).statusCode(), path + " without the token");
      assertEquals(401, send(c, "GET", path, null, "Bearer wrong-token-of-the-same-kind-0000").statusCode(), path + " with a wrong token");
      assertEquals(200, send(c, "GET", path, null, "Bearer " + token).statusCode(), path + " with the token");
    }
    HttpResponse<String> opened = send(c, "GET", "/?token=" + token, null, null);
    assertEquals(200, opened.statusCode());
    String cookie = opened.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
    HttpRequest withCookie = HttpRequest.newBuilder(URI.create(c.url() + "/api/runs")).header("Cookie", cookie).build();
    assertEquals(200, http.send(withCookie, HttpResponse.BodyHandlers.ofString()).statusCode(), "the browser's cookie carries the token");
    assertEquals(401, send(c, "POST", "/api/runs", TINY.replace("NAME", "x").replace("STEPS", "5"), null).statusCode());
    assertFalse(Files.exists(runs.resolve("x")), "a refused request starts nothing");

    // a second console on a port that is taken says so and ends, in one line
    Path out = work.resolve("second.txt");
    Process second = launch(Distribution.home(), out, List.of("--port", String.valueOf(URI.create(c.url()).getPort()), "--runs", runs.toString()));
    assertTrue(second.waitFor(90, TimeUnit.SECONDS), "a console on a taken port did not end");
    assertEquals(2, second.exitValue(), Files.readString(out));
    assertTrue(Files.readString(out).contains("is taken by another program"), Files.readString(out));
  }

  @Test
  void aRunMadeFromTheFormTrainsLiveStopsResumesAndEndsAsAnUninterruptedRun() throws Exception {
    Path chromium = Path.of("/usr/bin/chromium");
    Path driverBinary = Path.of("/usr/bin/chromedriver");
    if (!Files.isExecutable(chromium) || !Files.isExecutable(driverBinary)) {
      String why = "chromium and chromedriver are not installed (apt-get install chromium chromium-driver): the browser test is skipped";
      assertTrue(System.getenv("MOMA_REQUIRE_BROWSER") == null, "MOMA_REQUIRE_BROWSER is set but " + why);
      System.out.println("[ConsoleIT] SKIPPED: " + why);
      Assumptions.abort(why);
    }
    Path runs = Files.createDirectories(work.resolve("runs"));
    Console c = start(runs);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1360,1000",
        "--user-data-dir=" + Files.createDirectories(work.resolve("chromium-profile")));
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driverBinary.toFile())
        .withLogFile(work.resolve("chromedriver.log").toFile()).build();
    WebDriver browser = new ChromeDriver(service, options);
    try {
      WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(180), Duration.ofMillis(200));
      wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class); // the pages redraw what they poll
      browser.get(c.url() + "/new.html");
      wait.until(d -> "1".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
      field(browser, "name").clear();
      field(browser, "name").sendKeys("from-the-form");
      for (String[] value : new String[][] {{"seed", "3"}, {"model.dModel", "-4"}, {"model.layers", "1"}, {"model.heads", "2"},
          {"model.ffnDim", "64"}, {"model.seqLen", "32"}, {"training.steps", "1500"}, {"training.batchSize", "4"},
          {"training.learningRate", "0.01"}, {"training.warmupSteps", "2"}}) {
        field(browser, value[0]).clear();
        field(browser, value[0]).sendKeys(value[1]);
      }
      new Select(field(browser, "model.ffn.name")).selectByValue("dense");
      browser.findElement(By.id("start")).click();
      // the error is shown beside its field, and nothing starts
      WebElement row = wait.until(d -> d.findElement(By.cssSelector("[data-field='model.dModel']")).findElement(By.xpath("..")));
      wait.until(d -> row.getDomAttribute("class").contains("field-error"));
      assertTrue(row.getText().contains("dModel"), row.getText());
      shot(browser, "console-new-experiment-error");
      assertFalse(Files.exists(runs.resolve("from-the-form")));
      field(browser, "model.dModel").clear();
      field(browser, "model.dModel").sendKeys("32");
      browser.findElement(By.id("start")).click();

      wait.until(d -> d.getCurrentUrl().contains("/run.html?name=from-the-form"));
      int first = wait.until(d -> points(d) >= 3 ? points(d) : null);
      wait.until(d -> points(d) > first); // the chart gains points while the run trains
      shot(browser, "console-run-live");
      browser.findElement(By.id("stop")).click();
      wait.until(d -> state(d).equals("stopped"));
      JsonNode ended = JSON.readTree(runs.resolve("from-the-form/ended.json").toFile());
      assertEquals("SIGTERM", ended.get("reason").asText());
      int stoppedAt = ended.get("step").asInt();
      assertTrue(stoppedAt < 1500, "stopped before the end");
      shot(browser, "console-run-stopped");
      browser.findElement(By.id("resume")).click();
      wait.until(d -> state(d).equals("finished"));
      wait.until(d -> points(d) == 1500);
      shot(browser, "console-run-finished");

      // stop and resume from the page leave the losses of a run never interrupted
      Path spec = runs.resolve(".console/from-the-form.spec.json");
      MomaProcess.Result ref = MomaProcess.run(Distribution.home(), work, "run", spec.toString(), "--output", runs.resolve("reference").toString());
      assertEquals(0, ref.exit(), ref.err());
      assertEquals(losses(runs.resolve("reference")), losses(runs.resolve("from-the-form")));

      browser.get(c.url() + "/");
      wait.until(d -> d.findElements(By.cssSelector("tr[data-run='reference']")).size() == 1);
      assertTrue(browser.findElement(By.cssSelector("tr[data-run='from-the-form']")).getText().contains("finished"));
      shot(browser, "console-runs");
      browser.get(c.url() + "/compare.html?run=from-the-form&run=reference");
      wait.until(d -> "2".equals(d.findElement(By.tagName("body")).getDomAttribute("data-series")));
      shot(browser, "console-compare");
      browser.get(c.url() + "/plugins.html");
      wait.until(d -> !d.findElements(By.cssSelector("tr[data-plugin='expert-choice']")).isEmpty());
      assertTrue(browser.findElement(By.cssSelector("tr[data-plugin='expert-choice']")).getText().contains("capacity"));
      shot(browser, "console-plugins");
      browser.get(c.url() + "/system/console/bundles");
      wait.until(d -> d.getPageSource().contains("org.moma.console"));
      shot(browser, "console-felix-web-console");
    } catch (AssertionError | RuntimeException e) {
      // what a person needs to see why: the page as it was, and what the runs printed
      shot(browser, "console-failure");
      Path dir = screenshots();
      Files.writeString(dir.resolve("console-failure.html"), browser.getPageSource());
      if (Files.isDirectory(runs.resolve(".console"))) {
        try (var logs = Files.list(runs.resolve(".console"))) {
          for (Path log : logs.toList()) {
            Files.copy(log, dir.resolve("console-failure-" + log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
      throw e;
    } finally {
      browser.quit();
    }
  }

  private static WebElement field(WebDriver d, String path) {
    return d.findElement(By.cssSelector("[data-field='" + path + "']"));
  }

  private static int points(WebDriver d) {
    String n = d.findElement(By.tagName("body")).getDomAttribute("data-points");
    return n == null ? 0 : Integer.parseInt(n);
  }

  private static String state(WebDriver d) {
    return d.findElement(By.cssSelector("#state .state")).getText();
  }

  private static void shot(WebDriver d, String name) throws IOException {
    Files.write(screenshots().resolve(name + ".png"), ((TakesScreenshot) d).getScreenshotAs(OutputType.BYTES));
  }

  /** Where a person finds the pages as the test saw them: itests/target/screenshots. */
  private static Path screenshots() throws IOException {
    return Files.createDirectories(Path.of(System.getProperty("moma.itest.screenshots", "target/screenshots")));
  }

  private static List<Double> losses(Path run) throws IOException {
    List<Double> losses = new ArrayList<>();
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      losses.add(JSON.readTree(line).get("loss").asDouble());
    }
    return losses;
  }

  private Console start(Path runs, String... extra) throws Exception {
    return start(Distribution.home(), runs, extra);
  }

  private Console start(Path home, Path runs, String... extra) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    List<String> args = new ArrayList<>(List.of("--port", String.valueOf(port), "--runs", runs.toString()));
    args.addAll(List.of(extra));
    Path out = work.resolve("console-" + port + ".txt");
    Process process = launch(home, out, args);
    long deadline = System.currentTimeMillis() + 90_000;
    while (!Files.readString(out).contains("console: http")) {
      assertTrue(process.isAlive(), "the console ended: " + Files.readString(out));
      assertTrue(System.currentTimeMillis() < deadline, "the console did not start in 90 s: " + Files.readString(out));
      Thread.sleep(100);
    }
    return new Console(process, "http://127.0.0.1:" + port, runs);
  }

  /** {@code bin/moma console ARGS} in the test's folder, its log there too, its output in {@code out}. */
  private Process launch(Path home, Path out, List<String> args) throws IOException {
    List<String> command = new ArrayList<>(List.of(home.resolve("bin/moma").toString(), "console"));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile());
    String djlCache = System.getProperty("DJL_CACHE_DIR");
    builder.environment().put("MOMA_JAVA_OPTS", "-Dmoma.log.dir=" + work.resolve("logs") + (djlCache != null ? " -DDJL_CACHE_DIR=" + djlCache : ""));
    builder.redirectErrorStream(true).redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process process = builder.start();
    started.add(process);
    return process;
  }

  private JsonNode get(Console c, String path, int status) throws Exception {
    HttpResponse<String> r = send(c, "GET", path, null, null);
    assertEquals(status, r.statusCode(), path + ": " + r.body());
    return JSON.readTree(r.body());
  }

  private JsonNode post(Console c, String path, String body, int status) throws Exception {
    HttpResponse<String> r = send(c, "POST", path, body, null);
    assertEquals(status, r.statusCode(), path + ": " + r.body());
    return JSON.readTree(r.body());
  }

  private HttpResponse<String> send(Console c, String method, String path, String body, String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(c.url() + path)).timeout(Duration.ofSeconds(120))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
