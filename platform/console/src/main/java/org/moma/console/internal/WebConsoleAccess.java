package org.moma.console.internal;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.felix.webconsole.spi.SecurityProvider;

/**
 * The Felix Web Console's access follows the console's: every request has already passed the
 * {@link AccessGate} (the token, when there is one). Without this provider the Web Console would
 * ask for its built-in default password, which everyone knows.
 */
public final class WebConsoleAccess implements SecurityProvider {
  private static final Object USER = "moma";

  @Override
  public Object authenticate(HttpServletRequest request, HttpServletResponse response) {
    return USER;
  }

  @Override
  public boolean authorize(Object user, String role) {
    return USER.equals(user);
  }

  @Override
  public void logout(HttpServletRequest request, HttpServletResponse response) {
    // nothing to forget: access is the token's, not a session's
  }
}
