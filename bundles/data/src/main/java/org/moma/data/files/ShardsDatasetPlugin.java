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
          OptionSpec.json("splits", "further splits by name, e.g. {\"caption\": \"caption.shard\", \"t2i\": \"t2i.shard\"} (optional)"),
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
    String file = file(split, options);
    if (file.isEmpty()) {
      throw new SpecException(options.path(), "no shard file for split '" + split + "' (give it in train, valid or splits)");
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

  /** The file of a split: the option of its name for train and valid, else its entry in {@code splits}; empty when none. */
  private static String file(String split, Options options) {
    if (split.equals("train") || split.equals("valid")) {
      return options.getString(split);
    }
    com.fasterxml.jackson.databind.JsonNode splits = options.getJson("splits");
    if (splits == null || splits.isNull() || splits.isMissingNode()) {
      return "";
    }
    if (!splits.isObject()) {
      throw new SpecException(options.path() + ".splits", "must be an object of split names to shard files");
    }
    com.fasterxml.jackson.databind.JsonNode f = splits.get(split);
    if (f != null && !f.isTextual()) {
      throw new SpecException(options.path() + ".splits." + split, "must be a shard file's path");
    }
    return f == null ? "" : f.asText();
  }
}
