package org.moma.registry.internal;

import org.moma.registry.Plugins;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.moma.api.MomaPlugin;
import org.moma.api.PluginKind;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * The plugins registered in the OSGi service registry at the moment of the call: nothing is cached,
 * so a bundle dropped into {@code plugins/} shows up on the next call and a removed one disappears.
 */
@Component(service = {Plugins.class, ServiceRegistryPlugins.class})
public final class ServiceRegistryPlugins implements Plugins {
  private BundleContext context;
  private final Map<MomaPlugin, String> origins = new IdentityHashMap<>();
  /** Plugin services that could not be obtained in the last lookup, by component. */
  private final Map<String, Unavailable> unavailable = new java.util.concurrent.ConcurrentHashMap<>();

  /** A plugin that failed to activate: its kind and name, for a spec that names it, and the line that says so. */
  private record Unavailable(PluginKind kind, String name, String line) {}

  @Activate
  void activate(BundleContext bundleContext) {
    this.context = bundleContext;
  }

  @Override
  public List<MomaPlugin> all(PluginKind kind) {
    List<MomaPlugin> found = new ArrayList<>();
    try {
      ServiceReference<?>[] refs = context.getAllServiceReferences(kind.serviceType().getName(), null);
      if (refs != null) {
        for (ServiceReference<?> ref : refs) {
          Object service = context.getService(ref);
          String component = String.valueOf(ref.getProperty("component.name"));
          if (service == null) {
            // Declarative Services could not activate it: the plugin threw while starting
            String name = String.valueOf(ref.getProperty(MomaPlugin.NAME_PROPERTY));
            unavailable.put(component, new Unavailable(kind, name, kind.label() + " '" + name + "' of bundle "
                + (ref.getBundle() == null ? "?" : ref.getBundle().getSymbolicName())
                + " failed to activate and is not available (component " + component + "; logs/moma.log has the exception)"));
            continue;
          }
          unavailable.remove(component);
          // a plugin compiled against another copy of the API is not ours to call
          if (kind.serviceType().isInstance(service)) {
            MomaPlugin plugin = (MomaPlugin) service;
            synchronized (origins) {
              origins.put(plugin, ref.getBundle() == null ? "?" : ref.getBundle().getSymbolicName());
            }
            found.add(plugin);
          }
        }
      }
    } catch (InvalidSyntaxException e) {
      throw new IllegalStateException(e);
    }
    found.sort(Comparator.comparing(MomaPlugin::name));
    return found;
  }

  @Override
  public String failedToActivate(PluginKind kind, String name) {
    unavailable.values().removeIf(u -> u.kind() == kind && u.name().equals(name)); // only a failure seen in this lookup counts
    all(kind);
    return unavailable.values().stream().filter(u -> u.kind() == kind && u.name().equals(name)).map(Unavailable::line)
        .findFirst().orElse(null);
  }

  @Override
  public List<String> failures() {
    unavailable.clear(); // a failure whose bundle has gone is no longer a problem
    for (PluginKind kind : PluginKind.values()) {
      all(kind); // looking plugins up is what activates them, and what finds those that fail
    }
    List<String> failed = new ArrayList<>(new java.util.TreeMap<>(unavailable).values().stream().map(Unavailable::line).toList());
    org.osgi.framework.ServiceReference<org.osgi.service.component.runtime.ServiceComponentRuntime> ref =
        context.getServiceReference(org.osgi.service.component.runtime.ServiceComponentRuntime.class);
    if (ref != null) {
      org.osgi.service.component.runtime.ServiceComponentRuntime scr = context.getService(ref);
      try {
        for (var description : scr.getComponentDescriptionDTOs()) {
          for (var configuration : scr.getComponentConfigurationDTOs(description)) {
            if (configuration.state == org.osgi.service.component.runtime.dto.ComponentConfigurationDTO.FAILED_ACTIVATION
                && !unavailable.containsKey(description.name)) {
              failed.add(description.name + " in bundle " + description.bundle.symbolicName + " failed to activate: "
                  + firstLine(configuration.failure));
            }
          }
        }
      } finally {
        context.ungetService(ref);
      }
    }
    for (org.osgi.framework.Bundle bundle : context.getBundles()) {
      if (bundle.getState() == org.osgi.framework.Bundle.INSTALLED) {
        failed.add("bundle " + bundle.getSymbolicName() + " is not resolved (" + bundle.getLocation()
            + "): an import cannot be satisfied, e.g. a plugin built for another API version");
      } else if (droppedIn(bundle) && !registersPlugin(bundle)) {
        failed.add("bundle " + bundle.getSymbolicName() + " (" + bundle.getLocation() + ") registers no plugin: its jar holds"
            + " no @Component for a plugin interface, or its package was not included (see docs/plugins.md)");
      }
    }
    return failed;
  }

  /** A bundle FileInstall installed from the plugins folder (not a fragment). */
  private boolean droppedIn(org.osgi.framework.Bundle bundle) {
    String folder = context.getProperty("felix.fileinstall.dir");
    return folder != null && bundle.getHeaders().get(org.osgi.framework.Constants.FRAGMENT_HOST) == null
        && bundle.getLocation().contains(java.nio.file.Path.of(folder).toAbsolutePath().normalize().toUri().getPath());
  }

  /** Whether any service the bundle registered is a plugin of some kind. */
  private static boolean registersPlugin(org.osgi.framework.Bundle bundle) {
    ServiceReference<?>[] services = bundle.getRegisteredServices();
    if (services == null) {
      return false;
    }
    for (ServiceReference<?> ref : services) {
      for (String type : (String[]) ref.getProperty(org.osgi.framework.Constants.OBJECTCLASS)) {
        for (PluginKind kind : PluginKind.values()) {
          if (kind.serviceType().getName().equals(type)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  private static String firstLine(String text) {
    if (text == null) {
      return "?";
    }
    String line = text.lines().findFirst().orElse(text);
    return line.length() > 300 ? line.substring(0, 300) + "…" : line;
  }

  @Override
  public String origin(MomaPlugin plugin) {
    synchronized (origins) {
      return origins.getOrDefault(plugin, "?");
    }
  }
}
