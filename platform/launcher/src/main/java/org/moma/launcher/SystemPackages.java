package org.moma.launcher;

/**
 * Packages the launcher's class path lends to the framework. SLF4J lives on the class path so that
 * every bundle, DJL included, logs through the one logback configuration in {@code conf/}.
 */
final class SystemPackages {
  private static final String SLF4J = "2.0.16";

  static final String EXTRA =
      String.join(
          ",",
          "org.slf4j;version=" + SLF4J,
          "org.slf4j.event;version=" + SLF4J,
          "org.slf4j.helpers;version=" + SLF4J,
          "org.slf4j.spi;version=" + SLF4J,
          // the 1.7 API is a subset of 2.0's: bundles that import [1.7,2) (the Felix Web Console) use it too
          "org.slf4j;version=1.7.36",
          "sun.misc");

  private SystemPackages() {}
}
