package org.moma.console;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.moma.console.internal.AccessGate;
import org.moma.console.internal.ApiServlet;
import org.moma.console.internal.MetricsTail;
import org.moma.console.internal.PageServlet;
import org.moma.console.internal.RunProcesses;
import org.moma.console.internal.RunsRoot;
import org.moma.registry.Plugins;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code moma console}: serves the runs folder, the installed plugins and a form for new runs on
 * the OSGi HTTP Whiteboard (Apache Felix HTTP on Jetty, installed by the launcher for this command
 * only, with its port closed until the console has put its access rules in place). The launcher
 * calls {@link #execute} by reflection, as it does the command-line service.
 */
@Component(service = ConsoleService.class)
public final class ConsoleService {
  /** Felix HTTP's configuration: the port opens when the console writes it. */
  static final String HTTP_PID = "org.apache.felix.http";

  private final Plugins plugins;
  private final ConfigurationAdmin configurations;
  private final BundleContext context;
  private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
  private final CountDownLatch closed = new CountDownLatch(1);
  private volatile RunProcesses processes;

  @Activate
  public ConsoleService(@Reference Plugins plugins, @Reference ConfigurationAdmin configurations, BundleContext context) {
    this.plugins = plugins;
    this.configurations = configurations;
    this.context = context;
  }

  @Command(name = "moma console", mixinStandardHelpOptions = true,
      description = "Serve the runs of a folder, their live metrics, the installed plugins and a form for new runs in a browser.")
  static final class Settings {
    @Option(names = "--port", description = "port to listen on (default ${DEFAULT-VALUE})")
    int port = 8080;

    @Option(names = "--runs", paramLabel = "DIR", description = "the runs folder (default ${DEFAULT-VALUE})")
    Path runs = Path.of("runs");

    @Option(names = "--host", paramLabel = "ADDR",
        description = "address to listen on (default 127.0.0.1); with it, every request needs the token")
    String host;

    @Option(names = "--token-file", paramLabel = "F", description = "read the token from this file instead of making one")
    Path tokenFile;
  }

  /** Runs the console until the process is stopped (Ctrl-C, SIGTERM); returns an exit code. */
  public int execute(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    Settings settings = new Settings();
    CommandLine line = new CommandLine(settings);
    String[] own = args.length > 0 && args[0].equals("console") ? java.util.Arrays.copyOfRange(args, 1, args.length) : args;
    try {
      line.parseArgs(own);
    } catch (CommandLine.ParameterException e) {
      err.println("error: " + e.getMessage());
      return 2;
    }
    if (line.isUsageHelpRequested()) {
      line.usage(out);
      return 0;
    }
    if (settings.port < 0 || settings.port > 65535) {
      err.println("error: --port must be in 0..65535, found " + settings.port);
      return 2;
    }
    String host = settings.host == null ? "127.0.0.1" : settings.host;
    try {
      String token = token(settings);
      RunsRoot runs = new RunsRoot(settings.runs.toAbsolutePath());
      String home = System.getProperty("moma.home", ".");
      processes = new RunProcesses(List.of(Path.of(home, "bin", "moma").toAbsolutePath().toString()), runs);
      register(new AccessGate(token), new ApiServlet(runs, new MetricsTail(), processes, plugins));
      listen(host, settings.port);
      String address = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + settings.port + "/";
      out.printf("console: %s%s%n", address, token == null ? "" : "?token=" + token);
      out.printf("runs: %s%n", runs.path());
      if (token != null) {
        out.printf("token: %s (every request needs it: Authorization: Bearer TOKEN, or open the address above)%n", token);
      }
      out.println("Ctrl-C ends the console; the runs it started stop with a checkpoint, resumable.");
      closed.await();
      return 0;
    } catch (IllegalArgumentException | IOException e) {
      err.println("error: " + e.getMessage());
      return 2;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  /**
   * A signal ends the console (the launcher exits when this returns false). The runs it started get
   * SIGTERM first and a little time to finish their step and write a checkpoint: none is left
   * training without a console, and each can be resumed.
   */
  public boolean requestStop(String signal) {
    RunProcesses running = processes;
    if (running != null) {
      int stopped = running.stopAll(java.time.Duration.ofSeconds(60));
      if (stopped > 0) {
        System.err.printf("moma console: %s: stopped %d run(s) it started, each with a checkpoint (resume them from the console)%n",
            signal, stopped);
      }
    }
    return false;
  }

  private static String token(Settings settings) throws IOException {
    if (settings.tokenFile != null) {
      if (!Files.isRegularFile(settings.tokenFile)) {
        throw new IllegalArgumentException("--token-file " + settings.tokenFile + ": no such file");
      }
      String token = Files.readString(settings.tokenFile, StandardCharsets.UTF_8).strip();
      if (token.length() < 16 || !token.matches("[\\x21-\\x7e]+")) {
        throw new IllegalArgumentException("--token-file " + settings.tokenFile + ": a token is 16 or more printable characters, no spaces");
      }
      return token;
    }
    if (settings.host == null) {
      return null; // loopback only
    }
    byte[] random = new byte[24];
    new SecureRandom().nextBytes(random);
    return HexFormat.of().formatHex(random);
  }

  private void register(AccessGate gate, ApiServlet api) {
    Hashtable<String, Object> none = new Hashtable<>();
    registrations.add(context.registerService(org.osgi.service.servlet.whiteboard.Preprocessor.class, gate, none));
    registrations.add(context.registerService(org.apache.felix.webconsole.spi.SecurityProvider.class,
        new org.moma.console.internal.WebConsoleAccess(), none));
    Hashtable<String, Object> apiProps = new Hashtable<>();
    apiProps.put("osgi.http.whiteboard.servlet.pattern", "/api/*");
    apiProps.put("osgi.http.whiteboard.servlet.name", "moma-api");
    registrations.add(context.registerService(jakarta.servlet.Servlet.class, api, apiProps));
    Hashtable<String, Object> pageProps = new Hashtable<>();
    pageProps.put("osgi.http.whiteboard.servlet.pattern", "/");
    pageProps.put("osgi.http.whiteboard.servlet.name", "moma-pages");
    registrations.add(context.registerService(jakarta.servlet.Servlet.class, new PageServlet(), pageProps));
  }

  /** Opens the port (Felix HTTP starts closed in a console) and waits until it accepts connections. */
  private void listen(String host, int port) throws IOException, InterruptedException {
    String probe = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
    if (accepts(probe, port)) {
      throw new IOException("port " + port + " on " + host + " is taken by another program: choose another with --port");
    }
    Configuration http = configurations.getConfiguration(HTTP_PID, null);
    Hashtable<String, Object> props = new Hashtable<>();
    props.put("org.apache.felix.http.enable", "true");
    props.put("org.apache.felix.https.enable", "false");
    props.put("org.osgi.service.http.port", String.valueOf(port));
    props.put("org.apache.felix.http.host", host);
    http.update(props);
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      if (accepts(probe, port)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IOException("cannot listen on " + host + ":" + port + " (is the port taken? see logs/moma.log)");
  }

  private static boolean accepts(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Deactivate
  void deactivate() {
    registrations.forEach(ServiceRegistration::unregister);
    closed.countDown();
  }
}
