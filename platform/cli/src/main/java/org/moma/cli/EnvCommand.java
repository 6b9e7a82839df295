package org.moma.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code moma env}: the engine route this process took, for a person or (with {@code --json}) a
 * script: Java, the libtorch in use (folder, version, flavor, bundled or external), the JNI file,
 * the devices (GPU names from {@code nvidia-smi}, since DJL gives only their count and memory), the
 * intra-op threads, the memory allocator and whether Open MPI is present.
 */
@Command(name = "env", mixinStandardHelpOptions = true,
    description = "Show Java, the libtorch and JNI in use, the devices, threads, allocator and Open MPI.")
final class EnvCommand implements Callable<Integer> {
  @ParentCommand MomaCommand parent;

  @Option(names = "--json", description = "one JSON object instead of lines") boolean json;

  @Override
  public Integer call() throws IOException {
    Map<String, Object> env = describe();
    if (json) {
      parent.out.println(new ObjectMapper().writeValueAsString(env));
    } else {
      @SuppressWarnings("unchecked")
      Map<String, Object> libtorch = (Map<String, Object>) env.get("libtorch");
      parent.out.printf(Locale.ROOT, "java       %s%n", env.get("java"));
      parent.out.printf(Locale.ROOT, "libtorch   %s %s (%s) in %s%n", libtorch.get("version"), libtorch.get("flavor"),
          libtorch.get("source"), libtorch.get("path"));
      parent.out.printf(Locale.ROOT, "jni        %s%n", env.get("jni"));
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> devices = (List<Map<String, Object>>) env.get("devices");
      for (Map<String, Object> d : devices) {
        parent.out.printf(Locale.ROOT, "device     %s: %s%s%n", d.get("id"), d.get("name"),
            d.containsKey("memory") ? String.format(Locale.ROOT, ", %.1f GiB", ((Number) d.get("memory")).doubleValue() / (1L << 30)) : "");
      }
      parent.out.printf(Locale.ROOT, "threads    %s intra-op%n", env.get("threads"));
      parent.out.printf(Locale.ROOT, "allocator  %s%n", env.get("allocator"));
      parent.out.printf(Locale.ROOT, "mpi        %s%n", env.get("mpi"));
    }
    parent.out.flush();
    return 0;
  }

  static Map<String, Object> describe() throws IOException {
    Engine engine = Engine.getEngine("PyTorch"); // loads libtorch: what is reported is what is in use
    Map<String, Object> env = new LinkedHashMap<>();
    env.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version") + " ("
        + System.getProperty("java.vendor") + ", " + System.getProperty("java.home") + ")");
    env.put("libtorch", libtorch());
    env.put("jni", loaded("libdjl_torch.so"));
    env.put("devices", devices(engine));
    env.put("threads", Integer.getInteger("ai.djl.pytorch.num_threads", Runtime.getRuntime().availableProcessors()));
    env.put("allocator", allocator());
    env.put("mpi", mpi());
    return env;
  }

