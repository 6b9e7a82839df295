package org.moma.runtime.registry;

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
  public String origin(MomaPlugin plugin) {
    synchronized (origins) {
      return origins.getOrDefault(plugin, "?");
    }
  }
}
