package org.moma.data.shapes;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/** What the generated corpora draw with: a white antialiased canvas and filled shapes in a square. */
public final class Drawing {
  private Drawing() {}

  /** A white {@code size × size} picture and its graphics (the caller disposes of them). */
  public static BufferedImage canvas(int size, java.util.function.Consumer<Graphics2D> draw) {
    BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, size, size);
    draw.accept(g);
    g.dispose();
    return image;
  }

  /** Fills a circle, square, triangle, diamond or cross inside the square at (x, y) of side d. */
  public static void fill(Graphics2D g, String shape, int x, int y, int d) {
    switch (shape) {
      case "circle" -> g.fillOval(x, y, d, d);
      case "square" -> g.fillRect(x, y, d, d);
      case "triangle" -> g.fillPolygon(new int[] {x, x + d / 2, x + d}, new int[] {y + d, y, y + d}, 3);
      case "diamond" -> g.fillPolygon(new int[] {x + d / 2, x + d, x + d / 2, x}, new int[] {y, y + d / 2, y + d, y + d / 2}, 4);
      case "cross" -> {
        int w = Math.max(1, d / 3);
        g.fillRect(x, y + (d - w) / 2, d, w);
        g.fillRect(x + (d - w) / 2, y, w, d);
      }
      default -> throw new IllegalArgumentException("no shape " + shape);
    }
  }
}
