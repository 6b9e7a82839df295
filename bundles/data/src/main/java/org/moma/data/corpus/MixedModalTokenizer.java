package org.moma.data.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.moma.api.data.TokenizedDocument;
import org.moma.api.data.Vocabulary;
import org.moma.api.model.Modality;
import org.moma.data.image.PatchCodebook;
import org.moma.data.text.ByteBpe;

/**
 * Chameleon's one shared vocabulary: special tokens, then the BPE text ids, then the image codes.
 * Turns interleaved documents into ids with a modality per token, and ids back into text and PNGs.
 */
public final class MixedModalTokenizer {
  public static final int PAD = 0;
  public static final int END_OF_DOCUMENT = 1;
  public static final int BEGIN_IMAGE = 2;
  public static final int END_IMAGE = 3;
  public static final int SPECIALS = 4;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ByteBpe text;
  private final PatchCodebook image;
  private final Vocabulary vocabulary;

  public MixedModalTokenizer(ByteBpe text, PatchCodebook image) {
    this.text = text;
    this.image = image;
    int imageStart = SPECIALS + text.vocabSize();
    vocabulary =
        new Vocabulary(
            imageStart + image.codebookSize(), PAD, END_OF_DOCUMENT, BEGIN_IMAGE, END_IMAGE,
            imageStart, image.codebookSize(), text.identity() + "+" + image.identity());
  }

  public Vocabulary vocabulary() {
    return vocabulary;
  }

  public ByteBpe text() {
    return text;
  }

  public PatchCodebook image() {
    return image;
  }

  /**
   * @param scoreFromSegment index of the first segment an evaluator scores (0 = all)
   */
  public TokenizedDocument tokenize(List<Segment> segments, int scoreFromSegment) {
    List<Integer> ids = new ArrayList<>();
    List<Byte> modality = new ArrayList<>();
    int scoreFrom = 0;
    for (int s = 0; s < segments.size(); s++) {
      if (s == scoreFromSegment) {
        scoreFrom = ids.size();
      }
      Segment segment = segments.get(s);
      if (segment.isImage()) {
        add(ids, modality, BEGIN_IMAGE, Modality.TEXT);
        for (int code : image.encode(segment.image())) {
          add(ids, modality, vocabulary.imageStart() + code, Modality.IMAGE);
        }
        add(ids, modality, END_IMAGE, Modality.IMAGE);
      } else {
        for (int id : text.encode(segment.text())) {
          add(ids, modality, SPECIALS + id, Modality.TEXT);
        }
      }
    }
    add(ids, modality, END_OF_DOCUMENT, Modality.TEXT);
    int[] tokens = ids.stream().mapToInt(Integer::intValue).toArray();
    byte[] modalities = new byte[modality.size()];
    for (int i = 0; i < modalities.length; i++) {
      modalities[i] = modality.get(i);
    }
    return new TokenizedDocument(tokens, modalities, scoreFrom);
  }

  private static void add(List<Integer> ids, List<Byte> modality, int id, Modality m) {
    ids.add(id);
    modality.add((byte) m.id());
  }

  /** The image half as an API codec over vocabulary ids. */
  public org.moma.api.data.ImageCodec imageCodec() {
    return new org.moma.api.data.ImageCodec() {
      @Override
      public int tokensPerImage() {
        return image.tokensPerImage();
      }

      @Override
      public BufferedImage decode(int[] ids) {
        return decodeImage(ids);
      }
    };
  }

  /** The text half as an API tokenizer whose ids are vocabulary ids. */
  public org.moma.api.data.Tokenizer textTokenizer() {
    return new org.moma.api.data.Tokenizer() {
      @Override
      public int[] encode(String value) {
        return java.util.Arrays.stream(text.encode(value)).map(id -> id + SPECIALS).toArray();
      }

      @Override
      public String decode(int[] ids) {
        return decodeText(ids);
      }

      @Override
      public String identity() {
        return vocabulary.identity();
      }
    };
  }

  /** Text of the text ids among {@code ids} (special tokens and image codes are skipped). */
  public String decodeText(int[] ids) {
    return text.decode(java.util.Arrays.stream(ids)
        .filter(id -> id >= SPECIALS && id < vocabulary.imageStart())
        .map(id -> id - SPECIALS)
        .toArray());
  }

  /** The image of a grid of image-code ids (vocabulary ids, not codebook indices). */
  public BufferedImage decodeImage(int[] ids) {
    int[] codes = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      if (!vocabulary.isImageCode(ids[i])) {
        throw new IllegalArgumentException("id " + ids[i] + " at " + i + " is not an image code");
      }
      codes[i] = ids[i] - vocabulary.imageStart();
    }
    return image.decode(codes);
  }

  /** Writes {@code tokenizer.json} atomically: a reader never sees half a file. */
  public void save(Path dir) throws IOException {
    Files.createDirectories(dir);
    ObjectNode root = JSON.createObjectNode();
    root.put("format", "moma-tokenizer/1");
    root.put("identity", vocabulary.identity());
    ArrayNode merges = root.putArray("bpeMerges");
    for (int[] m : text.merges()) {
      merges.addArray().add(m[0]).add(m[1]);
    }
    ObjectNode vq = root.putObject("image");
    vq.put("size", image.size());
    vq.put("patch", image.patch());
    ArrayNode codes = vq.putArray("codebook");
    for (float[] c : image.codes()) {
      ArrayNode row = codes.addArray();
      for (float f : c) {
        row.add(f);
      }
    }
    Path tmp = Files.createTempFile(dir, "tokenizer", ".tmp");
    JSON.writeValue(tmp.toFile(), root);
    Files.move(tmp, dir.resolve("tokenizer.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  public static MixedModalTokenizer load(Path dir) throws IOException {
    Path file = dir.resolve("tokenizer.json");
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException(file + ": not a tokenizer file: " + e.getOriginalMessage(), e);
    }
    if (root == null || !"moma-tokenizer/1".equals(root.path("format").asText())) {
      throw new IOException(file + ": not a moma-tokenizer/1 file");
    }
    JsonNode merges = root.path("bpeMerges");
    int[][] m = new int[merges.size()][];
    for (int i = 0; i < m.length; i++) {
      m[i] = new int[] {merges.get(i).get(0).asInt(), merges.get(i).get(1).asInt()};
    }
    JsonNode vq = root.path("image");
    JsonNode codebook = vq.path("codebook");
    float[][] codes = new float[codebook.size()][];
    for (int c = 0; c < codes.length; c++) {
      JsonNode row = codebook.get(c);
      codes[c] = new float[row.size()];
      for (int d = 0; d < codes[c].length; d++) {
        codes[c][d] = (float) row.get(d).asDouble();
      }
    }
    MixedModalTokenizer tokenizer =
        new MixedModalTokenizer(new ByteBpe(m), new PatchCodebook(vq.path("size").asInt(), vq.path("patch").asInt(), codes));
    if (!tokenizer.vocabulary().identity().equals(root.path("identity").asText())) {
      throw new IOException(file + ": content does not match its recorded identity (corrupt file?)");
    }
    return tokenizer;
  }
}
