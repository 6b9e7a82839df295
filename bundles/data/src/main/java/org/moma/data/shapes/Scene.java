package org.moma.data.shapes;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A scene of one to three coloured shapes, each in its own region of the canvas. Captions,
 * questions and answers are derived from the same scene as the pixels, so text and image depend on
 * each other in both directions.
 */
public record Scene(List<Item> items) {
  public enum Kind { circle, square, triangle }

  public enum Region { top_left("top left"), top_right("top right"), bottom_left("bottom left"), bottom_right("bottom right"), center("center");
    final String words;

    Region(String words) {
      this.words = words;
    }
  }

  static final String[] COLOR_NAMES = {"red", "green", "blue", "yellow", "purple", "orange"};
  static final Color[] COLORS = {
    new Color(220, 40, 40), new Color(40, 170, 60), new Color(40, 80, 220),
    new Color(235, 210, 40), new Color(140, 50, 170), new Color(245, 140, 30)
  };
  private static final String[] NUMBERS = {"zero", "one", "two", "three"};

  /** One shape: kind, colour index, large or small, region. */
  public record Item(Kind kind, int color, boolean large, Region region) {
    String phrase() {
      return (large ? "large " : "small ") + COLOR_NAMES[color] + " " + kind;
    }
  }

  public static Scene random(SplittableRandom random) {
    int count = 1 + random.nextInt(3);
    List<Region> regions = new ArrayList<>(List.of(Region.values()));
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Region region = regions.remove(random.nextInt(regions.size()));
      items.add(new Item(Kind.values()[random.nextInt(3)], random.nextInt(COLORS.length), random.nextBoolean(), region));
    }
    return new Scene(List.copyOf(items));
  }

  public BufferedImage render(int size) {
    return Drawing.canvas(size, g -> {
      for (Item item : items) {
        double cell = size / 2.0;
        double cx;
        double cy;
        switch (item.region()) {
          case top_left -> { cx = cell / 2; cy = cell / 2; }
          case top_right -> { cx = cell * 1.5; cy = cell / 2; }
          case bottom_left -> { cx = cell / 2; cy = cell * 1.5; }
          case bottom_right -> { cx = cell * 1.5; cy = cell * 1.5; }
          default -> { cx = cell; cy = cell; }
        }
        double r = (item.large() ? 0.42 : 0.24) * cell;
        g.setColor(COLORS[item.color()]);
        Drawing.fill(g, item.kind().name(), (int) Math.round(cx - r), (int) Math.round(cy - r), (int) Math.round(2 * r));
      }
    });
  }

  /** "a large red circle at the top left and a small blue square in the center." */
  public String caption() {
    List<String> parts = new ArrayList<>();
    for (Item item : items) {
      parts.add("a " + item.phrase() + (item.region() == Region.center ? " in the center" : " at the " + item.region().words));
    }
    return String.join(" and ", parts) + ".";
  }

  /** A question about the scene and its one-word answer, chosen by {@code random}. */
  public String[] questionAndAnswer(SplittableRandom random) {
    Item item = items.get(random.nextInt(items.size()));
    switch (random.nextInt(3)) {
      case 0:
        return new String[] {"how many shapes are there?", NUMBERS[items.size()]};
      case 1:
        return new String[] {"what color is the " + item.kind() + " at the " + item.region().words + "?", COLOR_NAMES[item.color()]};
      default:
        return new String[] {"where is the " + COLOR_NAMES[item.color()] + " " + item.kind() + "?", item.region().words};
    }
  }
}
