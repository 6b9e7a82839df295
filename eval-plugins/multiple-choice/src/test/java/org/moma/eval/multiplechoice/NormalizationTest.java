package org.moma.eval.multiplechoice;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.moma.api.eval.Scoring;

/** acc_norm as lm-eval-harness computes it: log-likelihood per byte of the continuation, not per token. */
class NormalizationTest {
  @Test
  void perByteDividesByTheContinuationsUtf8Length() {
    Task.Item item = new Task.Item("ctx", List.of(" short", " a much longer answer", " café"), 0);
    Scoring.Score s = new Scoring.Score(-12, 3, new double[0][]);
    assertEquals(-2.0, MultipleChoiceEvaluator.perByte(s, item, 0), 1e-12); // " short": 6 bytes
    assertEquals(-12.0 / 21, MultipleChoiceEvaluator.perByte(s, item, 1), 1e-12);
    assertEquals(-12.0 / 6, MultipleChoiceEvaluator.perByte(s, item, 2), 1e-12); // " café": é is 2 bytes
  }
}
