package org.moma.api.train;

import java.io.PrintWriter;

/**
 * What a sink may use.
 *
 * @param console the command's standard output (the console sink writes its lines there)
 * @param path JSON path of the sink's options in the spec, for error messages
 */
public record SinkContext(PrintWriter console, String path) {}
