package org.moma.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MOMA_LIBTORCH on made-up folders: a folder is refused without libtorch.so; version, flavor and
 * ABI come from its files; a JNI inside is used; else the bundled one for a matching version is
 * copied into DJL's cache, and a version no bundled JNI fits is refused.
 */
class ExternalLibtorchTest {
  @TempDir Path dir;

  /** A fake libtorch lib folder: libtorch.so, libc10.so with or without C++11 names, optional CUDA. */
  private Path folder(String name, boolean cxx11, boolean cuda) throws Exception {
    Path lib = Files.createDirectories(dir.resolve(name).resolve("lib"));
    Files.writeString(lib.resolve("libtorch.so"), "elf");
    Files.write(lib.resolve("libc10.so"), (cxx11 ? "\0_ZNSt7__cxx1112basic_string\0" : "\0_ZNSs\0").getBytes(StandardCharsets.US_ASCII));
    if (cuda) {
      Files.writeString(lib.resolve("libtorch_cuda.so"), "elf");
    }
    return lib;
  }

  /** A distribution whose moma-djl bundle holds the cpu JNI. */
  private Path home() throws Exception {
    Path bundle = Files.createDirectories(dir.resolve("moma/bundle"));
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(bundle.resolve("moma-djl-0.1.0-SNAPSHOT.jar")))) {
      zip.putNextEntry(new ZipEntry("jnilib/linux-x86_64/cpu/libdjl_torch.so"));
      zip.write("jni for 2.5.1 cpu".getBytes(StandardCharsets.US_ASCII));
      zip.closeEntry();
    }
    return dir.resolve("moma");
  }

  private Map<String, String> env(Path lib) {
    return Map.of("MOMA_LIBTORCH", lib.toString(), "ENGINE_CACHE_DIR", dir.resolve("cache").toString());
  }

  @Test
  void unsetMeansTheBundledLibtorch() throws Exception {
    assertNull(ExternalLibtorch.fromEnvironment(Map.of(), home()));
  }

  @Test
  void aFolderWithoutLibtorchIsRefusedByName() throws Exception {
    Path empty = Files.createDirectories(dir.resolve("empty"));
    ExternalLibtorch.Refused e = assertThrows(ExternalLibtorch.Refused.class, () -> ExternalLibtorch.fromEnvironment(env(empty), home()));
    assertTrue(e.getMessage().contains("MOMA_LIBTORCH=" + empty) && e.getMessage().contains("no libtorch.so"), e.getMessage());
  }

  @Test
  void aPytorchOrgZipWithoutJniGetsTheBundledOneInDjlsCache() throws Exception {
    Path lib = folder("libtorch", true, false);
    Files.writeString(lib.getParent().resolve("build-version"), "2.5.1+cpu\n");
    ExternalLibtorch found = ExternalLibtorch.fromEnvironment(env(lib), home());
    assertEquals("2.5.1", found.version);
    assertEquals("cpu", found.flavor);
    assertEquals(dir.resolve("cache/pytorch/2.5.1-cpu-linux-x86_64/0.32.0-libdjl_torch.so"), found.jni);
    assertEquals("jni for 2.5.1 cpu", Files.readString(found.jni));
  }

  @Test
  void aPipTorchWithItsOwnJniIsUsedAsItIsWhateverItsVersion() throws Exception {
    Path lib = folder("torch", true, true);
    Files.writeString(lib.getParent().resolve("version.py"), "__version__ = '2.11.0+cu130'\ncuda: Optional[str] = '13.0'\n");
    Files.writeString(lib.resolve("libdjl_torch.so"), "kit-built jni");
    ExternalLibtorch found = ExternalLibtorch.fromEnvironment(env(lib), home());
    assertEquals("2.11.0", found.version);
    assertEquals("cu130", found.flavor);
    assertEquals(lib.resolve("libdjl_torch.so"), found.jni);
  }

  @Test
  void aVersionNoBundledJniFitsIsRefusedInOneSentence() throws Exception {
    Path lib = folder("old", false, true);
    Files.writeString(lib.getParent().resolve("build-version"), "2.4.0+cu121\n");
    ExternalLibtorch.Refused e = assertThrows(ExternalLibtorch.Refused.class, () -> ExternalLibtorch.fromEnvironment(env(lib), home()));
    assertTrue(e.getMessage().contains("2.4.0 (cu121-precxx11)") && e.getMessage().contains("libdjl_torch.so"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
  }

  @Test
  void theVersionInsideTheLibraryIsFoundWhenNoFileSaysIt() throws Exception {
    ByteBuffer bytes = ByteBuffer.wrap("\0pytorch\0GraphEncoder\0002.5.1\0Custom opset\0".getBytes(StandardCharsets.US_ASCII));
    assertEquals("2.5.1", ExternalLibtorch.scanForVersion(bytes));
    assertNull(ExternalLibtorch.scanForVersion(ByteBuffer.wrap("\0002.5.1x\0".getBytes(StandardCharsets.US_ASCII))));
    Path lib = folder("copied", true, false);
    Files.write(lib.resolve("libtorch_cpu.so"), "\0ab\0002.5.1\0".getBytes(StandardCharsets.US_ASCII));
    assertArrayEquals(new String[] {"2.5.1", null}, ExternalLibtorch.version(lib));
  }
}
