package org.moma.data.webdataset;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.moma.api.SpecException;

/**
 * Writes WebDataset shards ({@code moma pack --format webdataset}): each sample is its image file,
 * copied as it is, with its caption as {@code key.txt} and {@code key.json} ({@code caption},
 * {@code key}), as img2dataset does; {@code samplesPerShard} samples a shard, named
 * {@code shard-00000.tar} …, each written under a temporary name and renamed when whole.
 */
public final class ShardWriter {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** An image file and its caption. */
  public record Pair(String key, Path image, String caption) {}

  private ShardWriter() {}

  /**
   * The pairs of a folder of images with captions: each {@code name.png} (jpg, jpeg, webp) beside
   * {@code name.txt}, img2dataset's folder output; keys are the paths without extension.
   */
  public static List<Pair> fromFolder(Path folder) throws IOException {
    List<Path> images;
    try (Stream<Path> files = Files.walk(folder)) {
      images = files.filter(Files::isRegularFile).filter(f -> WebDataset.IMAGES.contains(extension(f))).sorted().toList();
    }
    List<Pair> pairs = new ArrayList<>();
    for (Path image : images) {
      String name = image.getFileName().toString();
      Path caption = image.resolveSibling(name.substring(0, name.lastIndexOf('.')) + ".txt");
      if (!Files.isRegularFile(caption)) {
        throw new SpecException("input", image + " has no caption: want " + caption.getFileName() + " beside it");
      }
      String relative = folder.relativize(image).toString().replace('\\', '/');
      pairs.add(new Pair(relative.substring(0, relative.lastIndexOf('.')), image, Files.readString(caption, StandardCharsets.UTF_8).strip()));
    }
    return pairs;
  }

  /**
   * The pairs of a {@code jsonl} dataset file: each document with one image and its text, keyed by
   * line ({@code line000042}); {@code skipped[0]} counts the documents with several images or none.
   */
  public static List<Pair> fromJsonl(Path file, long[] skipped) throws IOException {
    List<Pair> pairs = new ArrayList<>();
    for (Object[] p : org.moma.data.files.JsonlDocuments.read(file).imageTextPairs(skipped)) {
      String caption = (String) p[2];
      if (caption.isBlank()) {
        throw new SpecException("input", file + ":" + p[0] + ": a document whose image has no text to caption it");
      }
      pairs.add(new Pair(String.format(Locale.ROOT, "line%06d", (Integer) p[0]), (Path) p[1], caption));
    }
    return pairs;
  }

  /** Writes the pairs as shards into {@code out} (created; refused if it already holds shards); returns the shards. */
  public static List<Path> write(List<Pair> pairs, Path out, int samplesPerShard) throws IOException {
    if (pairs.isEmpty()) {
      throw new SpecException("input", "no image with a caption to pack");
    }
    if (samplesPerShard <= 0) {
      throw new SpecException("--samples-per-shard", "must be positive, found " + samplesPerShard);
    }
    Files.createDirectories(out);
    try (Stream<Path> present = Files.list(out)) {
      if (present.anyMatch(p -> p.getFileName().toString().endsWith(".tar"))) {
        throw new SpecException("--out", out + " already holds shards: give an empty or new folder");
      }
    }
    List<Path> shards = new ArrayList<>();
    for (int from = 0; from < pairs.size(); from += samplesPerShard) {
      Path shard = out.resolve(String.format(Locale.ROOT, "shard-%05d.tar", shards.size()));
      Path partial = out.resolve(shard.getFileName() + ".part");
      try (OutputStream file = Files.newOutputStream(partial); TarArchiveOutputStream tar = new TarArchiveOutputStream(file)) {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        for (Pair pair : pairs.subList(from, Math.min(pairs.size(), from + samplesPerShard))) {
          add(tar, pair.key() + "." + extension(pair.image()), Files.readAllBytes(pair.image()));
          add(tar, pair.key() + ".txt", pair.caption().getBytes(StandardCharsets.UTF_8));
          ObjectNode meta = JSON.createObjectNode().put("caption", pair.caption()).put("key", pair.key());
          add(tar, pair.key() + ".json", JSON.writeValueAsBytes(meta));
        }
        tar.finish();
      } catch (IOException | RuntimeException e) {
        Files.deleteIfExists(partial);
        throw e;
      }
      Files.move(partial, shard, StandardCopyOption.ATOMIC_MOVE);
      shards.add(shard);
    }
    return shards;
  }

  private static void add(TarArchiveOutputStream tar, String name, byte[] data) throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(data.length);
    tar.putArchiveEntry(entry);
    tar.write(data);
    tar.closeArchiveEntry();
  }

  static String extension(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
  }
}
