package org.moma.api;

import ai.djl.Device;
import ai.djl.engine.Engine;

/**
 * The device option every part of the platform honours: {@code cpu}, {@code gpu} (= gpu:0),
 * {@code gpu:N}, or {@code auto} (the first GPU when the engine sees one, else the CPU).
 */
public record DeviceSpec(String kind, int index) {

  public static DeviceSpec parse(String text) {
    String t = text == null ? "auto" : text.trim().toLowerCase(java.util.Locale.ROOT);
    if (t.equals("cpu") || t.equals("auto")) {
      return new DeviceSpec(t, 0);
    }
    if (t.equals("gpu")) {
      return new DeviceSpec("gpu", 0);
    }
    if (t.startsWith("gpu:")) {
      try {
        int index = Integer.parseInt(t.substring(4));
        if (index >= 0) {
          return new DeviceSpec("gpu", index);
        }
      } catch (NumberFormatException ignored) {
        // fall through to the error below
      }
    }
    throw new IllegalArgumentException(
        "unknown device '" + text + "' (use cpu, gpu, gpu:N or auto)");
  }

  /** Resolves against the engine's visible GPUs; asking for a GPU that is not there is an error. */
  public Device resolve(Engine engine) {
    int gpus = engine.getGpuCount();
    switch (kind) {
      case "cpu":
        return Device.cpu();
      case "auto":
        return gpus > 0 ? Device.gpu(0) : Device.cpu();
      default:
        if (index >= gpus) {
          throw new IllegalArgumentException(
              "device gpu:" + index + " requested but the engine sees " + gpus + " GPU(s)"
                  + (gpus == 0 ? " (CPU-only natives? build with -Pcuda on a CUDA machine)" : ""));
        }
        return Device.gpu(index);
    }
  }

  @Override
  public String toString() {
    return kind.equals("gpu") ? "gpu:" + index : kind;
  }
}
