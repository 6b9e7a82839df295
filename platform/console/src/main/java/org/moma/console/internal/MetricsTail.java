package org.moma.console.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The metrics lines of the runs, read incrementally: each request reads only the bytes appended
 * since the last one, so many pages polling a training run cost it almost nothing. Only whole lines
 * count: one cut by a kill stays out until it is complete. A file replaced (a resume rewrites it)
 * is read again from the start.
 */
public final class MetricsTail {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Map<Path, Tail> tails = new ConcurrentHashMap<>();

  /** A run's metrics lines from step {@code from} on, as one JSON array (the lines as written). */
  public String from(Path run, int from) throws IOException {
    Tail tail = tails.computeIfAbsent(run.resolve("metrics.jsonl"), Tail::new);
    synchronized (tail) {
      tail.refresh();
      int first = tail.firstAtOrAfter(from);
      if (first == 0) { // the whole curve, as a page opened now asks: built once per new line, not per request
        if (tail.whole == null) {
          tail.whole = join(tail.lines, 0);
        }
        return tail.whole;
      }
      return join(tail.lines, first);
    }
  }

  private static String join(List<String> lines, int first) {
    StringBuilder out = new StringBuilder("[");
    for (int i = first; i < lines.size(); i++) {
      if (i > first) {
        out.append(',');
      }
      out.append(lines.get(i));
    }
    return out.append(']').toString();
  }

  private static final class Tail {
    private final Path file;
    private Object key;
    private long offset;
    private final List<String> lines = new ArrayList<>();
    private final List<Integer> steps = new ArrayList<>();
    private String whole; // every line as one array, until a line is added

    Tail(Path file) {
      this.file = file;
    }

    void refresh() throws IOException {
      BasicFileAttributes attributes;
      try {
        attributes = Files.readAttributes(file, BasicFileAttributes.class);
      } catch (NoSuchFileException e) {
        reset(null);
        return;
      }
      Object now = attributes.fileKey() != null ? attributes.fileKey() : attributes.creationTime();
      if (!Objects.equals(now, key) || attributes.size() < offset) {
        reset(now);
      }
      if (attributes.size() == offset) {
        return;
      }
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
        ByteBuffer bytes = ByteBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 8, channel.size() - offset));
        channel.read(bytes, offset);
        bytes.flip();
        int start = 0;
        for (int i = 0; i < bytes.limit(); i++) {
          if (bytes.get(i) == '\n') {
            String line = new String(bytes.array(), start, i - start, StandardCharsets.UTF_8).strip();
            start = i + 1;
            add(line);
          }
        }
        offset += start; // a cut last line is read again once it is whole
      }
    }

    private void add(String line) {
      if (line.isEmpty()) {
        return;
      }
      try {
        JsonNode node = JSON.readTree(line);
        if (node != null && node.isObject()) {
          whole = null;
          lines.add(line);
          steps.add(node.path("step").asInt(0));
        }
      } catch (IOException e) {
        // a line that is not JSON (cut, then completed by nothing) is left out, as RunStatus does
      }
    }

    private void reset(Object key) {
      this.key = key;
      whole = null;
      offset = 0;
      lines.clear();
      steps.clear();
    }

    int firstAtOrAfter(int step) {
      int lo = 0;
      int hi = steps.size();
      while (lo < hi) { // steps grow along the file
        int mid = (lo + hi) >>> 1;
        if (steps.get(mid) < step) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo;
    }
  }
}
