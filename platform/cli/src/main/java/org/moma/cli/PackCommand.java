package org.moma.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.moma.api.SpecException;
import org.moma.data.webdataset.ShardWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code moma pack --format webdataset DIR|JSONL --out FOLDER}: image–text pairs as WebDataset
 * shards, from a folder of images each with a {@code .txt} caption beside it (img2dataset's
 * folder output) or from a {@code jsonl} dataset's file (its documents with one image).
 */
@Command(name = "pack", mixinStandardHelpOptions = true,
    description = "Write WebDataset tar shards from a folder of images with .txt captions, or from a jsonl dataset's file.")
final class PackCommand implements Callable<Integer> {
  @ParentCommand MomaCommand parent;

  @Option(names = "--format", required = true, description = "the shards' format: webdataset") String format;

  @Parameters(index = "0", paramLabel = "DIR|JSONL", description = "a folder of images with captions, or a jsonl file") Path input;

  @Option(names = "--out", required = true, description = "the folder the shards go to (new, or without shards)") Path out;

  @Option(names = "--samples-per-shard", defaultValue = "1000", description = "samples per shard (default: ${DEFAULT-VALUE})")
  int samplesPerShard;

  @Override
  public Integer call() throws IOException {
    if (!format.equals("webdataset")) {
      throw new SpecException("--format", "'" + format + "' is not a format moma writes: webdataset");
    }
    long[] others = {0};
    List<ShardWriter.Pair> pairs;
    if (Files.isDirectory(input)) {
      pairs = ShardWriter.fromFolder(input);
    } else if (Files.isRegularFile(input)) {
      pairs = ShardWriter.fromJsonl(input, others);
    } else {
      throw new SpecException("input", input + ": no such folder or file");
    }
    long start = System.nanoTime();
    List<Path> shards = ShardWriter.write(pairs, out, samplesPerShard);
    parent.out.printf(Locale.ROOT, "packed %d samples into %d shard(s) in %s in %.1f s%s%n", pairs.size(), shards.size(), out,
        (System.nanoTime() - start) / 1e9, others[0] > 0 ? "; " + others[0] + " document(s) without exactly one image left out" : "");
    parent.out.flush();
    return 0;
  }
}
