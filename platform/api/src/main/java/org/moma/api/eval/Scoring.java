package org.moma.api.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.moma.api.data.TokenizedDocument;
import org.moma.api.data.Vocabulary;

/**
 * Log-likelihoods of documents under a model: every document is one sequence (left-truncated to
 * the model's context), and only targets from its {@code scoreFrom} on are counted.
 */
public final class Scoring {
  private Scoring() {}

  /**
   * One document's score.
   *
   * @param logLikelihood sum of log p(target) over its scored tokens
   * @param tokens number of scored tokens
   * @param byModality {@code [modality] -> {sum of −log p, count}}
   */
  public record Score(double logLikelihood, long tokens, double[][] byModality) {}

  /**
   * Documents padded into one {@code [rows, length]} batch for the model, each cut to the context
   * from its start ({@code offsets[b]} tokens dropped: the scored part is at the end).
   */
  public record Batch(List<TokenizedDocument> documents, int length, int[] tokens, int[] modalities, int[] offsets) {
    /** {@code [rows, length]} tokens and modality ids as tensors that own their memory. */
    public NDArray[] arrays(NDManager manager) {
      Shape shape = new Shape(documents.size(), length);
      return new NDArray[] {owned(manager, tokens, shape), owned(manager, modalities, shape)};
    }
  }

  /** The documents in batches of {@code batchSize}, padded with {@code vocabulary.pad()}, at most the model's context + 1 long. */
  public static List<Batch> batches(List<TokenizedDocument> documents, Vocabulary vocabulary, int seqLen, int batchSize) {
    List<Batch> batches = new ArrayList<>();
    int context = seqLen + 1;
    for (int start = 0; start < documents.size(); start += batchSize) {
      List<TokenizedDocument> batch = documents.subList(start, Math.min(documents.size(), start + batchSize));
      int length = 2;
      for (TokenizedDocument d : batch) {
        length = Math.max(length, Math.min(context, d.length()));
      }
      int[] tokens = new int[batch.size() * length];
      int[] modality = new int[batch.size() * length];
      int[] offsets = new int[batch.size()];
      java.util.Arrays.fill(tokens, vocabulary.pad());
      for (int b = 0; b < batch.size(); b++) {
        TokenizedDocument d = batch.get(b);
        int drop = Math.max(0, d.length() - length); // keep the end: the scored part is at the end
        offsets[b] = drop;
        for (int i = drop; i < d.length(); i++) {
          tokens[b * length + i - drop] = d.tokens()[i];
          modality[b * length + i - drop] = d.modalities()[i];
        }
      }
      batches.add(new Batch(batch, length, tokens, modality, offsets));
    }
    return batches;
  }

  /** Log-likelihood of each document's tokens from {@code scoreFrom} on, by modality too. */
  public static List<Score> score(LanguageModel model, NDManager manager, List<TokenizedDocument> documents,
      Vocabulary vocabulary, int modalities, int batchSize) {
    List<Score> scores = new ArrayList<>(documents.size());
    for (Batch batch : batches(documents, vocabulary, model.dims().seqLen(), batchSize)) {
      int length = batch.length();
      float[] logp;
      try (NDManager scope = manager.newSubManager()) {
        NDArray[] arrays = batch.arrays(scope);
        NDArray logits = model.logits(scope, arrays[0].get(":, :-1"), arrays[1].get(":, :-1"));
        NDArray targets = arrays[0].get(":, 1:").toType(DataType.INT64, false).expandDims(-1);
        logp = logits.logSoftmax(-1).gather(targets, -1).squeeze(-1).toFloatArray();
      }
      for (int b = 0; b < batch.documents().size(); b++) {
        TokenizedDocument d = batch.documents().get(b);
        int offset = batch.offsets()[b];
        double sum = 0;
        long count = 0;
        double[][] byModality = new double[modalities][2];
        int from = Math.max(1, d.scoreFrom() - offset);
        int end = d.length() - offset;
        for (int i = from; i < end; i++) {
          double lp = logp[b * (length - 1) + i - 1];
          sum += lp;
          count++;
          int m = d.modalities()[i + offset];
          if (m < modalities) {
            byModality[m][0] -= lp;
            byModality[m][1]++;
          }
        }
        scores.add(new Score(sum, count, byModality));
      }
    }
    return scores;
  }

  /** Perplexity {@code exp(Σ −log p / n)}; NaN when nothing was scored. */
  public static double perplexity(double negativeLogLikelihood, double count) {
    return count == 0 ? Double.NaN : Math.exp(negativeLogLikelihood / count);
  }

  /** Sum of the per-document {@code byModality} tables. */
  public static double[][] total(List<Score> scores, int modalities) {
    double[][] total = new double[modalities][2];
    for (Score s : scores) {
      for (int m = 0; m < modalities; m++) {
        total[m][0] += s.byModality()[m][0];
        total[m][1] += s.byModality()[m][1];
      }
    }
    return total;
  }

  /** A tensor that owns its memory (see {@code Tensors}: Java buffers must not back autograd operands). */
  private static NDArray owned(NDManager manager, int[] data, Shape shape) {
    try (NDArray wrapped = manager.create(data, shape)) {
      return wrapped.duplicate();
    }
  }

  /**
   * Perplexities of the first {@code n} documents of a split: overall, text and image, with the
   * token counts, under {@code prefix} ("valid", "caption" …) in the returned map.
   *
   * @param wholeDocument score every token (held-out perplexity) or only the part from
   *     {@code scoreFrom} (conditional perplexity)
   */
  public static java.util.Map<String, Object> splitPerplexity(EvalContext context, String split, int n,
      boolean wholeDocument, String prefix) {
    org.moma.api.data.DocumentSource source = context.split(split);
    List<TokenizedDocument> docs = documents(source, n);
    if (wholeDocument) {
      docs = docs.stream().map(d -> new TokenizedDocument(d.tokens(), d.modalities(), 0)).toList();
    }
    List<Score> scores = score(context.model(), context.manager(), docs, source.vocabulary(), 2, 8);
    double[][] t = total(scores, 2);
    java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put(prefix + ".documents", docs.size());
    m.put(prefix + ".perplexity", perplexity(t[0][0] + t[1][0], t[0][1] + t[1][1]));
    m.put(prefix + ".perplexity.text", perplexity(t[0][0], t[0][1]));
    m.put(prefix + ".perplexity.image", perplexity(t[1][0], t[1][1]));
    m.put(prefix + ".tokens.text", (long) t[0][1]);
    m.put(prefix + ".tokens.image", (long) t[1][1]);
    m.put("causal", context.causal());
    return m;
  }

  /** The first {@code n} documents of a split (all of them if it has fewer). */
  public static List<TokenizedDocument> documents(org.moma.api.data.DocumentSource source, int n) {
    List<TokenizedDocument> docs = new ArrayList<>();
    for (long i = 0; i < Math.min(n, source.size()); i++) {
      docs.add(source.document(i));
    }
    return docs;
  }
}
