package org.moma.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemPackages;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.jar.JarFile;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.moma.api.MomaPlugin;
import org.moma.api.Options;
import org.moma.api.model.FeedForwardBlock;
import org.moma.api.model.LayerContext;
import org.moma.api.model.LayerPlugin;
import org.moma.api.model.Modality;
import org.moma.api.model.ModelDims;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;

/**
 * Boots Felix in this JVM with exactly the distribution's bundles and checks the platform as a
 * whole: everything resolves, a plugin does real tensor work through DJL, and plugins come and go
 * with their bundles.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PlatformIT {
  /** The folder FileInstall watches in this framework, like the distribution's plugins/. */
  private static final Path PLUGINS = newPluginsFolder();

  @Inject private BundleContext context;

  /**
   * Pax Exam loads this class twice (the driver, then the probe inside the framework): the probe
   * takes the folder the configuration published. It lives in the build tree, never in /tmp.
   */
  private static Path newPluginsFolder() {
    String published = System.getProperty("moma.itest.plugins");
    if (published != null) {
      return Path.of(published);
    }
    try {
      Path root = Path.of(System.getProperty("moma.itest.tmp", "target/tmp"));
      java.nio.file.Files.createDirectories(root);
      return java.nio.file.Files.createTempDirectory(root, "moma-itest-plugins");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Configuration
  public Option[] config() throws Exception {
    List<Option> options = new ArrayList<>();
    String repo = System.getProperty("maven.repo.local", System.getProperty("user.home") + "/.m2/repository");
    options.add(systemProperty("org.ops4j.pax.url.mvn.localRepository").value(repo));
    options.add(systemProperty("org.ops4j.pax.url.mvn.offline").value("true"));
    options.add(systemProperty("org.ops4j.pax.url.mvn.repositories").value(""));
    options.add(systemProperty("ai.djl.offline").value("true"));
    options.add(systemProperty("OPT_OUT_TRACKING").value("true"));
    // as bin/moma does: SLF4J comes from the class path (appended to Pax Exam's own system packages)
    options.add(systemPackages("org.slf4j;version=2.0.16", "org.slf4j.event;version=2.0.16",
        "org.slf4j.helpers;version=2.0.16", "org.slf4j.spi;version=2.0.16", "sun.misc"));
    options.add(frameworkProperty("gosh.args").value("--nointeractive --noshutdown"));
    options.add(frameworkProperty("felix.fileinstall.dir").value(PLUGINS.toString()));
    options.add(frameworkProperty("felix.fileinstall.poll").value("200"));
    options.add(frameworkProperty("felix.fileinstall.noInitialDelay").value("true"));
    options.add(systemProperty("moma.example.router").value(Distribution.exampleRouter().toString()));
    options.add(systemProperty("moma.itest.plugins").value(PLUGINS.toString()));
    options.add(systemProperty("moma.faulty.jar").value(System.getProperty("moma.faulty.jar")));
    for (Path jar : Distribution.bundles()) {
      boolean fragment;
      try (JarFile file = new JarFile(jar.toFile())) {
        fragment = file.getManifest().getMainAttributes().getValue(Constants.FRAGMENT_HOST) != null;
      }
      options.add(bundle("reference:" + jar.toUri()).start(!fragment));
    }
    options.add(junitBundles());
    options.add(cleanCaches());
    return options.toArray(new Option[0]);
  }

  @Test
  public void everyBundleResolvesAndIsActive() {
    List<String> problems = new ArrayList<>();
    for (Bundle bundle : context.getBundles()) {
      boolean fragment = bundle.getHeaders().get(Constants.FRAGMENT_HOST) != null;
      int expected = fragment ? Bundle.RESOLVED : Bundle.ACTIVE;
      if (bundle.getState() != expected) {
        problems.add(bundle.getSymbolicName() + " state " + bundle.getState());
      }
    }
    assertTrue("bundles not active: " + problems, problems.isEmpty());
    for (String name : List.of("org.moma.api", "org.moma.djl", "org.moma.djl.native", "org.moma.registry", "org.moma.model",
        "org.moma.runs", "org.moma.training", "org.moma.evaluation", "org.moma.reports", "org.moma.cli", "org.moma.optimizers",
        "org.moma.schedules", "org.moma.sinks", "org.moma.losses", "org.moma.layer.dense", "org.moma.data")) {
      assertNotNull("missing bundle " + name, find(name));
    }
  }

  @Test
  public void pytorchEngineIsPublishedAsAService() {
    ServiceReference<Engine> ref = context.getServiceReference(Engine.class);
    assertNotNull("no Engine service", ref);
    assertEquals("PyTorch", ref.getProperty("engine.name"));
    assertEquals("2.5.1", ref.getProperty("engine.version"));
  }

  @Test
  public void densePluginTrainsThroughDjl() throws Exception {
    LayerPlugin dense = layer("dense");
    assertNotNull("dense layer plugin not registered", dense);
    ModelDims dims = new ModelDims(32, 8, 2, 16, 1, 4);
    FeedForwardBlock block =
        dense.create(new LayerContext(0, dims, Modality.STANDARD, null), Options.defaults(dense.options()));
    try (NDManager manager = NDManager.newBaseManager(Engine.getEngine("PyTorch").defaultDevice(), "PyTorch")) {
      block.initialize(manager, DataType.FLOAT32, new Shape(6, 8), new Shape(6));
      NDArray x = manager.randomNormal(new Shape(6, 8));
      NDArray modality = manager.zeros(new Shape(6), DataType.INT32);
      try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
        NDArray y = block.forward(new ParameterStore(manager, false), new NDList(x, modality), true).head();
        assertEquals(new Shape(6, 8), y.getShape());
        collector.backward(y.square().sum());
      }
      double gradientMass = 0;
      for (Parameter p : block.getParameters().values()) {
        gradientMass += p.getArray().getGradient().abs().sum().getFloat();
      }
      assertTrue("no gradient reached the plugin's parameters", gradientMass > 0);
      assertEquals(6.0 * 8 * 16, block.forwardFlopsPerToken(), 0.0);
    }
  }

  @Test
  public void stoppingUninstallingAndReinstallingAPluginBundleUpdatesTheRegistry() throws Exception {
    Bundle bundle = find("org.moma.layer.dense");
    String location = bundle.getLocation();
    assertNotNull(layer("dense"));
    bundle.stop();
    assertFalse("stopped plugin still registered", names().contains("dense"));
    bundle.start();
    assertTrue("restarted plugin not registered", waitFor("dense", true));
    bundle.uninstall();
    assertFalse("uninstalled plugin still registered", names().contains("dense"));
    Bundle again = context.installBundle(location);
    again.start();
    assertTrue("reinstalled plugin not registered", waitFor("dense", true));
  }

  @Test
  public void aRouterDroppedIntoPluginsIsListedTrainsAndLeavesWhenRemovedWithoutARestart() throws Exception {
    Path plugins = Path.of(System.getProperty("moma.itest.plugins"));
    Path jar = plugins.resolve("tempered-router.jar");
    assertFalse(routers().contains("tempered-choice"));
    java.nio.file.Files.copy(Path.of(System.getProperty("moma.example.router")), jar);
    assertTrue("the dropped router did not appear within 10 s", waitForRouter("tempered-choice", true));

    // a spec naming it trains, through the same command line service bin/moma uses
    Path work = java.nio.file.Files.createTempDirectory("moma-itest-run");
    Path spec = java.nio.file.Files.writeString(work.resolve("spec.json"),
        "{\"name\": \"hot\", \"device\": \"cpu\", \"output\": \"" + work.resolve("run") + "\","
            + " \"data\": {\"name\": \"synthetic\"},"
            + " \"model\": {\"dModel\": 16, \"layers\": 1, \"heads\": 2, \"ffnDim\": 32, \"seqLen\": 16,"
            + "  \"ffn\": {\"name\": \"moe\", \"options\": {\"experts\": 4, \"router\": {\"name\": \"tempered-choice\","
            + "   \"options\": {\"temperature\": 0.5}}}}},"
            + " \"training\": {\"steps\": 3, \"batchSize\": 2, \"warmupSteps\": 1}}");
    assertEquals(0, cli("run", spec.toString()));
    assertEquals(3, java.nio.file.Files.readAllLines(work.resolve("run/metrics.jsonl")).size());

    java.nio.file.Files.delete(jar);
    assertTrue("the removed router is still registered", waitForRouter("tempered-choice", false));
    assertEquals("a spec naming a removed plugin must fail cleanly", 2, cli("run", spec.toString()));
    java.nio.file.Files.copy(Path.of(System.getProperty("moma.example.router")), jar);
    assertTrue("the redeployed router did not come back", waitForRouter("tempered-choice", true));
    java.nio.file.Files.delete(jar);
    waitForRouter("tempered-choice", false);
  }

  @Test
  public void aPluginBuiltAgainstAnIncompatibleApiIsRefusedAtResolveTime() throws Exception {
    java.util.jar.Manifest manifest = new java.util.jar.Manifest();
    java.util.jar.Attributes main = manifest.getMainAttributes();
    main.put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
    main.putValue("Bundle-ManifestVersion", "2");
    main.putValue("Bundle-SymbolicName", "org.example.future");
    main.putValue("Import-Package", "org.moma.api;version=\"[2.0,3)\"");
    Path jar = java.nio.file.Files.createTempFile("future", ".jar");
    try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(java.nio.file.Files.newOutputStream(jar), manifest)) {
      out.flush();
    }
    Bundle future = context.installBundle(jar.toUri().toString());
    try {
      future.start();
      fail("a bundle needing API 2.x started against API 0.1");
    } catch (org.osgi.framework.BundleException e) {
      assertEquals(org.osgi.framework.BundleException.RESOLVE_ERROR, e.getType());
      assertTrue(e.getMessage(), e.getMessage().contains("org.moma.api") && e.getMessage().contains("2.0.0"));
    } finally {
      future.uninstall();
    }
    assertNotNull("the platform must keep running", layer("dense"));
  }

  @Test
  public void aPluginThatThrowsIsReportedWithItsBundleAndTheRestOfThePlatformCarriesOn() throws Exception {
    Bundle faulty = context.installBundle(Path.of(System.getProperty("moma.faulty.jar")).toUri().toString());
    faulty.start();
    try {
      assertTrue("the healthy component of the faulty bundle did not register", waitForRouter("explodes-in-forward", true));
      String[] list = cliOutput("list");
      assertTrue(list[0], list[0].contains("router 'explodes-on-activation' of bundle org.moma.itest.faulty failed to activate"));
      assertTrue(list[0], list[0].contains("dense"));

      Path work = java.nio.file.Files.createTempDirectory("moma-itest-faulty");
      Path spec = java.nio.file.Files.writeString(work.resolve("spec.json"),
          "{\"name\": \"boom\", \"device\": \"cpu\", \"output\": \"" + work.resolve("boom") + "\","
              + " \"data\": {\"name\": \"synthetic\"},"
              + " \"model\": {\"dModel\": 16, \"layers\": 1, \"heads\": 2, \"ffnDim\": 32, \"seqLen\": 16,"
              + "  \"ffn\": {\"name\": \"moe\", \"options\": {\"experts\": 2, \"router\": {\"name\": \"explodes-in-forward\"}}}},"
              + " \"training\": {\"steps\": 5, \"batchSize\": 2, \"warmupSteps\": 1}}");
      Path notStarted = java.nio.file.Files.writeString(work.resolve("not-started.json"), java.nio.file.Files.readString(spec)
          .replace("explodes-in-forward", "explodes-on-activation"));
      String[] refused = cliOutput("run", notStarted.toString());
      assertTrue(refused[1], refused[1].contains("router 'explodes-on-activation' of bundle org.moma.itest.faulty failed to activate")
          && !refused[1].contains("unknown router"));

      String[] boom = cliOutput("run", spec.toString());
      assertEquals("1", boom[2]);
      assertTrue(boom[1], boom[1].contains("router bug after 2 calls")
          && boom[1].contains("raised in router plugin 'explodes-in-forward' of bundle org.moma.itest.faulty"));

      Path healthy = java.nio.file.Files.writeString(work.resolve("healthy.json"), java.nio.file.Files.readString(spec)
          .replace("\"boom\"", "\"healthy\"").replace(work.resolve("boom").toString(), work.resolve("healthy").toString())
          .replace("explodes-in-forward", "expert-choice"));
      assertEquals("other runs are not affected", 0, cli("run", healthy.toString()));
    } finally {
      faulty.uninstall();
    }
    String[] after = cliOutput("list");
    assertFalse("a failure is forgotten with its bundle: " + after[0], after[0].contains("explodes-on-activation"));
  }

  @Test
  public void aShellAssembledRunKeepsGoingOrEndsCleanlyWhenItsRouterIsRemovedMidRun() throws Exception {
    Path plugins = Path.of(System.getProperty("moma.itest.plugins"));
    Path jar = plugins.resolve("tempered-router-2.jar");
    java.nio.file.Files.copy(Path.of(System.getProperty("moma.example.router")), jar);
    assertTrue(waitForRouter("tempered-choice", true));
    Path work = java.nio.file.Files.createTempDirectory("moma-itest-shell");
    Path spec = java.nio.file.Files.writeString(work.resolve("base.json"),
        "{\"name\": \"shell\", \"device\": \"cpu\", \"data\": {\"name\": \"synthetic\"},"
            + " \"model\": {\"dModel\": 16, \"layers\": 1, \"heads\": 2, \"ffnDim\": 32, \"seqLen\": 16},"
            + " \"training\": {\"steps\": 400, \"batchSize\": 2, \"warmupSteps\": 1}}");
    Object shell = service("org.moma.cli.GogoCommands");
    invoke(shell, "load", spec.toString());
    // assembled interactively: swap in a sparse layer routed by the dropped-in router
    invoke(shell, "set", "model.ffn", "{\"name\": \"moe\", \"options\": {\"experts\": 2, \"router\": {\"name\": \"tempered-choice\"}}}");
    invoke(shell, "set", "output", work.resolve("run").toString());
    invoke(shell, "save", work.resolve("assembled.json").toString());
    assertTrue(java.nio.file.Files.readString(work.resolve("assembled.json")).contains("tempered-choice"));
    String started = (String) invoke(shell, "start");
    int id = Integer.parseInt(started.substring(1, started.indexOf(' ')));
    long deadline = System.currentTimeMillis() + 20_000;
    while (!java.nio.file.Files.exists(work.resolve("run/metrics.jsonl")) && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    java.nio.file.Files.delete(jar); // the bundle goes away while the run uses its router
    deadline = System.currentTimeMillis() + 120_000;
    String status = (String) shell.getClass().getMethod("status", int.class).invoke(shell, id);
    while (status.equals("running") || status.equals("starting")) {
      assertTrue("the run hangs after its plugin was removed", System.currentTimeMillis() < deadline);
      Thread.sleep(100);
      status = (String) shell.getClass().getMethod("status", int.class).invoke(shell, id);
    }
    assertTrue(status, status.equals("done") || status.startsWith("failed: "));
    assertTrue(waitForRouter("tempered-choice", false));
    assertNotNull("the platform must keep running", layer("dense"));
  }

  private Object service(String className) throws Exception {
    ServiceReference<?>[] refs = context.getAllServiceReferences(className, null);
    assertNotNull("no service " + className, refs);
    return context.getService(refs[0]);
  }

  private static Object invoke(Object target, String method, String... args) throws Exception {
    Class<?>[] types = new Class<?>[args.length];
    java.util.Arrays.fill(types, String.class);
    return target.getClass().getMethod(method, types).invoke(target, (Object[]) args);
  }

  /** Runs a command and returns {stdout, stderr, exit code}. */
  private String[] cliOutput(String... args) throws Exception {
    ServiceReference<?>[] refs = context.getAllServiceReferences("org.moma.cli.CommandLineService", null);
    Object service = context.getService(refs[0]);
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    Object code = service.getClass().getMethod("execute", String[].class, java.io.PrintWriter.class, java.io.PrintWriter.class)
        .invoke(service, args, new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true));
    return new String[] {out.toString(), err.toString(), String.valueOf(code)};
  }

  /** Calls the runtime's command line service as bin/moma does (by reflection). */
  private int cli(String... args) throws Exception {
    ServiceReference<?>[] refs = context.getAllServiceReferences("org.moma.cli.CommandLineService", null);
    assertNotNull("no command line service", refs);
    Object service = context.getService(refs[0]);
    return (Integer) service.getClass().getMethod("execute", String[].class).invoke(service, (Object) args);
  }

  private List<String> routers() throws Exception {
    List<String> names = new ArrayList<>();
    for (ServiceReference<org.moma.api.model.RouterPlugin> ref : context.getServiceReferences(org.moma.api.model.RouterPlugin.class, null)) {
      names.add((String) ref.getProperty(MomaPlugin.NAME_PROPERTY));
    }
    return names;
  }

  private boolean waitForRouter(String name, boolean present) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      if (routers().contains(name) == present) {
        return true;
      }
      Thread.sleep(50);
    }
    return false;
  }

  private Bundle find(String symbolicName) {
    for (Bundle b : context.getBundles()) {
      if (symbolicName.equals(b.getSymbolicName())) {
        return b;
      }
    }
    return null;
  }

  private LayerPlugin layer(String name) throws Exception {
    waitFor(name, true);
    Collection<ServiceReference<LayerPlugin>> refs =
        context.getServiceReferences(LayerPlugin.class, "(" + MomaPlugin.NAME_PROPERTY + "=" + name + ")");
    return refs.isEmpty() ? null : context.getService(refs.iterator().next());
  }

  private List<String> names() throws Exception {
    List<String> names = new ArrayList<>();
    for (ServiceReference<LayerPlugin> ref : context.getServiceReferences(LayerPlugin.class, null)) {
      names.add((String) ref.getProperty(MomaPlugin.NAME_PROPERTY));
    }
    return names;
  }

  /** DS activates asynchronously after a bundle starts: poll briefly. */
  private boolean waitFor(String name, boolean present) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      if (names().contains(name) == present) {
        return true;
      }
      Thread.sleep(20);
    }
    return false;
  }
}
