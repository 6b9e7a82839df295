package org.moma.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * {@code MOMA_LIBTORCH=DIR}: a libtorch folder the machine already has (pytorch.org's libtorch zip
 * or a pip torch's {@code lib/}), checked here before the framework starts, because DJL given a
 * folder without libtorch silently falls back to the bundled one. The folder's version, flavor
 * ({@code cpu}, {@code cu124} …) and C++ ABI are read from its files; a JNI in the folder is used as
 * it is (the GPU kit's route); otherwise the matching one is taken from the bundled
 * {@code pytorch-jni} jar into DJL's cache, and a libtorch no bundled JNI matches is refused.
 * What it finds is handed to DJL as {@code PYTORCH_LIBRARY_PATH}, {@code PYTORCH_VERSION} and
 * {@code PYTORCH_FLAVOR}, and to {@code moma env} as {@code moma.libtorch.*}.
 */
final class ExternalLibtorch {
  static final String VARIABLE = "MOMA_LIBTORCH";
  /** DJL's JNI names in a libtorch folder and in its cache. */
  private static final List<String> JNI_NAMES = List.of("libdjl_torch.so", "0.32.0-libdjl_torch.so");
  static final String DJL_VERSION = "0.32.0";
  /** The libtorch version the bundled pytorch-jni jar's JNIs were built against, and their flavors. */
  static final String BUNDLED_JNI_VERSION = "2.5.1";
  static final Set<String> BUNDLED_JNI_FLAVORS = Set.of("cpu", "cpu-precxx11", "cu124", "cu124-precxx11");
  private static final Pattern VERSION = Pattern.compile("(\\d+\\.\\d+\\.\\d+)(?:\\+([a-z0-9.]+))?");

  final Path folder;
  final String version;
  final String flavor;
  final Path jni;

  private ExternalLibtorch(Path folder, String version, String flavor, Path jni) {
    this.folder = folder;
    this.version = version;
    this.flavor = flavor;
    this.jni = jni;
  }

  /** A refused setting: exit 2 with one {@code error:} line. */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message);
    }
  }

  /**
   * The folder {@code MOMA_LIBTORCH} names, checked and made ready for DJL, or null when unset.
   *
   * @param home the distribution (its {@code bundle/} holds the pytorch-jni JNIs)
   */
  static ExternalLibtorch fromEnvironment(Map<String, String> env, Path home) throws Refused {
    String value = env.get(VARIABLE);
    if (value == null || value.isBlank()) {
      return null;
    }
    Path folder = Path.of(value).toAbsolutePath().normalize();
    if (!Files.isRegularFile(folder.resolve("libtorch.so"))) {
      throw new Refused(VARIABLE + "=" + value + " holds no libtorch.so: point it at a libtorch lib folder (pytorch.org's"
          + " libtorch/lib or a pip torch's torch/lib), or unset it to use the bundled libtorch");
    }
    String[] versionAndCuda = version(folder);
    boolean cuda = Files.isRegularFile(folder.resolve("libtorch_cuda.so"));
    String flavor = (cuda ? cudaFlavor(versionAndCuda[1], folder) : "cpu") + (cxx11Abi(folder) ? "" : "-precxx11");
    Path jni = JNI_NAMES.stream().map(folder::resolve).filter(Files::isRegularFile).findFirst().orElse(null);
    if (jni == null) {
      jni = bundledJni(home, versionAndCuda[0], flavor, env);
    }
    return new ExternalLibtorch(folder, versionAndCuda[0], flavor, jni);
  }

  /** Tells DJL where libtorch is (it reads these as system properties too) and {@code moma env} what was found. */
  void apply() {
    System.setProperty("PYTORCH_LIBRARY_PATH", folder.toString());
    System.setProperty("PYTORCH_VERSION", version);
    System.setProperty("PYTORCH_FLAVOR", flavor);
    if (System.getenv("PYTORCH_LIBRARY_EXCLUSION") == null) {
      System.setProperty("PYTORCH_LIBRARY_EXCLUSION", "libtorch_python.so"); // a pip torch's; it needs Python
    }
    System.setProperty("moma.libtorch.source", "external");
    System.setProperty("moma.libtorch.path", folder.toString());
    System.setProperty("moma.libtorch.version", version);
    System.setProperty("moma.libtorch.flavor", flavor);
    System.setProperty("moma.libtorch.jni", jni.toString());
  }

  /**
   * {version, cuda suffix or null}: from pytorch.org's {@code build-version} beside the lib folder, a
   * pip torch's {@code version.py}, else the version string inside {@code libtorch_cpu.so}.
   */
  static String[] version(Path folder) throws Refused {
    Path parent = folder.getParent();
    try {
      for (Path file : parent == null ? List.<Path>of() : List.of(parent.resolve("build-version"), parent.resolve("version.py"))) {
        if (Files.isRegularFile(file)) {
          String text = Files.readString(file, StandardCharsets.UTF_8);
          Matcher m = file.getFileName().toString().equals("version.py")
              ? Pattern.compile("__version__\\s*=\\s*'([^']+)'").matcher(text) : Pattern.compile("(\\S+)").matcher(text);
          if (m.find()) {
            Matcher v = VERSION.matcher(m.group(1));
            if (v.matches()) {
              return new String[] {v.group(1), v.group(2)};
            }
          }
        }
      }
      String inside = versionInside(folder.resolve("libtorch_cpu.so"));
      if (inside != null) {
        return new String[] {inside, null};
      }
    } catch (IOException e) {
      throw new Refused(VARIABLE + "=" + folder + ": cannot read its version: " + e.getMessage());
    }
    throw new Refused(VARIABLE + "=" + folder + ": cannot tell its libtorch version (no ../build-version, no ../version.py,"
        + " no version inside libtorch_cpu.so)");
  }

  /** The one {@code "2.x.y"} string libtorch_cpu.so carries (its ONNX exporter's producer version). */
  static String versionInside(Path library) throws IOException {
    if (!Files.isRegularFile(library)) {
      return null;
    }
    try (FileChannel channel = FileChannel.open(library)) {
      long size = channel.size();
      for (long start = 0; start < size; start += Integer.MAX_VALUE - 64) {
        long length = Math.min(Integer.MAX_VALUE, size - start);
        MappedByteBuffer bytes = channel.map(FileChannel.MapMode.READ_ONLY, start, length);
        String found = scanForVersion(bytes);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  /** A NUL-delimited string of the form {@code 2.N.N} in {@code bytes}, or null. */
  static String scanForVersion(ByteBuffer bytes) {
    int limit = bytes.limit();
    for (int i = 1; i + 5 < limit; i++) {
      if (bytes.get(i) == '2' && bytes.get(i + 1) == '.' && bytes.get(i - 1) == 0) {
        int end = i;
        while (end < limit && end - i < 12 && bytes.get(end) != 0) {
          end++;
        }
        if (end < limit && bytes.get(end) == 0) {
          byte[] candidate = new byte[end - i];
          bytes.get(i, candidate);
          String s = new String(candidate, StandardCharsets.US_ASCII);
          if (s.matches("2\\.\\d+\\.\\d+")) {
            return s;
          }
        }
      }
    }
    return null;
  }

  /** {@code cuNNN} from the version's suffix ({@code +cu124}) or a pip torch's {@code version.py} ({@code cuda = '12.4'}). */
  private static String cudaFlavor(String suffix, Path folder) throws Refused {
    if (suffix != null && suffix.matches("cu\\d+")) {
      return suffix;
    }
    try {
      Path versionPy = folder.getParent() == null ? null : folder.getParent().resolve("version.py");
      if (versionPy != null && Files.isRegularFile(versionPy)) {
        Matcher m = Pattern.compile("cuda\\s*(?::\\s*\\S+\\s*)?=\\s*'(\\d+)\\.(\\d+)").matcher(Files.readString(versionPy));
        if (m.find()) {
          return "cu" + m.group(1) + m.group(2);
        }
      }
    } catch (IOException e) {
      throw new Refused(VARIABLE + "=" + folder + ": cannot read version.py: " + e.getMessage());
    }
    throw new Refused(VARIABLE + "=" + folder + " holds libtorch_cuda.so but no CUDA version (../build-version or ../version.py)");
  }

  /** Whether the libraries use the C++11 ABI (std::__cxx11 names), read from libc10.so. */
  static boolean cxx11Abi(Path folder) throws Refused {
    Path library = folder.resolve("libc10.so");
    if (!Files.isRegularFile(library)) {
      library = folder.resolve("libtorch_cpu.so");
    }
    try (FileChannel channel = FileChannel.open(library)) {
      long length = Math.min(channel.size(), Integer.MAX_VALUE);
      MappedByteBuffer bytes = channel.map(FileChannel.MapMode.READ_ONLY, 0, length);
      byte[] needle = "__cxx11".getBytes(StandardCharsets.US_ASCII);
      outer:
      for (int i = 0; i + needle.length <= length; i++) {
        for (int j = 0; j < needle.length; j++) {
          if (bytes.get(i + j) != needle[j]) {
            continue outer;
          }
        }
        return true;
      }
      return false;
    } catch (IOException e) {
      throw new Refused(VARIABLE + "=" + folder + ": cannot read " + library.getFileName() + ": " + e.getMessage());
    }
  }

  /**
   * The bundled JNI for this libtorch, copied into DJL's cache folder for it (where DJL looks after
   * the libtorch folder itself); refused when no bundled JNI was built for this version and flavor.
   */
  private static Path bundledJni(Path home, String version, String flavor, Map<String, String> env) throws Refused {
    if (!version.equals(BUNDLED_JNI_VERSION) || !BUNDLED_JNI_FLAVORS.contains(flavor)) {
      throw new Refused(VARIABLE + ": libtorch " + version + " (" + flavor + ") holds no DJL JNI, and the bundled ones are for"
          + " libtorch " + BUNDLED_JNI_VERSION + " " + new java.util.TreeSet<>(BUNDLED_JNI_FLAVORS)
          + ": put a libdjl_torch.so built against it into that folder (README, GPU routes) or use libtorch " + BUNDLED_JNI_VERSION);
    }
    Path target = engineCache(env).resolve(version + "-" + flavor + "-linux-x86_64").resolve(DJL_VERSION + "-libdjl_torch.so");
    if (Files.isRegularFile(target)) {
      return target;
    }
    String entry = "jnilib/linux-x86_64/" + flavor + "/libdjl_torch.so";
    try (java.util.stream.Stream<Path> jars = Files.list(home.resolve("bundle"))) {
      Path djl = jars.filter(p -> p.getFileName().toString().matches("moma-djl-\\d.*\\.jar")).findFirst()
          .orElseThrow(() -> new Refused("no moma-djl bundle in " + home.resolve("bundle") + " to take the JNI from"));
      try (ZipFile zip = new ZipFile(djl.toFile())) {
        ZipEntry e = zip.getEntry(entry);
        if (e == null) {
          throw new Refused(VARIABLE + ": " + djl.getFileName() + " has no " + entry);
        }
        Files.createDirectories(target.getParent());
        Path partial = Files.createTempFile(target.getParent(), "jni", ".part"); // renamed whole: never half a library
        try (InputStream in = zip.getInputStream(e)) {
          Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
          Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
          Files.deleteIfExists(partial);
        }
      }
    } catch (IOException e) {
      throw new Refused(VARIABLE + ": cannot copy the bundled JNI to " + target + ": " + e.getMessage());
    }
    return target;
  }

  /** DJL's engine cache for PyTorch: ENGINE_CACHE_DIR, else DJL_CACHE_DIR, else ~/.djl.ai; then pytorch/. */
  static Path engineCache(Map<String, String> env) {
    String dir = firstSet(env.get("ENGINE_CACHE_DIR"), System.getProperty("ENGINE_CACHE_DIR")); // as DJL: environment first
    if (dir == null) {
      dir = firstSet(env.get("DJL_CACHE_DIR"), System.getProperty("DJL_CACHE_DIR"));
    }
    Path root = dir != null ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".djl.ai");
    return root.resolve("pytorch");
  }

  private static String firstSet(String a, String b) {
    return a != null && !a.isBlank() ? a : b != null && !b.isBlank() ? b : null;
  }
}
