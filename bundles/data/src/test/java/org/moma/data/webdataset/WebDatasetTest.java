package org.moma.data.webdataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moma.api.SpecException;
import org.moma.data.image.PatchCodebook;

/**
 * WebDataset shards as the webdataset library reads them, on tiny shards made here: keys and
 * extensions, captions from json or txt, bad samples named with their shard and key, shard names
 * expanded and refused, the index cached by fingerprint, WebP and CMYK JPEG decoded, transparency
 * on white, and moma pack's shards read back.
 */
class WebDatasetTest {
  /** An 8×8 lossless WebP: a red square on transparent. */
  static final byte[] WEBP = Base64.getDecoder().decode("UklGRh4AAABXRUJQVlA4TBIAAAAvB8ABEA8Q8x/zH4zhieh/8AA=");
  /** An 8×8 CMYK JPEG, all red. */
  static final byte[] CMYK_JPEG = Base64.getDecoder().decode(
      "/9j/7gAOQWRvYmUAZAAAAAAA/9sAQwACAQEBAQECAQEBAgICAgIEAwICAgIFBAQDBAYFBgYGBQYGBgcJCAYHCQcGBggLCAkKCgoKCgYICwwLCgwJCgoK/8AAFAgACAAIBEMRAE0RAFkRAEsRAP/EAB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//EALUQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+v/aAA4EQwBNAFkASwAAPwD9/K/n/r+f+v38r//Z");

  @TempDir Path dir;

  static byte[] png(Color color) throws IOException {
    BufferedImage im = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
    java.awt.Graphics2D g = im.createGraphics();
    g.setColor(color);
    g.fillRect(0, 0, 8, 8);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(im, "png", out);
    return out.toByteArray();
  }

  /** A tar of (name, bytes) members, optionally cut {@code cut} bytes short. */
  Path tar(String name, int cut, Object... members) throws IOException {
    Path file = dir.resolve(name);
    try (OutputStream out = Files.newOutputStream(file); TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      for (int i = 0; i < members.length; i += 2) {
        byte[] data = members[i + 1] instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : (byte[]) members[i + 1];
        TarArchiveEntry e = new TarArchiveEntry((String) members[i]);
        e.setSize(data.length);
        tar.putArchiveEntry(e);
        tar.write(data);
        tar.closeArchiveEntry();
      }
    }
    if (cut > 0) {
      byte[] all = Files.readAllBytes(file);
      Files.write(file, java.util.Arrays.copyOf(all, all.length - cut));
    }
    return file;
  }

  @Test
  void keysExtensionsAndCaptionsAsTheWebdatasetLibraryGroupsThem() throws Exception {
    Path shard = tar("a.tar", 0,
        "a.b/000001.JPG", png(Color.RED), "a.b/000001.json", "{\"caption\": \"a red square\", \"key\": \"000001\"}",
        "a.b/000001.txt", "ignored: json wins",
        "000002.png", png(Color.BLUE), "000002.txt", " a blue square \n", "000002.cls", "7",
        "000003.webp", WEBP, "000003.json", "{\"url\": \"x\"}", "000003.txt", "a red square on nothing",
        "000004.npy", "only an array", "000005.png", png(Color.GREEN), "000006.txt", "a caption without an image");
    WebDataset data = WebDataset.open(List.of(shard), dir.resolve("cache"));
    List<WebDataset.Sample> samples = data.samples();
    assertEquals(List.of("a.b/000001", "000002", "000003"), samples.stream().map(WebDataset.Sample::key).toList());
    assertEquals(List.of("a red square", "a blue square", "a red square on nothing"),
        samples.stream().map(WebDataset.Sample::caption).toList());
    assertEquals("a.b/000001.JPG", samples.get(0).image().name());
    assertEquals(List.of("a.tar/000005: no caption (a json with a caption field, or a txt)", "a.tar/000006: no image (jpg, jpeg, png or webp)"),
        data.problems().stream().map(Object::toString).toList());
    BufferedImage webp = Images.decode(data.imageBytes(samples.get(2)));
    assertNotNull(webp, "WebP decodes through the explicitly registered reader");
    assertEquals(8, webp.getWidth());
  }

