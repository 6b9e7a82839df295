package org.moma.launcher;

import java.util.Set;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.osgi.framework.hooks.weaving.WeavingHook;
import org.osgi.framework.hooks.weaving.WovenClass;

/**
 * Counts host reads at DJL's boundary ({@code MOMA_COUNT_HOST_READS=1}): as the PyTorch engine's
 * {@code JniUtils} loads, a call to {@code org.moma.api.nn.HostReads} is woven into the start of
 * {@code getByteBuffer}, the one path by which tensor memory reaches Java ({@code getFloat},
 * {@code toFloatArray}, {@code toByteBuffer} …), and of the ops whose output shape depends on the
 * data ({@code nonZeros}, {@code booleanMask}, {@code unique}), each of which stalls a GPU's queue.
 * Every caller is counted, plugins included, with no change to DJL or to the code that reads.
 */
final class HostReadWeaver implements WeavingHook {
  static final String TARGET = "ai.djl.pytorch.jni.JniUtils";
  private static final String COUNTER = "org/moma/api/nn/HostReads";
  private static final String READ = "getByteBuffer";
  private static final String READ_DESCRIPTOR = "(Lai/djl/pytorch/engine/PtNDArray;Z)Ljava/nio/ByteBuffer;";
  private static final Set<String> SHAPE_OPS = Set.of("nonZeros", "booleanMask", "unique");

  /** Whether this process counts host reads. */
  static boolean enabled(java.util.Map<String, String> env) {
    return "1".equals(env.get("MOMA_COUNT_HOST_READS"));
  }

  @Override
  public void weave(WovenClass woven) {
    if (!woven.getClassName().equals(TARGET)) {
      return;
    }
    woven.setBytes(weave(woven.getBytes()));
    woven.getDynamicImports().add("org.moma.api.nn");
  }

  /** {@code JniUtils}' bytes with the counters at the start of the reading and shape-dependent methods. */
  static byte[] weave(byte[] original) {
    ClassReader reader = new ClassReader(original);
    // the methods change only at their start, before any branch: the stack map frames stay valid
    ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
    reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
      @Override
      public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
        MethodVisitor method = super.visitMethod(access, name, descriptor, signature, exceptions);
        boolean static_ = (access & Opcodes.ACC_STATIC) != 0;
        if (static_ && name.equals(READ) && descriptor.equals(READ_DESCRIPTOR)) {
          return new MethodVisitor(Opcodes.ASM9, method) {
            @Override
            public void visitCode() {
              super.visitCode();
              super.visitVarInsn(Opcodes.ALOAD, 0);
              super.visitVarInsn(Opcodes.ILOAD, 1);
              super.visitMethodInsn(Opcodes.INVOKESTATIC, COUNTER, "recordRead", "(Lai/djl/ndarray/NDArray;Z)V", false);
            }
          };
        }
        if (static_ && SHAPE_OPS.contains(name)) {
          return new MethodVisitor(Opcodes.ASM9, method) {
            @Override
            public void visitCode() {
              super.visitCode();
              super.visitMethodInsn(Opcodes.INVOKESTATIC, COUNTER, "recordDataDependentShape", "()V", false);
            }
          };
        }
        return method;
      }
    }, 0);
    return writer.toByteArray();
  }
}
