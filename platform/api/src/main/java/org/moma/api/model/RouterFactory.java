package org.moma.api.model;

import org.moma.api.spec.PluginRef;

/**
 * Builds a router from a spec reference, looking the plugin up in the running registry. Given to
 * layer plugins so they can name routers without depending on any router bundle.
 */
public interface RouterFactory {
  /**
   * @param path JSON path of {@code ref} in the spec, used in error messages
   */
  RouterBlock create(PluginRef ref, RouterContext context, String path);
}
