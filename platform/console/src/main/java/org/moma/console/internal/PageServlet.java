package org.moma.console.internal;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.regex.Pattern;

/**
 * The pages and their scripts, from the bundle's {@code web/} folder: {@code /} is the runs page;
 * uPlot (the chart library, from its WebJar) is packaged beside them, so nothing comes from a CDN.
 */
public final class PageServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final Pattern NAME = Pattern.compile("[a-z0-9-]{1,40}\\.(html|js|css|svg)|uplot/dist/uPlot\\.(iife\\.min\\.js|min\\.css)");

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
    String path = request.getPathInfo() == null ? request.getServletPath() : request.getServletPath() + request.getPathInfo();
    String name = path == null || path.equals("/") || path.isEmpty() ? "index.html" : path.substring(1);
    URL page = NAME.matcher(name).matches() ? PageServlet.class.getClassLoader().getResource("web/" + name) : null;
    if (page == null) {
      response.sendError(404);
      return;
    }
    response.setContentType(MediaTypes.of(name));
    response.setHeader("Cache-Control", "no-cache");
    try (InputStream in = page.openStream()) {
      in.transferTo(response.getOutputStream());
    }
  }
}
