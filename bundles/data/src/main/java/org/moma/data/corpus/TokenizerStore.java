package org.moma.data.corpus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trained tokenizers on disk, so that training them happens once per configuration and every run
 * of a corpus shares the same vocabulary. Default folder: {@code $moma.home/var/tokenizers}, else
 * {@code ~/.moma/tokenizers}.
 */
public final class TokenizerStore {
  private static final Logger LOG = LoggerFactory.getLogger(TokenizerStore.class);
  private static final Map<Path, MixedModalTokenizer> LOADED = new HashMap<>();

  private TokenizerStore() {}

  public static Path defaultRoot() {
    String home = System.getProperty("moma.home");
    return home != null
        ? Path.of(home, "var", "tokenizers")
        : Path.of(System.getProperty("user.home"), ".moma", "tokenizers");
  }

  /** The tokenizer stored under {@code dir}, training and saving it with {@code trainer} if absent. */
  public static synchronized MixedModalTokenizer loadOrTrain(Path dir, Supplier<MixedModalTokenizer> trainer) {
    Path key = dir.toAbsolutePath().normalize();
    MixedModalTokenizer cached = LOADED.get(key);
    if (cached != null) {
      return cached;
    }
    try {
      MixedModalTokenizer tokenizer;
      if (Files.isRegularFile(key.resolve("tokenizer.json"))) {
        tokenizer = MixedModalTokenizer.load(key);
      } else {
        long start = System.nanoTime();
        tokenizer = trainer.get();
        tokenizer.save(key);
        LOG.info("trained tokenizer {} in {} ms -> {}", tokenizer.vocabulary().identity(),
            (System.nanoTime() - start) / 1_000_000, key);
      }
      LOADED.put(key, tokenizer);
      return tokenizer;
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
  }
}
