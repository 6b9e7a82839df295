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
    return loadOrTrain(dir, trainer, java.util.List::of);
  }

  /**
   * As above; a freshly trained tokenizer is also measured on {@code heldOut} images: mean squared
   * error and PSNR of encode→decode go to {@code report.json} beside it and to the log.
   */
  public static synchronized MixedModalTokenizer loadOrTrain(
      Path dir, Supplier<MixedModalTokenizer> trainer, Supplier<java.util.List<java.awt.image.BufferedImage>> heldOut) {
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
        java.util.List<java.awt.image.BufferedImage> images = heldOut.get();
        if (!images.isEmpty()) {
          double mse = tokenizer.image().reconstructionError(images);
          double psnr = 10 * Math.log10(1 / mse);
          java.util.Map<String, Object> report = new java.util.LinkedHashMap<>();
          report.put("identity", tokenizer.vocabulary().identity());
          report.put("heldOutImages", images.size());
          report.put("reconstructionMse", mse);
          report.put("reconstructionPsnrDb", psnr);
          report.put("textVocabulary", tokenizer.text().vocabSize());
          report.put("imageCodebook", tokenizer.image().codebookSize());
          report.put("tokensPerImage", tokenizer.image().tokensPerImage());
          new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter()
              .writeValue(key.resolve("report.json").toFile(), report);
          LOG.info("image tokenizer on {} held-out images: MSE {} (PSNR {} dB)", images.size(), mse, psnr);
        }
      }
      LOADED.put(key, tokenizer);
      return tokenizer;
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
  }
}
