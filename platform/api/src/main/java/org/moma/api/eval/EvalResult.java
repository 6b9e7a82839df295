package org.moma.api.eval;

import java.util.Map;

/** An evaluator's metrics, by name, as they go into {@code eval.json}. */
public record EvalResult(String evaluator, Map<String, Object> metrics) {}
