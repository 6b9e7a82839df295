package org.moma.collectives;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.Map;
import org.moma.api.dist.Collectives;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Collectives} of this process: Open MPI when a launcher started it as a rank
 * ({@code mpirun} sets {@code OMPI_COMM_WORLD_SIZE}, {@code srun --mpi=pmix} sets
 * {@code PMIX_RANK}), else the world of one. MPI is initialized when the bundle starts and
 * finalized when it stops.
 */
@Component(service = Collectives.class, immediate = true)
public final class JobCollectives implements Collectives {
  private static final Logger LOG = LoggerFactory.getLogger(JobCollectives.class);
  private final Collectives delegate;

  @Activate
  public JobCollectives() {
    this(System.getenv());
  }

  JobCollectives(Map<String, String> env) {
    if (isRank(env)) {
      // bin/moma's launcher counted the ranks on this machine (it also sizes libtorch's threads by them)
      delegate = OpenMpi.init(Integer.getInteger("moma.localRanks", 1));
      LOG.info("rank {} of {} ({})", delegate.rank(), delegate.size(), delegate.describe());
    } else {
      delegate = Collectives.SINGLE;
    }
  }

  /** Whether a launcher started this process as an MPI rank. */
  static boolean isRank(Map<String, String> env) {
    return env.containsKey("OMPI_COMM_WORLD_SIZE") || env.containsKey("PMIX_RANK");
  }

  @Deactivate
  void finish() {
    if (delegate instanceof OpenMpi mpi) {
      mpi.finish();
    }
  }

  @Override
  public int rank() {
    return delegate.rank();
  }

  @Override
  public int size() {
    return delegate.size();
  }

  @Override
  public int localSize() {
    return delegate.localSize();
  }

  @Override
  public void allreduceSum(FloatBuffer buffer) {
    delegate.allreduceSum(buffer);
  }

  @Override
  public void allreduceSum(double[] values) {
    delegate.allreduceSum(values);
  }

  @Override
  public void broadcast(ByteBuffer buffer, int root) {
    delegate.broadcast(buffer, root);
  }

  @Override
  public byte[][] allgather(byte[] mine) {
    return delegate.allgather(mine);
  }

  @Override
  public void barrier() {
    delegate.barrier();
  }

  @Override
  public String describe() {
    return delegate.describe();
  }
}
