package org.moma.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.felix.framework.FrameworkFactory;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MarkerFactory;

/**
 * {@code bin/moma}: starts Felix with every bundle of {@code bundle/}, FileInstall watching
 * {@code plugins/}, then either hands the arguments to the runtime's command-line service or, for
 * {@code moma shell}, leaves the console to the Gogo shell.
 */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);
  static final String CLI_SERVICE = "org.moma.cli.CommandLineService";
  /** {@code moma console}'s entry point, in a bundle of its own under {@code bundle/console/}. */
  static final String CONSOLE_SERVICE = "org.moma.console.ConsoleService";
  private static final long SERVICE_TIMEOUT_MS = 60_000;

  private Main() {}

  public static void main(String[] args) {
    int code;
    try {
      code = run(args);
    } catch (LaunchException e) {
      LOG.error(MarkerFactory.getMarker("REPORTED"), "launch failed", e);
      System.err.println("error: " + e.getMessage());
      code = 1;
    } catch (ExternalLibtorch.Refused e) {
      System.err.println("error: " + e.getMessage()); // a setting the user gave: bad input, nothing started
      code = 2;
    }
    System.exit(code);
  }

  static int run(String[] args) throws LaunchException, ExternalLibtorch.Refused {
    Path home = Path.of(System.getProperty("moma.home", ".")).toAbsolutePath().normalize();
    // before the framework: DJL given a folder without libtorch would silently take the bundled one
    ExternalLibtorch libtorch = ExternalLibtorch.fromEnvironment(System.getenv(), home);
    if (libtorch != null) {
      libtorch.apply();
    }
    int ranksHere = ranksOnThisMachine(System.getenv());
    System.setProperty(LOCAL_RANKS, String.valueOf(ranksHere)); // what the collectives bundle reports as localSize
    if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
      System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(intraOpThreads(ranksHere)));
    }
    boolean shell = args.length > 0 && args[0].equals("shell");
    boolean console = args.length > 0 && args[0].equals("console");
    Framework framework = start(home, shell, console);
    try {
      if (shell) {
        framework.waitForStop(0);
        return 0;
      }
      awaitPlugins(framework.getBundleContext(), Path.of(framework.getBundleContext().getProperty("felix.fileinstall.dir")));
      return invokeCli(framework.getBundleContext(), console ? CONSOLE_SERVICE : CLI_SERVICE, args);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    } finally {
      stop(framework);
    }
  }

  /** System property telling the bundles how many ranks of the job share this machine. */
  static final String LOCAL_RANKS = "moma.localRanks";

  /**
   * Ranks of this process's job on this machine, as the launcher says: Open MPI's
   * {@code OMPI_COMM_WORLD_LOCAL_SIZE}, Slurm's {@code SLURM_NTASKS_PER_NODE} or
   * {@code SLURM_TASKS_PER_NODE} ("4(x2)"); one for a process on its own.
   */
  static int ranksOnThisMachine(Map<String, String> env) {
    for (String key : new String[] {"OMPI_COMM_WORLD_LOCAL_SIZE", "SLURM_NTASKS_PER_NODE", "SLURM_TASKS_PER_NODE"}) {
      String v = env.get(key);
      if (v != null && v.matches("\\d+.*")) {
        return Math.max(1, Integer.parseInt(v.replaceAll("\\D.*", "")));
      }
    }
    return 1;
  }

  /** libtorch's intra-op threads for this process: its share of the machine's cores, at least one. */
  static int intraOpThreads(int ranksHere) {
    return Math.max(1, Runtime.getRuntime().availableProcessors() / ranksHere);
  }

  /**
   * Boots the framework and starts every bundle; a bundle that fails is a launch error naming it.
   * Only {@code moma console} installs the HTTP bundles ({@code bundle/console/}), with the port
   * closed until the console has its access rules in place: no other command opens a port.
   */
  static Framework start(Path home, boolean shell, boolean console) throws LaunchException {
    Map<String, String> config = frameworkConfig(home, shell);
    if (console) {
      config.put("org.apache.felix.http.enable", "false");
      config.put("org.apache.felix.https.enable", "false");
    }
    Framework framework = new FrameworkFactory().newFramework(config);
    try {
      framework.init();
      framework.start();
      BundleContext context = framework.getBundleContext();
      if (HostReadWeaver.enabled(System.getenv())) {
        // before any bundle loads a DJL class
        context.registerService(org.osgi.framework.hooks.weaving.WeavingHook.class, new HostReadWeaver(), null);
      }
      List<Bundle> installed = new ArrayList<>();
      List<Path> jars = new ArrayList<>(bundleJars(home.resolve("bundle"), shell));
      if (console) {
        jars.addAll(bundleJars(home.resolve("bundle/console"), false));
      }
      for (Path jar : jars) {
        installed.add(context.installBundle("reference:" + jar.toUri()));
      }
      for (Bundle bundle : installed) {
        if (bundle.getHeaders().get(Constants.FRAGMENT_HOST) != null) {
          continue;
        }
        try {
          bundle.start();
        } catch (BundleException e) {
          throw new LaunchException(
              "bundle " + bundle.getSymbolicName() + " failed to start: " + rootMessage(e), e);
        }
      }
      return framework;
    } catch (BundleException e) {
      stop(framework);
      throw new LaunchException("cannot start the OSGi framework: " + rootMessage(e), e);
    } catch (LaunchException e) {
      stop(framework);
      throw e;
    }
  }

  static Map<String, String> frameworkConfig(Path home, boolean shell) throws LaunchException {
    Map<String, String> config = new HashMap<>();
    Path cache;
    try {
      cache = FrameworkCache.create(home);
    } catch (IOException e) {
      throw new LaunchException("cannot create the framework cache: " + e.getMessage(), e);
    }
    config.put(Constants.FRAMEWORK_STORAGE, cache.toString());
    config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
    config.put("felix.fileinstall.dir", home.resolve("plugins").toString());
    config.put("felix.fileinstall.tmpdir", cache.resolve("fileinstall").toString()); // not /tmp: removed with the cache
    config.put("felix.fileinstall.poll", "500");
    config.put("felix.fileinstall.noInitialDelay", "true");
    config.put("felix.fileinstall.log.level", "2");
    config.put("gosh.args", shell ? "" : "--nointeractive --noshutdown");
    Properties file = new Properties();
    Path conf = home.resolve("conf/framework.properties");
    if (Files.isRegularFile(conf)) {
      try (InputStream in = Files.newInputStream(conf)) {
        file.load(in);
      } catch (IOException e) {
        throw new LaunchException(conf + ": cannot read: " + e.getMessage(), e);
      }
      file.stringPropertyNames().forEach(k -> config.put(k, file.getProperty(k).replace("${moma.home}", home.toString())));
    }
    config.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, SystemPackages.EXTRA);
    return config;
  }

  /** The platform's bundles in name order; the Gogo shell only when a shell was asked for. */
  static List<Path> bundleJars(Path dir, boolean shell) throws LaunchException {
    if (!Files.isDirectory(dir)) {
      throw new LaunchException("no bundle folder at " + dir + " (is moma.home right?)", null);
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(p -> p.getFileName().toString().endsWith(".jar"))
          .filter(p -> shell || !p.getFileName().toString().contains("gogo.shell"))
          .sorted(Comparator.comparing(Path::toString))
          .toList();
    } catch (IOException e) {
      throw new LaunchException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Waits (at most a few seconds) until FileInstall has installed and started the jars already in
   * {@code plugins/}, so a one-shot command sees them as surely as a long-running shell does.
   */
  static void awaitPlugins(BundleContext context, Path plugins) throws InterruptedException {
    List<String> jars;
    try (Stream<Path> files = Files.isDirectory(plugins) ? Files.list(plugins) : Stream.empty()) {
      jars = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).toList();
    } catch (IOException e) {
      LOG.warn("cannot list {}", plugins, e);
      return;
    }
    long deadline = System.currentTimeMillis() + 5_000;
    while (System.currentTimeMillis() < deadline) {
      long settled = jars.stream().filter(jar -> {
        for (Bundle b : context.getBundles()) {
          if (b.getLocation().endsWith("/" + jar)) {
            return b.getState() == Bundle.ACTIVE || b.getState() == Bundle.RESOLVED
                || b.getHeaders().get(Constants.FRAGMENT_HOST) != null || b.getState() == Bundle.INSTALLED && unresolvable(context, b);
          }
        }
        return false;
      }).count();
      if (settled == jars.size()) {
        return;
      }
      Thread.sleep(20);
    }
    LOG.warn("plugins in {} not all started after 5 s", plugins);
  }

  /** An installed bundle that cannot resolve (FileInstall leaves it INSTALLED): nothing to wait for. */
  private static boolean unresolvable(BundleContext context, Bundle bundle) {
    org.osgi.framework.wiring.FrameworkWiring wiring = context.getBundle(0).adapt(org.osgi.framework.wiring.FrameworkWiring.class);
    return !wiring.resolveBundles(List.of(bundle));
  }

  /** Finds the runtime's command-line service (waiting for DS) and calls it by reflection. */
  static int invokeCli(BundleContext context, String service, String[] args) throws LaunchException, InterruptedException {
    long deadline = System.currentTimeMillis() + SERVICE_TIMEOUT_MS;
    while (true) {
      ServiceReference<?>[] refs;
      try {
        refs = context.getAllServiceReferences(service, null);
      } catch (org.osgi.framework.InvalidSyntaxException e) {
        throw new IllegalStateException(e);
      }
      if (refs != null && refs.length > 0) {
        Object cli = context.getService(refs[0]);
        StopSignals.install(cli);
        try {
          Method execute = cli.getClass().getMethod("execute", String[].class);
          return (Integer) execute.invoke(cli, (Object) args);
        } catch (InvocationTargetException e) {
          throw new LaunchException("command failed: " + rootMessage(e.getCause()), e.getCause());
        } catch (ReflectiveOperationException e) {
          throw new LaunchException("the runtime's command service is incompatible: " + e, e);
        } finally {
          context.ungetService(refs[0]);
        }
      }
      if (System.currentTimeMillis() > deadline) {
        throw new LaunchException(
            "the runtime did not become ready within " + SERVICE_TIMEOUT_MS / 1000 + " s: " + inactiveBundles(context), null);
      }
      Thread.sleep(20);
    }
  }

  private static String inactiveBundles(BundleContext context) {
    List<String> names = new ArrayList<>();
    for (Bundle b : context.getBundles()) {
      boolean fragment = b.getHeaders().get(Constants.FRAGMENT_HOST) != null;
      if (!fragment && b.getState() != Bundle.ACTIVE) {
        names.add(b.getSymbolicName());
      }
    }
    return names.isEmpty() ? "all bundles active (see logs/moma.log)" : "not active: " + String.join(", ", names);
  }

  static void stop(Framework framework) {
    try {
      framework.stop();
      framework.waitForStop(10_000);
    } catch (BundleException | InterruptedException e) {
      LOG.warn("framework did not stop cleanly", e);
    }
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    String message = e.getMessage();
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
      if (t.getMessage() != null) {
        message = t.getMessage();
      }
    }
    return message == null ? e.toString() : message.replaceAll("\\s*\\R\\s*", " ");
  }

  /** A failure to launch: said in one line to the user, with the stack trace in the log. */
  static final class LaunchException extends Exception {
    private static final long serialVersionUID = 1L;

    LaunchException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
