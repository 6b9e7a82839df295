package org.moma.api.eval;

/**
 * One input of an evaluator checked before a long evaluation ({@code moma eval --check}): what was
 * checked (a task, a file), whether it is usable, and the detail a person acts on (item count, or
 * what is missing or malformed, with file and line).
 */
public record InputCheck(String subject, boolean ok, String detail) {}
