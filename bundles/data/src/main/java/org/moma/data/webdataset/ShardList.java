package org.moma.data.webdataset;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.moma.api.SpecException;

/**
 * The shards an option names, in order: a list of files, a glob ({@code data/*.tar}), or a
 * zero-padded brace range ({@code data/{00000..00127}.tar}), as WebDataset writes them. Only
 * uncompressed tar is read; a missing shard is named.
 */
public final class ShardList {
  private static final Pattern RANGE = Pattern.compile("\\{(\\d+)\\.\\.(\\d+)}");

  private ShardList() {}

  /** The shards of the {@code shards} option at {@code path} (a string or an array of strings). */
  public static List<Path> expand(JsonNode option, String path) {
    List<String> patterns = new ArrayList<>();
    if (option == null || option.isNull() || option.isMissingNode()) {
      throw new SpecException(path, "required option is missing: the tar shards (a list, a glob or data/{00000..00099}.tar)");
    }
    if (option.isArray()) {
      option.forEach(n -> patterns.add(n.asText()));
    } else if (option.isTextual()) {
      patterns.add(option.asText());
    } else {
      throw new SpecException(path, "expected a string or an array of strings, found " + option);
    }
    List<Path> shards = new ArrayList<>();
    for (String pattern : patterns) {
      for (String name : braces(pattern, path)) {
        shards.addAll(glob(name, path));
      }
    }
    if (shards.isEmpty()) {
      throw new SpecException(path, "names no shard");
    }
    for (Path shard : shards) {
      String lower = shard.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
      if (lower.endsWith(".tar.gz") || lower.endsWith(".tgz") || lower.endsWith(".tar.zst") || lower.endsWith(".tar.bz2")) {
        throw new SpecException(path, shard + " is compressed: shards are read by offset, so they must be plain tar"
            + " (gunzip them first)");
      }
      if (!Files.isRegularFile(shard)) {
        throw new SpecException(path, shard + ": no such shard");
      }
    }
    return shards;
  }

  /** {@code a/{00..02}.tar} → a/00.tar, a/01.tar, a/02.tar (the width of the first bound is kept). */
  static List<String> braces(String pattern, String path) {
    Matcher m = RANGE.matcher(pattern);
    if (!m.find()) {
      return List.of(pattern);
    }
    long from = Long.parseLong(m.group(1));
    long to = Long.parseLong(m.group(2));
    if (to < from) {
      throw new SpecException(path, "the range {" + m.group(1) + ".." + m.group(2) + "} is empty");
    }
    int width = m.group(1).length();
    List<String> out = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      String number = String.format(java.util.Locale.ROOT, "%0" + width + "d", i);
      out.addAll(braces(pattern.substring(0, m.start()) + number + pattern.substring(m.end()), path));
    }
    return out;
  }

  /** The files a name with {@code *} or {@code ?} in its last part matches, sorted; the name itself otherwise. */
  static List<Path> glob(String name, String path) {
    Path p = Path.of(name);
    String last = p.getFileName() == null ? "" : p.getFileName().toString();
    if (!last.contains("*") && !last.contains("?")) {
      return List.of(p);
    }
    Path dir = p.getParent() == null ? Path.of(".") : p.getParent();
    PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + last);
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> matcher.matches(f.getFileName())).sorted().toList();
    } catch (IOException e) {
      throw new SpecException(path, name + ": cannot list " + dir + " (" + e.getMessage() + ")");
    }
  }
}
