package org.moma.api.dist;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * The processes of one job (data-parallel ranks) and the collective operations between them. A
 * process not started by a launcher ({@code mpirun}, {@code srun}) is a world of one, where every
 * operation returns at once. Training code depends on this service, never on MPI; another transport
 * (NCCL, say) is another implementation.
 *
 * <p>Every rank must call the same operations in the same order with buffers of the same size.
 */
public interface Collectives {
  /** This process's rank, 0 to {@link #size()} − 1; rank 0 writes what a job writes. */
  int rank();

  /** Number of ranks in the job. */
  int size();

  /** Ranks of this job on this machine (they share its memory). */
  int localSize();

  /** Sums {@code buffer} (a direct buffer) element-wise over all ranks, in place. */
  void allreduceSum(FloatBuffer buffer);

  /** Sums {@code values} element-wise over all ranks, in place. */
  void allreduceSum(double[] values);

  /** Copies {@code buffer} (a direct buffer) of rank {@code root} into every rank's. */
  void broadcast(ByteBuffer buffer, int root);

  /** Every rank's {@code mine}, in rank order (lengths may differ). */
  byte[][] allgather(byte[] mine);

  /** Returns when every rank has called it. */
  void barrier();

  /** How the job was started, for logs and reports ({@code "single process"}, {@code "Open MPI 4.1.4, 2 ranks"}). */
  String describe();

  default boolean isSingle() {
    return size() == 1;
  }

  /**
   * Whether every rank succeeded at a step that can fail on one rank only (rank 0 taking the run
   * folder, say): each says whether it did, and all learn whether anyone did not.
   */
  default boolean allSucceeded(boolean succeeded) {
    double[] failures = {succeeded ? 0 : 1};
    allreduceSum(failures);
    return failures[0] == 0;
  }

  /** The world of one process. */
  Collectives SINGLE = new Collectives() {
    @Override
    public int rank() {
      return 0;
    }

    @Override
    public int size() {
      return 1;
    }

    @Override
    public int localSize() {
      return 1;
    }

    @Override
    public void allreduceSum(FloatBuffer buffer) {
      // one rank: the sum is the buffer itself
    }

    @Override
    public void allreduceSum(double[] values) {
      // one rank: the sum is the values themselves
    }

    @Override
    public void broadcast(ByteBuffer buffer, int root) {
      // one rank: it already holds the root's buffer
    }

    @Override
    public byte[][] allgather(byte[] mine) {
      return new byte[][] {mine};
    }

    @Override
    public void barrier() {
      // one rank: nobody to wait for
    }

    @Override
    public String describe() {
      return "single process";
    }
  };

  /**
   * Raised on a rank that stops because another rank failed first; that rank reports the cause,
   * so this one says nothing more.
   */
  final class PeerFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PeerFailure(String message) {
      super(message);
    }
  }
}