  @Test
  void aTruncatedMemberIsNamedAndTheSamplesBeforeItStay() throws Exception {
    Path shard = tar("cut.tar", 0, "000001.png", png(Color.RED), "000001.txt", "first",
        "000002.png", new byte[3000], "000002.txt", "second");
    long inside = TarIndex.read(shard).members().get(2).offset() + 1000; // inside 000002.png
    Files.write(shard, java.util.Arrays.copyOf(Files.readAllBytes(shard), (int) inside));
    WebDataset data = WebDataset.open(List.of(shard), dir.resolve("cache"));
    assertEquals(List.of("000001"), data.samples().stream().map(WebDataset.Sample::key).toList());
    assertEquals(1, data.problems().size());
    assertEquals("cut.tar/000002: truncated: the shard ends inside member 000002.png", data.problems().get(0).toString());
    // cut a little further on (inside the caption's data): the sample is still named as cut
    Path later = tar("later.tar", 0, "000001.png", png(Color.RED), "000001.txt", "first", "000002.png", png(Color.BLUE),
        "000002.txt", "x".repeat(2000));
    long inCaption = TarIndex.read(later).members().get(3).offset() + 700;
    Files.write(later, java.util.Arrays.copyOf(Files.readAllBytes(later), (int) inCaption));
    WebDataset cut = WebDataset.open(List.of(later), dir.resolve("cache"));
    assertEquals(List.of("000001"), cut.samples().stream().map(WebDataset.Sample::key).toList());
    assertTrue(cut.problems().get(0).toString().startsWith("later.tar/000002: truncated"), cut.problems().toString());
  }

  @Test
  void aFileThatIsNotATarIsRefusedByName() throws Exception {
    Path junk = Files.write(dir.resolve("junk.tar"), new byte[2048]);
    Files.write(junk, "this is not a tar archive at all, just text".repeat(40).getBytes(StandardCharsets.UTF_8));
    TarIndex.NotATar e = assertThrows(TarIndex.NotATar.class, () -> WebDataset.open(List.of(junk), dir.resolve("cache")));
    assertTrue(e.getMessage().contains("junk.tar"), e.getMessage());
  }

  @Test
  void shardNamesExpandAndBadOnesAreRefused() throws Exception {
    for (int i = 0; i < 3; i++) {
      tar(String.format("s-%03d.tar", i), 0, "k.png", png(Color.RED), "k.txt", "x");
    }
    ObjectMapper json = new ObjectMapper();
    assertEquals(List.of(dir.resolve("s-000.tar"), dir.resolve("s-001.tar"), dir.resolve("s-002.tar")),
        ShardList.expand(json.valueToTree(dir + "/s-{000..002}.tar"), "o.shards"));
    assertEquals(List.of(dir.resolve("s-000.tar"), dir.resolve("s-001.tar"), dir.resolve("s-002.tar")),
        ShardList.expand(json.valueToTree(dir + "/s-*.tar"), "o.shards"));
    assertEquals(List.of(dir.resolve("s-002.tar"), dir.resolve("s-000.tar")),
        ShardList.expand(json.valueToTree(List.of(dir + "/s-002.tar", dir + "/s-000.tar")), "o.shards"), "a list keeps its order");
    SpecException missing = assertThrows(SpecException.class, () -> ShardList.expand(json.valueToTree(dir + "/s-{000..004}.tar"), "o.shards"));
    assertTrue(missing.getMessage().contains("s-003.tar: no such shard"), missing.getMessage());
    Files.write(dir.resolve("z.tar.gz"), new byte[10]);
    SpecException gz = assertThrows(SpecException.class, () -> ShardList.expand(json.valueToTree(dir + "/z.tar.gz"), "o.shards"));
    assertTrue(gz.getMessage().contains("compressed") && gz.getMessage().contains("z.tar.gz"), gz.getMessage());
  }

