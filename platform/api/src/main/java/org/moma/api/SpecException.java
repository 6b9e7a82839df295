package org.moma.api;

/**
 * A spec or option that cannot be used. The message always names where the problem is: the JSON path
 * of the field ({@code model.ffn.options.experts}) and, when known, the file and line.
 */
public class SpecException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String path;

  public SpecException(String path, String message) {
    super(path == null || path.isEmpty() ? message : path + ": " + message);
    this.path = path;
  }

  public SpecException(String path, String message, Throwable cause) {
    this(path, message);
    initCause(cause);
  }

  private SpecException(String path, String fullMessage, boolean verbatim) {
    super(fullMessage);
    this.path = path;
  }

  /** The same problem, its message prefixed by where it was found ({@code spec.json:12:5}). */
  public SpecException in(String location) {
    SpecException located = new SpecException(path, location + ": " + getMessage(), true);
    located.initCause(getCause());
    return located;
  }

  /** A problem at {@code path} whose message already says everything (file, line, field). */
  public static SpecException located(String path, String fullMessage, Throwable cause) {
    SpecException e = new SpecException(path, fullMessage, true);
    e.initCause(cause);
    return e;
  }

  /** The JSON path of the offending field, or empty when the problem is the whole document. */
  public String path() {
    return path == null ? "" : path;
  }
}
