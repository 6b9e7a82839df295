package org.moma.console.internal;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.osgi.service.servlet.whiteboard.Preprocessor;

/**
 * Every request passes here first, before any servlet of any bundle (the Felix Web Console's
 * included): when the console was given a token, a request without it gets 401, loopback clients
 * too. The token comes as {@code Authorization: Bearer T}, as {@code ?token=T} (which leaves a
 * cookie, so a browser opened on the printed address keeps working) or as that cookie. Bodies are
 * limited in size.
 */
public final class AccessGate implements Preprocessor {
  static final String COOKIE = "moma_token";
  /** The Web Console installs bundles from uploads; everything else takes a spec at most. */
  private static final long MAX_UPLOAD = 256L << 20;

  private final byte[] token;

  /** @param token the token every request must carry, or null when the console listens on loopback only */
  public AccessGate(String token) {
    this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
    HttpServletRequest request = (HttpServletRequest) req;
    HttpServletResponse response = (HttpServletResponse) res;
    if (token != null) {
      String given = given(request);
      if (given == null || !MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8))) {
        response.setHeader("WWW-Authenticate", "Bearer realm=\"moma console\"");
        ApiServlet.error(response, 401, "this console needs its token: open the address it printed, or send Authorization: Bearer TOKEN");
        return;
      }
      if (request.getParameter("token") != null) {
        Cookie cookie = new Cookie(COOKIE, given);
        cookie.setHttpOnly(true);
        cookie.setPath("/");
        cookie.setAttribute("SameSite", "Strict");
        response.addCookie(cookie);
      }
    }
    boolean upload = request.getRequestURI().startsWith("/system/console");
    if (request.getContentLengthLong() > (upload ? MAX_UPLOAD : ApiServlet.MAX_BODY)) {
      ApiServlet.error(response, 413, "the body is too large");
      return;
    }
    chain.doFilter(req, res);
  }

  private static String given(HttpServletRequest request) {
    String header = request.getHeader("Authorization");
    if (header != null && header.startsWith("Bearer ")) {
      return header.substring("Bearer ".length()).strip();
    }
    String query = request.getParameter("token");
    if (query != null) {
      return query;
    }
    if (request.getCookies() != null) {
      for (Cookie c : request.getCookies()) {
        if (c.getName().equals(COOKIE)) {
          return c.getValue();
        }
      }
    }
    return null;
  }
}
