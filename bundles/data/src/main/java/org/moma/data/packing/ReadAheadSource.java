package org.moma.data.packing;

import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.moma.api.data.DocumentSource;
import org.moma.api.data.ImageCodec;
import org.moma.api.data.TokenizedDocument;
import org.moma.api.data.Tokenizer;
import org.moma.api.data.Vocabulary;
import org.moma.api.model.Modality;

/**
 * Reads and tokenizes the next documents on a loader thread while the training thread computes, so
 * that decoding images (WebDataset, JSONL) stays out of a step's time.
 *
 * <p>The loader reads documents in index order, the order the packer asks for them, so the batches
 * and the loader's position are exactly those of a source read in place. The wrapped source is only
 * ever called from the one loader thread: sources and tokenizers need not be thread-safe. An error
 * raised on the loader thread is thrown on the training thread, unchanged, when that document is
 * asked for; an error of a document read ahead but never asked for is dropped with it.
 */
public final class ReadAheadSource implements DocumentSource, AutoCloseable {
  private final DocumentSource source;
  private final int depth;
  private final ExecutorService loader;
  private final Map<Long, Future<TokenizedDocument>> ahead = new HashMap<>();

  /** @param depth how many documents after the last one asked for are read ahead */
  public ReadAheadSource(DocumentSource source, int depth) {
    if (depth < 1) {
      throw new IllegalArgumentException("read-ahead depth must be at least 1, got " + depth);
    }
    this.source = source;
    this.depth = depth;
    this.loader = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "moma-loader");
      t.setDaemon(true); // never keeps a finished run's process alive
      return t;
    });
  }

  @Override
  public TokenizedDocument document(long index) {
    Future<TokenizedDocument> wanted = ahead.remove(index);
    if (wanted == null) {
      wanted = read(index);
    }
    // documents the packer skipped past are not wanted any more
    for (Iterator<Map.Entry<Long, Future<TokenizedDocument>>> it = ahead.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, Future<TokenizedDocument>> e = it.next();
      if (distance(index, e.getKey()) > depth) {
        e.getValue().cancel(false);
        it.remove();
      }
    }
    for (int k = 1; k <= depth; k++) {
      long next = following(index, k);
      if (next != index) {
        ahead.computeIfAbsent(next, this::read);
      }
    }
    try {
      return wanted.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r; // the source's own message (a bad sample with onError fail names its shard and key)
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException("reading document " + index + " failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading document " + index, e);
    }
  }

  private Future<TokenizedDocument> read(long index) {
    return loader.submit(() -> source.document(index));
  }

  /** The index {@code k} documents after {@code index}, wrapping at the end of a finite source. */
  private long following(long index, int k) {
    long size = source.size();
    return size == Long.MAX_VALUE ? index + k : Math.floorMod(index + k, size);
  }

  /** How far {@code later} lies after {@code index} in reading order (wrapping), or more than depth when before it. */
  private long distance(long index, long later) {
    long size = source.size();
    long d = size == Long.MAX_VALUE ? later - index : Math.floorMod(later - index, size);
    return d <= 0 ? Long.MAX_VALUE : d;
  }

  /** Stops the loader thread; documents read ahead are dropped. */
  @Override
  public void close() {
    ahead.values().forEach(f -> f.cancel(false));
    ahead.clear();
    loader.shutdownNow();
  }

  @Override
  public Vocabulary vocabulary() {
    return source.vocabulary();
  }

  @Override
  public List<Modality> modalities() {
    return source.modalities();
  }

  @Override
  public long size() {
    return source.size();
  }

  @Override
  public Tokenizer textTokenizer() {
    return source.textTokenizer();
  }

  @Override
  public long badDocuments() {
    return source.badDocuments();
  }

  @Override
  public ImageCodec imageCodec() {
    return source.imageCodec();
  }
}
