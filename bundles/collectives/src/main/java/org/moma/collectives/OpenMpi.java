package org.moma.collectives;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Map;
import org.moma.api.dist.Collectives;

/**
 * Open MPI's C API through JNA (Debian ships no {@code mpi.jar}). Open MPI's handles are exported
 * globals ({@code ompi_mpi_comm_world}, {@code ompi_mpi_float}, {@code ompi_mpi_op_sum}) whose
 * addresses are the handles, and {@code MPI_IN_PLACE} is the pointer value 1. Large reductions go
 * in buckets of at most 16 MB: one 64 MB call was measured 50× slower than four of 16 MB.
 */
final class OpenMpi implements Collectives {
  /** The part of the C API used here. */
  interface Mpi extends Library {
    int MPI_Init(Pointer argc, Pointer argv);

    int MPI_Finalize();

    int MPI_Comm_rank(Pointer comm, IntByReference rank);

    int MPI_Comm_size(Pointer comm, IntByReference size);

    int MPI_Allreduce(Pointer send, Pointer receive, int count, Pointer type, Pointer op, Pointer comm);

    int MPI_Bcast(Pointer buffer, int count, Pointer type, int root, Pointer comm);

    int MPI_Allgather(Pointer send, int sendCount, Pointer sendType, Pointer receive, int receiveCount, Pointer receiveType,
        Pointer comm);

    int MPI_Barrier(Pointer comm);

    int MPI_Get_library_version(byte[] version, IntByReference length);
  }

  private static final Pointer IN_PLACE = new Pointer(1);
  private static final int BUCKET_FLOATS = 4 << 20; // 16 MB
  private static final int RTLD_LAZY_GLOBAL = 0x0001 | 0x0100; // Open MPI's own plugins need its symbols global

  private final Mpi mpi;
  private final Pointer world;
  private final Pointer floatType;
  private final Pointer doubleType;
  private final Pointer intType;
  private final Pointer byteType;
  private final Pointer sum;
  private final int rank;
  private final int size;
  private final int localSize;
  private final String version;

  private OpenMpi(Mpi mpi, NativeLibrary library, int localSize) {
    this.mpi = mpi;
    this.world = library.getGlobalVariableAddress("ompi_mpi_comm_world");
    this.floatType = library.getGlobalVariableAddress("ompi_mpi_float");
    this.doubleType = library.getGlobalVariableAddress("ompi_mpi_double");
    this.intType = library.getGlobalVariableAddress("ompi_mpi_int");
    this.byteType = library.getGlobalVariableAddress("ompi_mpi_byte");
    this.sum = library.getGlobalVariableAddress("ompi_mpi_op_sum");
    check(mpi.MPI_Init(null, null), "MPI_Init");
    IntByReference value = new IntByReference();
    check(mpi.MPI_Comm_rank(world, value), "MPI_Comm_rank");
    this.rank = value.getValue();
    check(mpi.MPI_Comm_size(world, value), "MPI_Comm_size");
    this.size = value.getValue();
    this.localSize = localSize;
    byte[] text = new byte[256];
    IntByReference length = new IntByReference();
    mpi.MPI_Get_library_version(text, length);
    String full = new String(text, 0, Math.max(0, Math.min(length.getValue(), text.length))).trim();
    this.version = full.contains(",") ? full.substring(0, full.indexOf(',')) : full;
  }

  /** Initializes MPI in this process; {@code localSize} is the launcher's count of ranks on this machine. */
  static OpenMpi init(int localSize) {
    NativeLibrary library;
    Map<String, Object> options = Map.of(Library.OPTION_OPEN_FLAGS, RTLD_LAZY_GLOBAL);
    try {
      library = NativeLibrary.getInstance("mpi", options);
    } catch (UnsatisfiedLinkError e) {
      try {
        library = NativeLibrary.getInstance("libmpi.so.40", options);
      } catch (UnsatisfiedLinkError again) {
        throw new IllegalStateException("this process was started as an MPI rank, but Open MPI's libmpi cannot be loaded"
            + " (install the packages openmpi-bin and libopenmpi-dev): " + e.getMessage(), e);
      }
    }
    Mpi mpi = Native.load(library.getName(), Mpi.class, options);
    return new OpenMpi(mpi, library, localSize);
  }

  @Override
  public int rank() {
    return rank;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public int localSize() {
    return localSize;
  }

  @Override
  public void allreduceSum(FloatBuffer buffer) {
    requireDirect(buffer.isDirect());
    Pointer base = Native.getDirectBufferPointer(buffer);
    int n = buffer.capacity();
    for (int from = 0; from < n; from += BUCKET_FLOATS) {
      int count = Math.min(BUCKET_FLOATS, n - from);
      check(mpi.MPI_Allreduce(IN_PLACE, base.share(4L * from), count, floatType, sum, world), "MPI_Allreduce");
    }
  }

  @Override
  public void allreduceSum(double[] values) {
    DoubleBuffer buffer = ByteBuffer.allocateDirect(8 * values.length).order(ByteOrder.nativeOrder()).asDoubleBuffer();
    buffer.put(values);
    check(mpi.MPI_Allreduce(IN_PLACE, Native.getDirectBufferPointer(buffer), values.length, doubleType, sum, world), "MPI_Allreduce");
    buffer.rewind();
    buffer.get(values);
  }

  @Override
  public void broadcast(ByteBuffer buffer, int root) {
    requireDirect(buffer.isDirect());
    Pointer base = Native.getDirectBufferPointer(buffer);
    int n = buffer.capacity();
    for (int from = 0; from < n; from += 4 * BUCKET_FLOATS) {
      int count = Math.min(4 * BUCKET_FLOATS, n - from);
      check(mpi.MPI_Bcast(base.share(from), count, byteType, root, world), "MPI_Bcast");
    }
  }

  @Override
  public byte[][] allgather(byte[] mine) {
    IntBuffer lengths = ByteBuffer.allocateDirect(4 * size).order(ByteOrder.nativeOrder()).asIntBuffer();
    IntBuffer own = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).asIntBuffer().put(0, mine.length);
    check(mpi.MPI_Allgather(Native.getDirectBufferPointer(own), 1, intType, Native.getDirectBufferPointer(lengths), 1, intType, world),
        "MPI_Allgather");
    int longest = 0;
    for (int r = 0; r < size; r++) {
      longest = Math.max(longest, lengths.get(r));
    }
    ByteBuffer send = ByteBuffer.allocateDirect(Math.max(1, longest)).put(mine);
    ByteBuffer all = ByteBuffer.allocateDirect(Math.max(1, longest) * size);
    check(mpi.MPI_Allgather(Native.getDirectBufferPointer(send), longest, byteType, Native.getDirectBufferPointer(all), longest, byteType,
        world), "MPI_Allgather");
    byte[][] out = new byte[size][];
    for (int r = 0; r < size; r++) {
      out[r] = new byte[lengths.get(r)];
      all.get(r * longest, out[r]);
    }
    return out;
  }

  @Override
  public void barrier() {
    check(mpi.MPI_Barrier(world), "MPI_Barrier");
  }

  @Override
  public String describe() {
    return version + ", " + size + " ranks";
  }

  void finish() {
    mpi.MPI_Finalize();
  }

  private static void requireDirect(boolean direct) {
    if (!direct) {
      throw new IllegalArgumentException("MPI reads and writes direct buffers only");
    }
  }

  private void check(int code, String call) {
    if (code != 0) {
      throw new IllegalStateException(call + " failed with MPI error " + code);
    }
  }
}
