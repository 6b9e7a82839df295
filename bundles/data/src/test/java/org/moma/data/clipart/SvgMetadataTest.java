package org.moma.data.clipart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SvgMetadataTest {
  private static SvgMetadata read(String svg) throws Exception {
    return SvgMetadata.read(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void theWorksOwnTitleNotThePublishersOrTheCreators() throws Exception {
    SvgMetadata w = read(ClipartFixture.svg("Test tube", "Blood plasma in a tube.", "science", "medicine"));
    assertEquals("Test tube", w.title());
    assertEquals("Blood plasma in a tube.", w.description());
    assertEquals(List.of("science", "medicine"), w.keywords());
  }

  @Test
  void illustratorEntitiesAreReadAndNoDtdIsFetched() throws Exception {
    // Adobe Illustrator declares its namespaces as internal entities; the external DTD is never fetched (offline)
    String svg = """
        <?xml version="1.0" encoding="utf-8"?>
        <!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.0//EN" "http://www.w3.org/TR/2001/REC-SVG-20010904/DTD/svg10.dtd" [
          <!ENTITY ns_svg "http://www.w3.org/2000/svg">
          <!ENTITY ns_cc "http://creativecommons.org/ns#">
        ]>
        <svg xmlns="&ns_svg;" xmlns:cc="&ns_cc;" xmlns:dc="http://purl.org/dc/elements/1.1/"
             xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
          <metadata><rdf:RDF><cc:Work><dc:title>Bicycle &amp; rider</dc:title></cc:Work></rdf:RDF></metadata>
        </svg>
        """;
    SvgMetadata w = read(svg);
    assertEquals("Bicycle & rider", w.title());
    assertEquals("", w.description());
    assertEquals(List.of(), w.keywords());
  }

  @Test
  void aDrawingWithoutMetadataHasNone() throws Exception {
    assertSame(SvgMetadata.NONE, read("<svg xmlns=\"http://www.w3.org/2000/svg\"><rect/></svg>"));
  }

  @Test
  void brokenXmlIsAnErrorNamingTheFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("broken.svg");
    Files.writeString(file, "<svg><metadata>");
    IOException e = assertThrows(IOException.class, () -> SvgMetadata.read(file));
    assertTrue(e.getMessage().startsWith(file + ": not well-formed XML"), e.getMessage());
  }
}
