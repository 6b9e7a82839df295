package org.moma.data.clipart;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The distinct drawings of an Open Clip Art folder ({@code svg/} and {@code png/}, as Debian's
 * {@code openclipart-svg} and {@code openclipart-png} install them), each captioned. A drawing is
 * counted once however many names link to it: its identity is its SVG's real path. Its image is the
 * PNG rendering of that real path.
 */
final class Catalogue {
  private static final Logger LOG = LoggerFactory.getLogger(Catalogue.class);

  /** The drawings, in path order, and how many SVG files were links to a drawing already counted, or had no rendering. */
  record Scan(List<Drawing> drawings, int links, int withoutRendering, int unreadable) {}

  private Catalogue() {}

  static Scan scan(Path folder) throws IOException {
    Path svgRoot = folder.resolve("svg");
    Path pngRoot = folder.resolve("png");
    for (Path p : List.of(svgRoot, pngRoot)) {
      if (!Files.isDirectory(p)) {
        throw new NoSuchFileException(p.toString(), null,
            "no Open Clip Art " + p.getFileName() + "/ folder (apt-get install openclipart-svg openclipart-png)");
      }
    }
    Path realRoot = svgRoot.toRealPath();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(svgRoot)) {
      files = walk.filter(p -> p.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".svg"))
          .sorted().toList();
    }
    // by real path: a link to a drawing already seen (often under another name) adds nothing
    Map<String, SvgMetadata> works = new LinkedHashMap<>();
    Map<String, Path> renderings = new HashMap<>();
    int links = 0;
    int withoutRendering = 0;
    int unreadable = 0;
    for (Path file : files) {
      Path real;
      try {
        real = file.toRealPath();
      } catch (IOException e) {
        LOG.warn("skipped clip art {}: a dangling link", file);
        unreadable++;
        continue;
      }
      String id = (real.startsWith(realRoot) ? realRoot.relativize(real) : real).toString().replace('\\', '/');
      if (works.containsKey(id)) {
        links++;
        continue;
      }
      Path png = pngRoot.resolve(id.replaceFirst("(?i)\\.svg$", ".png"));
      if (!Files.isRegularFile(png)) {
        withoutRendering++;
        continue;
      }
      try {
        works.put(id, SvgMetadata.read(real));
        renderings.put(id, png);
      } catch (IOException e) {
        LOG.warn("skipped clip art {}: {}", file, e.getMessage());
        unreadable++;
      }
    }
    Map<String, Integer> titles = new HashMap<>();
    Map<String, Integer> keywords = new HashMap<>();
    for (SvgMetadata w : works.values()) {
      titles.merge(w.title().strip(), 1, Integer::sum);
      for (String k : Captions.keywords(w.keywords())) {
        keywords.merge(k, 1, Integer::sum);
      }
    }
    Captions captions = new Captions(titles, keywords, works.size());
    List<Drawing> drawings = new ArrayList<>();
    works.forEach((id, work) -> drawings.add(new Drawing(id, renderings.get(id), captions.caption(id, work))));
    return new Scan(List.copyOf(drawings), links, withoutRendering, unreadable);
  }
}