  @Test
  void theIndexIsCachedByFingerprintAndRebuiltWhenTheShardChanges() throws Exception {
    Path shard = tar("c.tar", 0, "1.png", png(Color.RED), "1.txt", "one");
    Path cache = dir.resolve("cache");
    TarIndex first = TarIndex.of(shard, cache);
    try (var files = Files.list(cache)) {
      assertEquals(1, files.count());
    }
    assertEquals(first, TarIndex.of(shard, cache));
    tar("c.tar", 0, "1.png", png(Color.RED), "1.txt", "one", "2.png", png(Color.BLUE), "2.txt", "two");
    Files.setLastModifiedTime(shard, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
    assertEquals(4, TarIndex.of(shard, cache).members().size(), "a changed shard is indexed again");
  }

  @Test
  void aCmykJpegDecodesAndTransparencyLiesOnWhite() throws Exception {
    BufferedImage cmyk = Images.decode(CMYK_JPEG);
    assertNotNull(cmyk, "a CMYK JPEG decodes (TwelveMonkeys), never a crash");
    int rgb = cmyk.getRGB(4, 4);
    assertTrue(((rgb >> 16) & 0xff) > 200 && ((rgb >> 8) & 0xff) < 60, "red stays red: " + Integer.toHexString(rgb));
    assertNull(Images.decode("not an image".getBytes(StandardCharsets.UTF_8)));
    BufferedImage clear = new BufferedImage(16, 16, BufferedImage.TYPE_INT_ARGB); // all transparent
    assertEquals(0xffffff, PatchCodebook.resize(clear, 8).getRGB(3, 3) & 0xffffff, "transparent pixels on white, not black");
    BufferedImage opaque = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
    opaque.setRGB(2, 2, 0x123456);
    assertEquals(0x123456, PatchCodebook.resize(opaque, 8).getRGB(2, 2) & 0xffffff, "opaque images are unchanged");
  }

  @Test
  void packedFoldersReadBackAsTheSameSamples() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("folder/sub"));
    for (int i = 0; i < 5; i++) {
      Files.write(folder.resolve("img" + i + ".png"), png(new Color(i * 40, 0, 0)));
      Files.writeString(folder.resolve("img" + i + ".txt"), "picture " + i + "\n");
    }
    List<ShardWriter.Pair> pairs = ShardWriter.fromFolder(dir.resolve("folder"));
    List<Path> shards = ShardWriter.write(pairs, dir.resolve("out"), 2);
    assertEquals(3, shards.size(), "5 samples, 2 a shard");
    WebDataset data = WebDataset.open(shards, dir.resolve("cache"));
    assertEquals(List.of("sub/img0", "sub/img1", "sub/img2", "sub/img3", "sub/img4"), data.samples().stream().map(WebDataset.Sample::key).toList());
    assertEquals("picture 3", data.samples().get(3).caption());
    assertArrayEquals(Files.readAllBytes(folder.resolve("img3.png")), data.imageBytes(data.samples().get(3)), "images are copied as they are");
    SpecException again = assertThrows(SpecException.class, () -> ShardWriter.write(pairs, dir.resolve("out"), 2));
    assertTrue(again.getMessage().contains("already holds shards"), again.getMessage());
    Files.delete(folder.resolve("img2.txt"));
    SpecException uncaptioned = assertThrows(SpecException.class, () -> ShardWriter.fromFolder(dir.resolve("folder")));
    assertTrue(uncaptioned.getMessage().contains("img2.png has no caption"), uncaptioned.getMessage());
  }

  @Test
  void theSplitFollowsTheKeyNotTheOrder() {
    int held = 0;
    for (int i = 0; i < 1000; i++) {
      held += WebDataset.heldOut("key" + i, 20) ? 1 : 0;
      assertEquals(WebDataset.heldOut("key" + i, 20), WebDataset.heldOut("key" + i, 20));
    }
    assertTrue(held > 25 && held < 80, held + " of 1000 held out at 1 in 20");
  }
}
