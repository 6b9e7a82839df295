package org.moma.api.data;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Pre-tokenised documents in one memory-mapped file, so that tokenisation is not redone on every
 * run. Layout (big-endian): magic {@code MOMASHD1}, the {@link Vocabulary} (7 ints and its identity
 * as UTF-8 with a length), document count {@code D} and token count {@code N} (longs), then
 * {@code D+1} token offsets (longs), {@code D} scoreFrom (ints), {@code N} tokens (ints) and
 * {@code N} modality ids (bytes).
 */
public final class ShardFile implements DocumentSource {
  private static final byte[] MAGIC = "MOMASHD1".getBytes(StandardCharsets.US_ASCII);

  private final Vocabulary vocabulary;
  private final long documents;
  private final long offsetsAt;
  private final long scoreAt;
  private final long tokensAt;
  private final long modalitiesAt;
  private final MappedByteBuffer map;

  private ShardFile(Vocabulary vocabulary, long documents, long tokens, long headerEnd, MappedByteBuffer map) {
    this.vocabulary = vocabulary;
    this.documents = documents;
    this.offsetsAt = headerEnd;
    this.scoreAt = offsetsAt + 8 * (documents + 1);
    this.tokensAt = scoreAt + 4 * documents;
    this.modalitiesAt = tokensAt + 4 * tokens;
    this.map = map;
  }

  /** Writes the first {@code count} documents of {@code source} atomically (temp file, then rename). */
  public static void write(Path file, DocumentSource source, long count) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tokensTmp = Files.createTempFile(dir, "shard-tokens", ".tmp");
    Path modalTmp = Files.createTempFile(dir, "shard-modalities", ".tmp");
    Path out = Files.createTempFile(dir, "shard", ".tmp");
    try {
      long[] offsets = new long[(int) count + 1];
      int[] scoreFrom = new int[(int) count];
      try (DataOutputStream tokens = stream(tokensTmp); OutputStream modalities = new BufferedOutputStream(Files.newOutputStream(modalTmp))) {
        for (int d = 0; d < count; d++) {
          TokenizedDocument doc = source.document(d);
          for (int t : doc.tokens()) {
            tokens.writeInt(t);
          }
          modalities.write(doc.modalities());
          scoreFrom[d] = doc.scoreFrom();
          offsets[d + 1] = offsets[d] + doc.length();
        }
      }
      Vocabulary v = source.vocabulary();
      try (DataOutputStream o = stream(out)) {
        o.write(MAGIC);
        for (int x : new int[] {v.size(), v.pad(), v.endOfDocument(), v.beginImage(), v.endImage(), v.imageStart(), v.imageCodes()}) {
          o.writeInt(x);
        }
        byte[] identity = v.identity().getBytes(StandardCharsets.UTF_8);
        o.writeInt(identity.length);
        o.write(identity);
        o.writeLong(count);
        o.writeLong(offsets[(int) count]);
        for (long off : offsets) {
          o.writeLong(off);
        }
        for (int s : scoreFrom) {
          o.writeInt(s);
        }
        Files.copy(tokensTmp, o);
        Files.copy(modalTmp, o);
      }
      Files.move(out, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tokensTmp);
      Files.deleteIfExists(modalTmp);
      Files.deleteIfExists(out);
    }
  }

  private static DataOutputStream stream(Path p) throws IOException {
    return new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(p), 1 << 16));
  }

  /** Maps a shard; a wrong magic, a truncated file or inconsistent offsets are errors naming the file. */
  public static ShardFile open(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException(file + ": no such shard file");
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
      map.order(ByteOrder.BIG_ENDIAN);
      if (size < 52) {
        throw new IOException(file + ": truncated shard (" + size + " bytes)");
      }
      byte[] magic = new byte[8];
      map.get(0, magic);
      if (!java.util.Arrays.equals(magic, MAGIC)) {
        throw new IOException(file + ": not a MoMa shard (bad magic)");
      }
      int[] v = new int[7];
      for (int i = 0; i < 7; i++) {
        v[i] = map.getInt(8 + 4 * i);
      }
      int idLength = map.getInt(36);
      if (idLength < 0 || 40L + idLength + 16 > size) {
        throw new IOException(file + ": truncated shard header");
      }
      byte[] id = new byte[idLength];
      map.get(40, id);
      long headerEnd = 40L + idLength;
      long documents = map.getLong((int) headerEnd);
      long tokens = map.getLong((int) headerEnd + 8);
      headerEnd += 16;
      long expected = headerEnd + 8 * (documents + 1) + 4 * documents + 5 * tokens;
      if (documents < 0 || tokens < 0 || expected != size) {
        throw new IOException(file + ": truncated or corrupt shard: header promises " + documents + " documents and "
            + tokens + " tokens (" + expected + " bytes), the file has " + size + " bytes");
      }
      Vocabulary vocabulary = new Vocabulary(v[0], v[1], v[2], v[3], v[4], v[5], v[6], new String(id, StandardCharsets.UTF_8));
      return new ShardFile(vocabulary, documents, tokens, headerEnd, map);
    }
  }

  @Override
  public Vocabulary vocabulary() {
    return vocabulary;
  }


  @Override
  public long size() {
    return documents;
  }

  @Override
  public TokenizedDocument document(long index) {
    if (index < 0 || index >= documents) {
      throw new IndexOutOfBoundsException("document " + index + " of " + documents);
    }
    long start = map.getLong((int) (offsetsAt + 8 * index));
    long end = map.getLong((int) (offsetsAt + 8 * (index + 1)));
    int n = (int) (end - start);
    int[] tokens = new int[n];
    ByteBuffer slice = map.slice((int) (tokensAt + 4 * start), 4 * n).order(ByteOrder.BIG_ENDIAN);
    slice.asIntBuffer().get(tokens);
    byte[] modalities = new byte[n];
    map.get((int) (modalitiesAt + start), modalities);
    return new TokenizedDocument(tokens, modalities, map.getInt((int) (scoreAt + 4 * index)));
  }
}
