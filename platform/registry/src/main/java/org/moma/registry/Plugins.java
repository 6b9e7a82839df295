package org.moma.registry;

import java.util.List;
import java.util.stream.Collectors;
import org.moma.api.MomaPlugin;
import org.moma.api.PluginKind;
import org.moma.api.SpecException;

/**
 * The plugins installed now, by kind and name. In the platform this is the OSGi service registry;
 * unit tests use a fixed list.
 */
public interface Plugins {
  /** Installed plugins of a kind, sorted by name. */
  List<MomaPlugin> all(PluginKind kind);

  /** The bundle (or other origin) a plugin comes from, for messages. */
  String origin(MomaPlugin plugin);

  /** Plugins that are installed but failed to start, one readable line each (none outside OSGi). */
  default List<String> failures() {
    return List.of();
  }

  /**
   * " (raised in plugin 'x' of bundle y)" when a frame of the failure's stack belongs to an installed
   * plugin, else "": errors from plugin code name the plugin and its bundle.
   */
  default String blame(Throwable failure) {
    List<MomaPlugin> all = new java.util.ArrayList<>();
    for (PluginKind kind : PluginKind.values()) {
      all.addAll(all(kind));
    }
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof org.moma.api.model.Routing.ContractViolation) {
        return ""; // it names the router plugin, its bundle and group; the stack would blame the layer
      }
      for (StackTraceElement frame : t.getStackTrace()) {
        String cls = frame.getClassName();
        // the plugin whose own class raised it; else, where several plugins share a package, only their bundle is known
        List<MomaPlugin> samePackage = new java.util.ArrayList<>();
        for (MomaPlugin plugin : all) {
          String pkg = plugin.getClass().getPackageName();
          if (pkg.startsWith("org.moma.api") || !cls.startsWith(pkg + ".")) {
            continue;
          }
          if (cls.equals(plugin.getClass().getName()) || cls.startsWith(plugin.getClass().getName() + "$")) {
            return raisedIn(plugin);
          }
          samePackage.add(plugin);
        }
        if (samePackage.size() == 1) {
          return raisedIn(samePackage.get(0));
        }
        if (!samePackage.isEmpty()) {
          return " (raised in bundle " + origin(samePackage.get(0)) + ", in " + cls.substring(cls.lastIndexOf('.') + 1) + ")";
        }
      }
    }
    return "";
  }

  private String raisedIn(MomaPlugin plugin) {
    return " (raised in " + PluginKind.kindOf(plugin) + " plugin '" + plugin.name() + "' of bundle " + origin(plugin) + ")";
  }

  /** One line when a plugin of that kind and name is installed but failed to activate, else null. */
  default String failedToActivate(PluginKind kind, String name) {
    return null;
  }

  /**
   * The plugin of that kind and name.
   *
   * @param path JSON path of the name in the spec, for the error message
   * @throws SpecException naming the path and listing the installed names when there is none, or
   *     saying that it failed to activate
   */
  default <T extends MomaPlugin> T require(PluginKind kind, Class<T> type, String name, String path) {
    List<MomaPlugin> installed = all(kind);
    for (MomaPlugin plugin : installed) {
      if (plugin.name().equals(name)) {
        return type.cast(plugin);
      }
    }
    String failed = failedToActivate(kind, name);
    if (failed != null) {
      throw new SpecException(path, failed);
    }
    String names =
        installed.isEmpty()
            ? "none installed"
            : "installed: " + installed.stream().map(MomaPlugin::name).collect(Collectors.joining(", "));
    throw new SpecException(path, "unknown " + kind.label() + " '" + name + "' (" + names + ")");
  }
}