  /** The libtorch folder with its version and flavor: external as the launcher found it, else the bundled one. */
  private static Map<String, Object> libtorch() throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    String loaded = loaded("libtorch.so"); // the truth: where this process mapped libtorch from
    if ("external".equals(System.getProperty("moma.libtorch.source"))) {
      m.put("path", loaded != null ? Path.of(loaded).getParent().toString() : System.getProperty("moma.libtorch.path"));
      m.put("version", System.getProperty("moma.libtorch.version"));
      m.put("flavor", System.getProperty("moma.libtorch.flavor"));
      m.put("source", "external");
      return m;
    }
    m.put("path", loaded != null ? Path.of(loaded).getParent().toString() : ai.djl.pytorch.jni.LibUtils.getLibtorchPath());
    Properties bundled = new Properties();
    try (var in = ai.djl.pytorch.jni.LibUtils.class.getClassLoader().getResourceAsStream("native/lib/pytorch.properties")) {
      if (in != null) {
        bundled.load(in);
      }
    }
    m.put("version", bundled.getProperty("version", ai.djl.pytorch.jni.LibUtils.getVersion()));
    m.put("flavor", bundled.getProperty("flavor", "unknown"));
    m.put("source", "bundled");
    return m;
  }

  /** The file a loaded native library came from, read from this process's memory map (Linux), or null. */
  static String loaded(String name) throws IOException {
    Path maps = Path.of("/proc/self/maps");
    if (!Files.isReadable(maps)) {
      return null;
    }
    for (String line : Files.readAllLines(maps, StandardCharsets.UTF_8)) {
      int slash = line.indexOf('/');
      if (slash >= 0) {
        String file = line.substring(slash);
        String base = file.substring(file.lastIndexOf('/') + 1);
        if (base.equals(name) || base.endsWith("-" + name)) {
          return file;
        }
      }
    }
    return null;
  }

  /** The CPU, then each GPU with its name (from nvidia-smi when present) and memory. */
  private static List<Map<String, Object>> devices(Engine engine) throws IOException {
    List<Map<String, Object>> devices = new ArrayList<>();
    Map<String, Object> cpu = new LinkedHashMap<>();
    cpu.put("id", "cpu");
    cpu.put("name", cpuName() + ", " + Runtime.getRuntime().availableProcessors() + " cores");
    devices.add(cpu);
    List<String[]> smi = nvidiaSmi();
    for (int i = 0; i < engine.getGpuCount(); i++) {
      Map<String, Object> gpu = new LinkedHashMap<>();
      gpu.put("id", "gpu:" + i);
      gpu.put("name", i < smi.size() ? smi.get(i)[0] : "CUDA device " + i);
      long memory = i < smi.size() ? Long.parseLong(smi.get(i)[1]) << 20
          : ai.djl.util.cuda.CudaUtils.getGpuMemory(Device.gpu(i)).getMax();
      gpu.put("memory", memory);
      devices.add(gpu);
    }
    return devices;
  }

  private static String cpuName() throws IOException {
    Path info = Path.of("/proc/cpuinfo");
    if (Files.isReadable(info)) {
      for (String line : Files.readAllLines(info)) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    }
    return System.getProperty("os.arch");
  }

  /** {name, MiB} per GPU from nvidia-smi; empty where it is missing or fails. */
  private static List<String[]> nvidiaSmi() {
    List<String[]> gpus = new ArrayList<>();
    try {
      Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader,nounits")
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
        for (String line : out.split("\\R")) {
          int comma = line.lastIndexOf(',');
          if (comma > 0) {
            gpus.add(new String[] {line.substring(0, comma).trim(), line.substring(comma + 1).trim()});
          }
        }
      }
    } catch (IOException | NumberFormatException e) {
      return List.of(); // no nvidia-smi: names fall back to DJL's count
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return gpus;
  }

  /** What bin/moma chose (tcmalloc when installed, else glibc with raised thresholds), and whether it is loaded. */
  private static String allocator() throws IOException {
    String chosen = System.getenv().getOrDefault("MOMA_ALLOCATOR", "glibc");
    String tcmalloc = loaded("libtcmalloc_minimal.so.4");
    if (tcmalloc == null) {
      tcmalloc = loaded("libtcmalloc.so.4");
    }
    if (tcmalloc != null) {
      return "tcmalloc (" + tcmalloc + ")";
    }
    return chosen.equals("glibc") && System.getenv("MALLOC_MMAP_THRESHOLD_") != null
        ? "glibc (raised thresholds: MALLOC_MMAP_THRESHOLD_=" + System.getenv("MALLOC_MMAP_THRESHOLD_") + ")" : "glibc (defaults)";
  }

  /** Where mpirun is, or "absent". */
  private static String mpi() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path mpirun = Path.of(dir.isEmpty() ? "." : dir, "mpirun");
      if (Files.isExecutable(mpirun)) {
        return "present (" + mpirun + ")";
      }
    }
    return "absent (apt-get install openmpi-bin libopenmpi-dev)";
  }
}
