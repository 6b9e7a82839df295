package org.moma.spec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.moma.api.SpecException;
import org.moma.api.spec.ExperimentSpec;

/** Reads experiment specs from JSON; every error names the file, the line and the field. */
public final class SpecReader {
  public static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(JsonParser.Feature.ALLOW_COMMENTS)
          .enable(SerializationFeature.INDENT_OUTPUT);

  private SpecReader() {}

  public static ExperimentSpec read(Path file) {
    byte[] bytes;
    try {
      if (Files.isDirectory(file)) {
        throw new SpecException("", file + ": is a folder, not a spec file");
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new SpecException("", file + ": spec file not found");
    } catch (IOException e) {
      throw new SpecException("", file + ": cannot read spec file: " + e.getMessage());
    }
    return parse(utf8(bytes, file), file.toString());
  }

  /** The text of a spec file; bytes that are not UTF-8 (a binary file, another encoding) are named by line. */
  static String utf8(byte[] bytes, Path file) {
    java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
    java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length);
    java.nio.charset.CharsetDecoder decoder = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
    java.nio.charset.CoderResult result = decoder.decode(in, out, true);
    if (result.isError()) {
      int line = 1;
      for (int i = 0; i < in.position(); i++) {
        line += bytes[i] == '\n' ? 1 : 0;
      }
      throw new SpecException("", file + ":" + line + ": not UTF-8 text (byte " + in.position()
          + "); a spec is a JSON file");
    }
    decoder.flush(out);
    return out.flip().toString();
  }

  /** Parses and validates a spec; {@code source} names it in messages. */
  public static ExperimentSpec parse(String json, String source) {
    ExperimentSpec spec;
    try {
      spec = MAPPER.readValue(json, ExperimentSpec.class);
    } catch (JsonProcessingException e) {
      throw describe(e, source);
    }
    if (spec == null) {
      throw new SpecException("", source + ": empty spec");
    }
    try {
      return spec.validate();
    } catch (SpecException e) {
      throw e.in(source);
    }
  }

  public static String toJson(ExperimentSpec spec) {
    try {
      return MAPPER.writeValueAsString(spec);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static SpecException describe(JsonProcessingException e, String source) {
    String where =
        e.getLocation() == null
            ? source
            : source + ":" + e.getLocation().getLineNr() + ":" + e.getLocation().getColumnNr();
    String path = "";
    if (e instanceof JsonMappingException) {
      path = jsonPath((JsonMappingException) e);
    }
    String message;
    if (e instanceof UnrecognizedPropertyException) {
      UnrecognizedPropertyException u = (UnrecognizedPropertyException) e;
      message =
          "unknown field '"
              + u.getPropertyName()
              + "' (known fields: "
              + u.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", "))
              + ")";
    } else {
      message = e.getOriginalMessage().replaceAll("\\s+", " ");
      int cut = message.indexOf(" at [Source");
      message = cut > 0 ? message.substring(0, cut) : message;
      if (message.length() > 200) {
        message = message.substring(0, 200) + "…";
      }
    }
    return SpecException.located(path, where + ": " + (path.isEmpty() ? "" : path + ": ") + message, e);
  }

  private static String jsonPath(JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (path.length() > 0) {
          path.append('.');
        }
        path.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    return path.toString();
  }
}
