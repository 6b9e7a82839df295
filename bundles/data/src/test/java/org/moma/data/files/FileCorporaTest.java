package org.moma.data.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.data.DocumentSource;
import org.moma.api.data.ShardFile;
import org.moma.api.data.TokenizedDocument;
import org.moma.data.shapes.Scene;

/** JSONL, IDX and shard corpora on small files made here; every bad input names file and line. */
class FileCorporaTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  private Options options(com.fasterxml.jackson.databind.node.ObjectNode node, org.moma.api.MomaPlugin plugin) {
    node.put("codebook", 16).put("textVocab", 270).put("tokenizers", dir.resolve("tok").toString());
    return plugin.parseOptions(node, "data.options");
  }

  private Path jsonl(String... lines) throws IOException {
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < 4; i++) {
      ImageIO.write(Scene.random(random).render(32), i % 2 == 0 ? "png" : "jpg", dir.resolve("img" + i + (i % 2 == 0 ? ".png" : ".jpg")).toFile());
    }
    return Files.writeString(dir.resolve("docs.jsonl"), String.join("\n", lines) + "\n");
  }

  @Test
  void jsonlDocumentsInterleaveTextAndImagesFromPngAndJpeg() throws Exception {
    Path file = jsonl(
        "{\"segments\": [{\"text\": \"a red circle \"}, {\"image\": \"img0.png\"}]}",
        "{\"segments\": [{\"image\": \"img1.jpg\"}, {\"text\": \" two squares.\"}], \"scoreFrom\": 1}",
        "{\"segments\": [{\"text\": \"only text here.\"}]}");
    JsonlDatasetPlugin plugin = new JsonlDatasetPlugin();
    Options o = options(JSON.createObjectNode().put("path", file.toString()).put("validEvery", 3), plugin);
    DocumentSource train = plugin.open("train", 0, o);
    assertEquals(2, train.size());
    assertEquals(1, plugin.open("valid", 0, o).size());
    TokenizedDocument second = train.document(1);
    assertEquals(train.vocabulary().beginImage(), second.tokens()[0]);
    assertTrue(train.vocabulary().isImageCode(second.tokens()[1]));
    assertEquals(66, second.scoreFrom(), "scored part starts after BOI + 64 codes + EOI");
  }

  @Test
  void jsonlLineThatDoesNotParseIsNamedWithItsLineNumber() throws Exception {
    Path file = jsonl("{\"segments\": [{\"text\": \"fine\"}]}", "", "{\"segments\": [{\"text\": oops}]}");
    JsonlDatasetPlugin plugin = new JsonlDatasetPlugin();
    SpecException e = assertThrows(SpecException.class,
        () -> plugin.open("train", 0, options(JSON.createObjectNode().put("path", file.toString()), plugin)));
    assertTrue(e.getMessage().contains(file + ":3: not valid JSON"), e.getMessage());
  }

  @Test
  void jsonlMissingAndCorruptImagesAreNamed() throws Exception {
    Path missing = jsonl("{\"segments\": [{\"image\": \"nope.png\"}]}");
    JsonlDatasetPlugin plugin = new JsonlDatasetPlugin();
    SpecException e = assertThrows(SpecException.class,
        () -> plugin.open("train", 0, options(JSON.createObjectNode().put("path", missing.toString()), plugin)));
    assertTrue(e.getMessage().contains(":1: segments[0]: image file not found"), e.getMessage());

    Files.writeString(dir.resolve("img0.png"), "this is not a png");
    Path corrupt = Files.writeString(dir.resolve("c.jsonl"), "{\"segments\": [{\"image\": \"img0.png\"}]}\n");
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> JsonlDocuments.read(corrupt).entry(0));
    assertTrue(bad.getMessage().contains("c.jsonl:1") && bad.getMessage().contains("img0.png"), bad.getMessage());
  }

  private void writeIdx(Path images, Path labels, int n, int truncateBy) throws IOException {
    try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(images))) {
      out.writeInt(0x00000803);
      out.writeInt(n);
      out.writeInt(28);
      out.writeInt(28);
      byte[] pixels = new byte[n * 28 * 28 - truncateBy];
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = (byte) ((i * 7) % 256);
      }
      out.write(pixels);
    }
    try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(labels))) {
      out.writeInt(0x00000801);
      out.writeInt(n);
      for (int i = 0; i < n; i++) {
        out.writeByte(i % 10);
      }
    }
  }

  @Test
  void idxFilesBecomeCaptionedImageDocuments() throws Exception {
    Path images = dir.resolve("images-idx3-ubyte");
    Path labels = dir.resolve("labels-idx1-ubyte");
    writeIdx(images, labels, 40, 0);
    IdxDatasetPlugin plugin = new IdxDatasetPlugin();
    Options o = options(JSON.createObjectNode().put("images", images.toString()).put("labels", labels.toString()), plugin);
    DocumentSource train = plugin.open("train", 0, o);
    assertEquals(38, train.size());
    TokenizedDocument first = train.document(0); // item 0: caption then image
    assertEquals(train.vocabulary().endImage(), first.tokens()[first.length() - 2]);
  }

  @Test
  void truncatedIdxFileSaysWhatWasExpected() throws Exception {
    Path images = dir.resolve("images-idx3-ubyte");
    Path labels = dir.resolve("labels-idx1-ubyte");
    writeIdx(images, labels, 5, 100);
    IOException e = assertThrows(IOException.class, () -> IdxImages.read(images, labels));
    assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("5 images of 28x28"), e.getMessage());
    IOException swapped = assertThrows(IOException.class, () -> IdxImages.read(labels, images));
    assertTrue(swapped.getMessage().startsWith(labels.toString()), swapped.getMessage());
  }

  @Test
  void shardsRoundTripAndRejectTruncationAndForeignVocabularies() throws Exception {
    Path file = jsonl(
        "{\"segments\": [{\"text\": \"a red circle \"}, {\"image\": \"img0.png\"}]}",
        "{\"segments\": [{\"image\": \"img1.jpg\"}, {\"text\": \" two squares.\"}], \"scoreFrom\": 1}");
    JsonlDatasetPlugin jsonl = new JsonlDatasetPlugin();
    DocumentSource source = jsonl.open("train", 0, options(JSON.createObjectNode().put("path", file.toString()), jsonl));
    Path shard = dir.resolve("train.shard");
    ShardFile.write(shard, source, source.size());
    ShardFile read = ShardFile.open(shard);
    assertEquals(source.vocabulary(), read.vocabulary());
    for (long i = 0; i < source.size(); i++) {
      assertArrayEquals(source.document(i).tokens(), read.document(i).tokens());
      assertArrayEquals(source.document(i).modalities(), read.document(i).modalities());
      assertEquals(source.document(i).scoreFrom(), read.document(i).scoreFrom());
    }

    ShardsDatasetPlugin shards = new ShardsDatasetPlugin();
    Path tokDir;
    try (var dirs = Files.list(dir.resolve("tok"))) {
      tokDir = dirs.findFirst().orElseThrow();
    }
    assertEquals(read.size(), shards.open("train", 0, shards.parseOptions(
        JSON.createObjectNode().put("train", shard.toString()).put("tokenizers", tokDir.toString()), "data.options")).size());

    // evaluation splits (conditional perplexity's caption and t2i) by name; an unnamed split is refused, named
    var named = JSON.createObjectNode().put("train", shard.toString());
    named.putObject("splits").put("caption", shard.toString());
    assertEquals(read.size(), shards.open("caption", 0, shards.parseOptions(named, "data.options")).size());
    SpecException unnamed = assertThrows(SpecException.class, () -> shards.open("t2i", 0, shards.parseOptions(named, "data.options")));
    assertTrue(unnamed.getMessage().contains("no shard file for split 't2i'"), unnamed.getMessage());

    // a tokenizer trained elsewhere has another identity
    Path other = dir.resolve("other");
    new org.moma.data.corpus.MixedModalTokenizer(
        org.moma.data.text.ByteBpe.train(java.util.List.of("something else entirely"), 260),
        new org.moma.data.image.PatchCodebook(32, 4, new float[][] {new float[48]})).save(other);
    SpecException mismatch = assertThrows(SpecException.class, () -> shards.open("train", 0, shards.parseOptions(
        JSON.createObjectNode().put("train", shard.toString()).put("tokenizers", other.toString()), "data.options")));
    assertTrue(mismatch.getMessage().contains("was built with vocabulary"), mismatch.getMessage());

    byte[] bytes = Files.readAllBytes(shard);
    Path truncated = Files.write(dir.resolve("cut.shard"), java.util.Arrays.copyOf(bytes, bytes.length - 3));
    IOException e = assertThrows(IOException.class, () -> ShardFile.open(truncated));
    assertTrue(e.getMessage().contains("truncated or corrupt shard"), e.getMessage());
  }
}
