package org.moma.data.packing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.moma.api.data.DocumentSource;
import org.moma.api.data.TokenizedDocument;
import org.moma.api.data.Vocabulary;

class ReadAheadSourceTest {
  /** Document i holds i % 7 + 1 tokens equal to i; document 13 fails as a bad sample with onError fail would. */
  private static final class Counted implements DocumentSource {
    final Set<String> threads = ConcurrentHashMap.newKeySet();
    final Set<Long> read = ConcurrentHashMap.newKeySet();

    @Override
    public Vocabulary vocabulary() {
      return new Vocabulary(100, 0, 1, 2, 3, 50, 50, "test");
    }

    @Override
    public long size() {
      return 20;
    }

    @Override
    public TokenizedDocument document(long index) {
      threads.add(Thread.currentThread().getName());
      read.add(index);
      if (index == 13) {
        throw new IllegalArgumentException("shard-00001.tar, key 000013: the image does not decode (onError: fail)");
      }
      int n = (int) (index % 7) + 1;
      int[] tokens = new int[n];
      java.util.Arrays.fill(tokens, (int) index);
      return new TokenizedDocument(tokens, new byte[n]);
    }
  }

  @Test
  void packsTheSameBatchesAsTheSourceReadInPlace() {
    Counted plain = new Counted();
    Counted wrapped = new Counted();
    SequencePacker expected = new SequencePacker(plain, 9);
    try (ReadAheadSource ahead = new ReadAheadSource(wrapped, 4)) {
      SequencePacker actual = new SequencePacker(ahead, 9);
      for (int b = 0; b < 2; b++) { // documents 0..11: stops before the failing one
        Batch e = expected.next(2);
        Batch a = actual.next(2);
        assertArrayEquals(e.tokens(), a.tokens(), "batch " + b);
      }
      assertEquals(expected.state(), actual.state(), "the loader's position is the packer's, not the read-ahead's");
    }
  }

  @Test
  void theSourceIsOnlyCalledFromTheLoaderThreadAndReadsAhead() throws Exception {
    Counted source = new Counted();
    try (ReadAheadSource ahead = new ReadAheadSource(source, 3)) {
      assertEquals(0, ahead.document(0).tokens()[0]);
      for (int i = 0; i < 200 && !source.read.contains(3L); i++) {
        Thread.sleep(5);
      }
      assertTrue(source.read.containsAll(Set.of(1L, 2L, 3L)), "documents 1..3 read ahead, read: " + source.read);
      assertTrue(!source.read.contains(4L), "no further than the depth, read: " + source.read);
      assertEquals(Set.of("moma-loader"), source.threads);
      assertNotEquals("moma-loader", Thread.currentThread().getName());
    }
  }

  @Test
  void wrapsAroundTheEndOfAFiniteSource() throws Exception {
    Counted source = new Counted();
    try (ReadAheadSource ahead = new ReadAheadSource(source, 2)) {
      assertEquals(19, ahead.document(19).tokens()[0]);
      assertEquals(0, ahead.document(0).tokens()[0]);
      assertEquals(1, ahead.document(1).tokens()[0]);
    }
  }

  @Test
  void anErrorOnTheLoaderThreadReachesTheCallerUnchanged() {
    Counted source = new Counted();
    try (ReadAheadSource ahead = new ReadAheadSource(source, 4)) {
      ahead.document(11); // reads 13 ahead: its failure waits until 13 is asked for
      assertEquals(12, ahead.document(12).tokens()[0]);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ahead.document(13));
      assertEquals("shard-00001.tar, key 000013: the image does not decode (onError: fail)", e.getMessage());
    }
  }

  @Test
  void closeStopsTheLoaderThread() throws Exception {
    ReadAheadSource ahead = new ReadAheadSource(new Counted(), 2);
    ahead.document(0);
    Thread loader = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("moma-loader")).findFirst().orElseThrow();
    assertTrue(loader.isDaemon(), "a loader thread never keeps a finished run's process alive");
    ahead.close();
    loader.join(5000);
    assertTrue(!loader.isAlive(), "the loader thread still runs after close");
    assertSame(IllegalArgumentException.class,
        assertThrows(IllegalArgumentException.class, () -> new ReadAheadSource(new Counted(), 0)).getClass());
  }
}
