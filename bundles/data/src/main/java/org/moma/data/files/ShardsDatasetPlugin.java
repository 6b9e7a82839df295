package org.moma.data.files;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.OptionType;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.data.DatasetPlugin;
import org.moma.api.data.DocumentSource;
import org.moma.api.data.ShardFile;
import org.moma.data.corpus.MixedModalTokenizer;
import org.osgi.service.component.annotations.Component;

/**
 * {@code shards}: pre-tokenised documents written by {@code moma tokenize}, memory-mapped. With
 * {@code tokenizers}, the shard's vocabulary must be the one of that tokenizer folder.
 */
@Component(service = DatasetPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=shards")
public final class ShardsDatasetPlugin implements DatasetPlugin {
  private static final List<OptionSpec> OPTIONS =
      List.of(
          new OptionSpec("train", OptionType.STRING, null, "shard file of the train split"),
          OptionSpec.string("valid", "", "shard file of the valid split (optional)"),
          OptionSpec.string("tokenizers", "", "tokenizer folder the shards must match (optional)"));

  @Override
  public String name() {
    return "shards";
  }

  @Override
  public String description() {
    return "pre-tokenised, memory-mapped shards written by 'moma tokenize'";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public DocumentSource open(String split, long seed, Options options) {
    String file = options.getString(split.equals("train") ? "train" : "valid");
    if (!split.equals("train") && !split.equals("valid") || file.isEmpty()) {
      throw new SpecException(options.path(), "no shard file for split '" + split + "'");
    }
    ShardFile shard;
    try {
      shard = ShardFile.open(Path.of(file));
    } catch (IOException e) {
      throw new SpecException(options.path() + "." + split, e.getMessage(), e);
    }
    String tokenizers = options.getString("tokenizers");
    if (!tokenizers.isEmpty()) {
      try {
        String expected = MixedModalTokenizer.load(Path.of(tokenizers)).vocabulary().identity();
        if (!expected.equals(shard.vocabulary().identity())) {
          throw new SpecException(options.path() + "." + split, file + " was built with vocabulary "
              + shard.vocabulary().identity() + ", but the tokenizers in " + tokenizers + " are " + expected);
        }
      } catch (IOException e) {
        throw new SpecException(options.path() + ".tokenizers", e.getMessage(), e);
      }
    }
    return shard;
  }
}
