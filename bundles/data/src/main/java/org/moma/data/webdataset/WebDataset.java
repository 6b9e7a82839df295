package org.moma.data.webdataset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * The samples of a set of WebDataset shards, as the {@code webdataset} library groups them: a
 * sample's key is a member's path up to the first dot of its last path part ({@code a.b/000001.jpg}
 * → key {@code a.b/000001}, extension {@code jpg}); extensions compare case-insensitively; the
 * image is the {@code jpg}, {@code jpeg}, {@code png} or {@code webp} member, the caption the
 * {@code caption} field of {@code json}, else the {@code txt}; other members are ignored. Captions
 * are read when the shards are opened, images by offset when a sample is asked for.
 */
public final class WebDataset {
  static final Set<String> IMAGES = Set.of("jpg", "jpeg", "png", "webp");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A sample with an image and a caption; the image is read when needed. */
  public record Sample(int shard, String key, TarIndex.Member image, String caption) {}

  /** A sample that cannot be used, with why: reported with its shard and key. */
  public record Problem(Path shard, String key, String what) {
    @Override
    public String toString() {
      return shard.getFileName() + "/" + key + ": " + what;
    }
  }

  private final List<Path> shards;
  private final List<Sample> samples;
  private final List<Problem> problems;

  private WebDataset(List<Path> shards, List<Sample> samples, List<Problem> problems) {
    this.shards = shards;
    this.samples = samples;
    this.problems = problems;
  }

  /**
   * Indexes the shards (cached under {@code cacheDir}) and reads their captions.
   *
   * @throws TarIndex.NotATar naming a file that is not a tar archive
   */
  public static WebDataset open(List<Path> shards, Path cacheDir) throws IOException {
    List<Sample> samples = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    for (int s = 0; s < shards.size(); s++) {
      Path shard = shards.get(s);
      TarIndex index = TarIndex.of(shard, cacheDir);
      long length = Files.size(shard);
      Map<String, Map<String, TarIndex.Member>> byKey = new LinkedHashMap<>();
      for (TarIndex.Member m : index.members()) {
        String name = m.name();
        int slash = name.lastIndexOf('/');
        int dot = name.indexOf('.', slash + 1);
        if (dot < 0) {
          continue; // no extension: nothing the webdataset library would read either
        }
        String key = name.substring(0, dot);
        String extension = name.substring(dot + 1).toLowerCase(Locale.ROOT);
        byKey.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(extension, m);
      }
      String last = byKey.isEmpty() ? null : new ArrayList<>(byKey.keySet()).get(byKey.size() - 1);
      try (FileChannel channel = FileChannel.open(shard)) {
        for (Map.Entry<String, Map<String, TarIndex.Member>> e : byKey.entrySet()) {
          Map<String, TarIndex.Member> members = e.getValue();
          TarIndex.Member cut = members.values().stream().filter(m -> m.offset() + m.size() > length).findFirst().orElse(null);
          if (cut != null || index.truncated() && e.getKey().equals(last)) {
            // members of a sample are stored together: a shard cut short cuts its last sample
            problems.add(new Problem(shard, e.getKey(), "truncated: the shard ends inside "
                + (cut != null ? "member " + cut.name() : "this sample")));
            continue;
          }
          TarIndex.Member image = null;
          for (String ext : List.of("jpg", "jpeg", "png", "webp")) {
            image = image != null ? image : members.get(ext);
          }
          String caption = caption(channel, members);
          if (image == null && caption == null) {
            continue; // only members this dataset ignores (cls, npy …)
          }
          if (image == null) {
            problems.add(new Problem(shard, e.getKey(), "no image (jpg, jpeg, png or webp)"));
          } else if (caption == null || caption.isBlank()) {
            problems.add(new Problem(shard, e.getKey(), "no caption (a json with a caption field, or a txt)"));
          } else {
            samples.add(new Sample(s, e.getKey(), image, caption.strip()));
          }
        }
      }
      if (index.truncated() && byKey.isEmpty()) {
        problems.add(new Problem(shard, "(start)", "truncated: the shard ends inside its first header"));
      }
    }
    return new WebDataset(List.copyOf(shards), samples, problems);
  }

  /** The {@code caption} field of the json member, else the txt member, else null. */
  private static String caption(FileChannel channel, Map<String, TarIndex.Member> members) throws IOException {
    TarIndex.Member json = members.get("json");
    if (json != null) {
      try {
        JsonNode node = JSON.readTree(bytes(channel, json));
        if (node.hasNonNull("caption") && node.get("caption").isTextual()) {
          return node.get("caption").asText();
        }
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        // not JSON: the txt may still hold the caption
      }
    }
    TarIndex.Member txt = members.get("txt");
    return txt == null ? null : new String(bytes(channel, txt), StandardCharsets.UTF_8);
  }

  static byte[] bytes(FileChannel channel, TarIndex.Member m) throws IOException {
    if (m.size() > Integer.MAX_VALUE) {
      throw new IOException(m.name() + " is larger than 2 GB");
    }
    ByteBuffer buffer = ByteBuffer.allocate((int) m.size());
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, m.offset() + buffer.position()) < 0) {
        throw new IOException(m.name() + " is truncated");
      }
    }
    return buffer.array();
  }

  /** The image bytes of a sample, read by offset. */
  public byte[] imageBytes(Sample sample) throws IOException {
    try (FileChannel channel = FileChannel.open(shards.get(sample.shard()))) {
      return bytes(channel, sample.image());
    }
  }

  public Path shard(Sample sample) {
    return shards.get(sample.shard());
  }

  public List<Sample> samples() {
    return samples;
  }

  public List<Problem> problems() {
    return problems;
  }

  /** Every {@code validEvery}-th sample by a hash of its key (0: none) is held out: the split does not depend on the seed or order. */
  public static boolean heldOut(String key, int validEvery) {
    if (validEvery <= 0) {
      return false;
    }
    CRC32 crc = new CRC32();
    crc.update(key.getBytes(StandardCharsets.UTF_8));
    return crc.getValue() % validEvery == 0;
  }
}
