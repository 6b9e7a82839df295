package org.moma.data.clipart;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * The Creative Commons work an Open Clip Art SVG describes in its metadata: the {@code cc:Work}'s
 * own {@code dc:title} and {@code dc:description} (not the titles of its publisher's or creator's
 * {@code cc:Agent}s) and its keywords ({@code dc:subject}'s {@code rdf:li}). Reading stops at the
 * end of the work, so the drawing itself is never parsed; DTDs are never fetched.
 */
record SvgMetadata(String title, String description, List<String> keywords) {
  private static final String DC = "http://purl.org/dc/elements/1.1/";
  private static final String RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
  private static final XMLInputFactory FACTORY = factory();

  static final SvgMetadata NONE = new SvgMetadata("", "", List.of());

  private static XMLInputFactory factory() {
    XMLInputFactory f = XMLInputFactory.newFactory();
    f.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
    // Illustrator's SVGs declare their namespaces as internal entities: the internal subset is read,
    // anything external (the SVG 1.1 DTD's address) resolves to nothing instead of the network
    f.setProperty(XMLInputFactory.SUPPORT_DTD, true);
    f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    f.setXMLResolver((publicId, systemId, base, namespace) -> new ByteArrayInputStream(new byte[0]));
    return f;
  }

  /** The work described in {@code svg}, or {@link #NONE} when it has none. */
  static SvgMetadata read(Path svg) throws IOException {
    try (InputStream in = Files.newInputStream(svg)) {
      return read(in);
    } catch (XMLStreamException e) {
      throw new IOException(svg + ": not well-formed XML (" + e.getMessage().lines().reduce((a, b) -> b).orElse("") + ")", e);
    }
  }

  static SvgMetadata read(InputStream in) throws XMLStreamException {
    XMLStreamReader xml;
    synchronized (FACTORY) {
      xml = FACTORY.createXMLStreamReader(in);
    }
    try {
      int depth = 0;
      int workDepth = -1; // depth of the open cc:Work, -1 outside it
      boolean inSubject = false; // inside the work's dc:subject, whose rdf:li are its keywords
      String field = null; // the work's own field being read: title, description or li
      StringBuilder text = new StringBuilder();
      String title = "";
      String description = "";
      List<String> keywords = new ArrayList<>();
      while (xml.hasNext()) {
        int event = xml.next();
        if (event == XMLStreamConstants.START_ELEMENT) {
          depth++;
          String local = xml.getLocalName();
          String ns = xml.getNamespaceURI();
          if (workDepth < 0 && local.equals("Work") && isCreativeCommons(ns)) {
            workDepth = depth;
          } else if (workDepth > 0 && depth == workDepth + 1 && DC.equals(ns) && (local.equals("title") || local.equals("description"))) {
            field = local;
            text.setLength(0);
          } else if (workDepth > 0 && depth == workDepth + 1 && DC.equals(ns) && local.equals("subject")) {
            inSubject = true;
          } else if (inSubject && RDF.equals(ns) && local.equals("li") && field == null) {
            field = "li";
            text.setLength(0);
          }
        } else if (event == XMLStreamConstants.CHARACTERS || event == XMLStreamConstants.CDATA) {
          if (field != null) {
            text.append(xml.getText());
          }
        } else if (event == XMLStreamConstants.END_ELEMENT) {
          if (field != null && xml.getLocalName().equals(field)) {
            String value = text.toString().strip();
            switch (field) {
              case "title" -> title = value;
              case "description" -> description = value;
              default -> {
                if (!value.isEmpty()) {
                  keywords.add(value);
                }
              }
            }
            field = null;
          }
          if (depth == workDepth + 1) {
            inSubject = false;
          }
          if (depth == workDepth) {
            return new SvgMetadata(title, description, List.copyOf(keywords));
          }
          depth--;
        }
      }
      return NONE;
    } finally {
      xml.close();
    }
  }

  private static boolean isCreativeCommons(String ns) {
    return ns != null && (ns.startsWith("http://web.resource.org/cc/") || ns.startsWith("http://creativecommons.org/ns"));
  }
}
