package org.moma.djl.internal;

import ai.djl.engine.Engine;
import ai.djl.pytorch.engine.PtEngineProvider;
import java.util.Dictionary;
import java.util.Hashtable;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the PyTorch engine once and publishes it as an OSGi service, so plugins can depend on it
 * (Declarative Services then orders their start after the natives are loaded).
 *
 * <p>DJL 0.32 finds {@code pytorch.properties}, the JNI library and engine providers through the
 * thread context class loader; inside OSGi that loader must be this bundle's, which also sees the
 * native fragment attached to it.
 */
public final class DjlActivator implements BundleActivator {
  private static final Logger LOG = LoggerFactory.getLogger(DjlActivator.class);
  private ServiceRegistration<Engine> registration;

  @Override
  public void start(BundleContext context) {
    // Nothing in this platform may reach the network: no telemetry, no native or model downloads,
    // unless the user lifted it for natives (MOMA_ALLOW_DOWNLOAD=1: bin/moma passes -Dai.djl.offline=false)
    if (!"false".equals(System.getProperty("ai.djl.offline"))) {
      System.setProperty("ai.djl.offline", "true");
    }
    System.setProperty("OPT_OUT_TRACKING", "true");
    System.setProperty("ai.djl.default_engine", "PyTorch");
    // Intra-op threads: bin/moma's launcher sets the cores of this process's share of the machine
    // (-Dai.djl.pytorch.num_threads=N overrides); one when started some other way.
    if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
      System.setProperty("ai.djl.pytorch.num_threads", "1");
    }
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(DjlActivator.class.getClassLoader());
    try {
      Engine.registerEngine(new PtEngineProvider());
      Engine engine = Engine.getEngine("PyTorch");
      Dictionary<String, Object> props = new Hashtable<>();
      props.put("engine.name", engine.getEngineName());
      props.put("engine.version", engine.getVersion());
      props.put("engine.gpus", engine.getGpuCount());
      registration = context.registerService(Engine.class, engine, props);
      LOG.info("PyTorch {} engine ready, {} GPU(s)", engine.getVersion(), engine.getGpuCount());
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  @Override
  public void stop(BundleContext context) {
    if (registration != null) {
      registration.unregister();
      registration = null;
    }
  }
}
