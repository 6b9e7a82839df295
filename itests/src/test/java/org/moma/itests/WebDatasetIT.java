package org.moma.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moma.itests.MomaProcess.Result;

/**
 * WebDataset through bin/moma: a folder of captioned pictures packed into shards trains; a
 * picture that does not decode is named (shard and key) and skipped, or ends the run with one line;
 * a missing shard and a compressed one are refused in one line.
 */
class WebDatasetIT {
  @TempDir Path work;

  static final String SPEC = "{\"name\": \"wds\", \"seed\": 4, \"device\": \"cpu\","
      + " \"model\": {\"dModel\": 32, \"layers\": 2, \"heads\": 2, \"ffnDim\": 64, \"seqLen\": 96},"
      + " \"data\": {\"name\": \"webdataset\", \"options\": {\"shards\": SHARDS, \"onError\": \"ON_ERROR\", \"imageSize\": 16,"
      + " \"textVocab\": 300, \"codebook\": 32}},"
      + " \"training\": {\"steps\": 8, \"batchSize\": 4, \"learningRate\": 0.003, \"warmupSteps\": 2}}";

  private Path folder(int pictures) throws Exception {
    Path folder = Files.createDirectories(work.resolve("pictures"));
    String[] colors = {"red", "green", "blue"};
    Color[] values = {Color.RED, Color.GREEN, Color.BLUE};
    Random random = new Random(3);
    for (int i = 0; i < pictures; i++) {
      int c = random.nextInt(3);
      BufferedImage image = new BufferedImage(24, 24, BufferedImage.TYPE_INT_ARGB); // transparent around the square
      Graphics2D g = image.createGraphics();
      g.setColor(values[c]);
      g.fillRect(4 + random.nextInt(6), 4 + random.nextInt(6), 10, 10);
      g.dispose();
      ImageIO.write(image, "png", folder.resolve(String.format("p%03d.png", i)).toFile());
      Files.writeString(folder.resolve(String.format("p%03d.txt", i)), "a " + colors[c] + " square");
    }
    return folder;
  }

  private Path spec(String name, String shards, String onError) throws Exception {
    return Files.writeString(work.resolve(name + ".json"), SPEC.replace("SHARDS", shards).replace("ON_ERROR", onError));
  }

  @Test
  void packedPicturesTrainAndABrokenOneIsNamedThenSkippedOrFatal() throws Exception {
    Path pictures = folder(40);
    Files.writeString(pictures.resolve("p007.png"), "not a picture"); // a broken image, with its caption
    Result pack = MomaProcess.run(Distribution.home(), work, "pack", "--format", "webdataset", pictures.toString(),
        "--out", work.resolve("shards").toString(), "--samples-per-shard", "16");
    assertEquals(0, pack.exit(), pack.err());
    assertTrue(pack.out().contains("packed 40 samples into 3 shard(s)"), pack.out());
    String shards = "\"" + work.resolve("shards") + "/shard-{00000..00002}.tar\"";
    Result skip = MomaProcess.run(Distribution.home(), work, "run", spec("skip", shards, "skip").toString(), "--output",
        work.resolve("skip").toString());
    assertEquals(0, skip.exit(), skip.err());
    String all = skip.out() + skip.err();
    assertTrue(all.contains("shard-00000.tar/p007") && all.contains("does not decode"), "the bad sample is named: " + all);
    assertTrue(all.contains("bad sample(s) of the data were skipped"), "the run says how many: " + all);
    assertEquals(8, Files.readAllLines(work.resolve("skip/metrics.jsonl")).size());

    Result fail = MomaProcess.run(Distribution.home(), work, "run", spec("fail", shards, "fail").toString(), "--output",
        work.resolve("fail").toString());
    assertEquals(2, fail.exit(), fail.err());
    assertEquals(1, fail.errLines().size(), fail.err());
    assertTrue(fail.err().startsWith("error:") && fail.err().contains("shard-00000.tar/p007"), fail.err());
    // the bad sample is reached while training: the run stops there, a stopped run like any other
    assertTrue(Files.notExists(work.resolve("fail/summary.json")), "the run did not go past the bad sample");

    Result missing = MomaProcess.run(Distribution.home(), work, "run",
        spec("missing", "\"" + work.resolve("shards") + "/shard-{00000..00004}.tar\"", "skip").toString());
    assertEquals(2, missing.exit(), missing.err());
    assertTrue(missing.errLines().size() == 1 && missing.err().contains("shard-00003.tar: no such shard"), missing.err());

    Files.write(work.resolve("shards/extra.tar.gz"), new byte[] {31, -117, 8});
    Result gz = MomaProcess.run(Distribution.home(), work, "run",
        spec("gz", "[\"" + work.resolve("shards/extra.tar.gz") + "\"]", "skip").toString());
    assertEquals(2, gz.exit(), gz.err());
    assertTrue(gz.err().contains("compressed"), gz.err());
    try (Stream<Path> runs = Files.list(work)) {
      assertEquals(List.of(), runs.filter(p -> p.getFileName().toString().matches("missing|gz|runs")).toList(), "refused runs write nothing");
    }
  }
}
