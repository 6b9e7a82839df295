package org.moma.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/** The counters land first in DJL's reading method and in the data-dependent-shape ops, and nowhere else. */
class HostReadWeaverTest {
  @Test
  void countersAreWovenIntoTheStartOfTheReadAndShapeMethods() throws Exception {
    byte[] original;
    try (InputStream in = getClass().getClassLoader().getResourceAsStream("ai/djl/pytorch/jni/JniUtils.class")) {
      original = in.readAllBytes();
    }
    Map<String, String> first = firstCalls(HostReadWeaver.weave(original));
    assertEquals("org/moma/api/nn/HostReads.recordRead", first.get("getByteBuffer"));
    for (String op : Set.of("nonZeros", "booleanMask", "unique")) {
      assertEquals("org/moma/api/nn/HostReads.recordDataDependentShape", first.get(op), op);
    }
    long woven = first.values().stream().filter(c -> c.startsWith("org/moma/api/nn/HostReads")).count();
    assertEquals(4, woven, "only those four methods");
    assertTrue(firstCalls(original).values().stream().noneMatch(c -> c.startsWith("org/moma")), "the original reads nothing of ours");
    assertTrue(HostReadWeaver.enabled(Map.of("MOMA_COUNT_HOST_READS", "1")));
    assertTrue(!HostReadWeaver.enabled(Map.of()));
  }

  /** For each method, the first method it calls. */
  private static Map<String, String> firstCalls(byte[] bytes) {
    Map<String, String> first = new HashMap<>();
    new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
      @Override
      public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
        return new MethodVisitor(Opcodes.ASM9) {
          @Override
          public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean itf) {
            first.putIfAbsent(name, owner + "." + method);
          }
        };
      }
    }, 0);
    return first;
  }
}
