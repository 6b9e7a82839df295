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
import org.moma.data.corpus.MixedModalTokenizer;
import org.moma.data.corpus.SegmentedCorpus;
import org.moma.data.corpus.TokenizerOptions;
import org.osgi.service.component.annotations.Component;

/** {@code jsonl}: the user's own interleaved documents (text segments and PNG/JPEG files). */
@Component(service = DatasetPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=jsonl")
public final class JsonlDatasetPlugin implements DatasetPlugin {
  private static final List<OptionSpec> OPTIONS =
      TokenizerOptions.with(
          List.of(
              new OptionSpec("path", OptionType.STRING, null, "the JSONL file"),
              OptionSpec.integer("validEvery", 20, "every n-th document is held out as 'valid'")));

  @Override
  public String name() {
    return "jsonl";
  }

  @Override
  public String description() {
    return "interleaved documents from a JSONL file with PNG/JPEG images";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public DocumentSource open(String split, long seed, Options options) {
    Path path = Path.of(options.getString("path"));
    JsonlDocuments documents;
    try {
      documents = JsonlDocuments.read(path);
    } catch (IOException e) {
      throw new SpecException(options.path() + ".path", e.getMessage(), e);
    }
    String key = "jsonl-" + Integer.toHexString(path.toAbsolutePath().normalize().toString().hashCode());
    MixedModalTokenizer tokenizer =
        TokenizerOptions.tokenizer(options, key, documents::texts, () -> documents.images(2000), 1234);
    return new SegmentedCorpus(documents.size(), split, options.getPositiveInt("validEvery"), documents::entry, tokenizer);
  }
}
