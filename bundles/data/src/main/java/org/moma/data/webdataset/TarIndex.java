package org.moma.data.webdataset;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Where each member of a tar shard is: name, data offset and size, read once from its headers
 * (Commons Compress reads them, PAX and GNU long names included) and cached in a file
 * fingerprinted by the shard's path, size and modification time, so samples are then read by
 * offset and shards are never unpacked. A shard cut short keeps the members before the cut; the
 * member it cuts is marked truncated.
 *
 * @param members the regular files of the shard, in order
 * @param truncated the shard ends inside its headers or a member's data
 */
public record TarIndex(List<Member> members, boolean truncated) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A regular file of the shard. */
  public record Member(String name, long offset, long size) {}

  /** Counts the bytes the tar reader consumed: after a header, that is where the member's data starts. */
  private static final class Counting extends FilterInputStream {
    long position;

    Counting(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      position += b < 0 ? 0 : 1;
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      position += Math.max(0, n);
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long s = super.skip(n);
      position += s;
      return s;
    }
  }

  /** The shard's index, from the cache under {@code cacheDir} when its fingerprint matches. */
  public static TarIndex of(Path shard, Path cacheDir) throws IOException {
    Path absolute = shard.toAbsolutePath().normalize();
    String fingerprint = absolute + "|" + Files.size(shard) + "|" + Files.getLastModifiedTime(shard).toMillis();
    Path cached = cacheDir.resolve(Integer.toHexString(absolute.toString().hashCode()) + "-"
        + Long.toHexString(fingerprint.hashCode() & 0xffffffffL) + ".json");
    if (Files.isRegularFile(cached)) {
      try {
        Stored stored = JSON.readValue(cached.toFile(), Stored.class);
        if (fingerprint.equals(stored.fingerprint())) {
          return stored.index();
        }
      } catch (IOException e) {
        // a damaged cache entry is rebuilt below
      }
    }
    TarIndex index = read(shard);
    Files.createDirectories(cacheDir);
    Path partial = Files.createTempFile(cacheDir, "index", ".part");
    try {
      Files.writeString(partial, JSON.writeValueAsString(new Stored(fingerprint, index)), StandardCharsets.UTF_8);
      Files.move(partial, cached, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(partial);
    }
    return index;
  }

  /** What the cache file holds. */
  public record Stored(String fingerprint, TarIndex index) {}

  /**
   * Reads the headers.
   *
   * @throws NotATar when the file does not start with a tar header
   */
  static TarIndex read(Path shard) throws IOException {
    long length = Files.size(shard);
    List<Member> members = new ArrayList<>();
    boolean truncated = false;
    try (Counting counting = new Counting(new BufferedInputStream(Files.newInputStream(shard), 1 << 16));
        TarArchiveInputStream tar = new TarArchiveInputStream(counting)) {
      while (true) {
        TarArchiveEntry entry;
        try {
          entry = tar.getNextEntry();
        } catch (IOException e) {
          if (members.isEmpty() && counting.position <= 512) {
            throw new NotATar(shard + " is not a tar archive (" + e.getMessage() + ")");
          }
          truncated = true; // cut inside a header, or inside the data the reader was skipping
          break;
        }
        if (entry == null) {
          break;
        }
        if (entry.isFile()) {
          long offset = counting.position;
          members.add(new Member(entry.getName(), offset, entry.getSize()));
          if (offset + entry.getSize() > length) {
            truncated = true;
            break;
          }
        }
      }
    }
    if (members.isEmpty() && !truncated && length > 0 && !startsLikeTar(shard)) {
      throw new NotATar(shard + " is not a tar archive");
    }
    return new TarIndex(List.copyOf(members), truncated);
  }

  /** A ustar or GNU header has its magic at byte 257. */
  private static boolean startsLikeTar(Path shard) throws IOException {
    try (InputStream in = Files.newInputStream(shard)) {
      byte[] header = in.readNBytes(512);
      return header.length == 512 && new String(header, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
    }
  }

  /** A file that is not a tar archive. */
  public static final class NotATar extends IOException {
    private static final long serialVersionUID = 1L;

    NotATar(String message) {
      super(message);
    }
  }
}
