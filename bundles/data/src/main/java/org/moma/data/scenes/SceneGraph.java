package org.moma.data.scenes;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.moma.data.shapes.Drawing;

/**
 * A scene of two to five objects on a 3×3 grid, each with a shape, a colour, a size and a cell.
 * Everything said about it (captions with spatial relations, counts, questions and answers) is
 * derived from the same graph as its pixels, so text and images carry the same facts, and there
 * are many more facts to learn than in the {@code shapes} corpus: 5 shapes × 8 colours × 3 sizes ×
 * 9 cells per object, counts by shape and colour, and left/right/above/below between objects.
 */
public record SceneGraph(List<Obj> objects) {
  public enum Shape { circle, square, triangle, diamond, cross }

  static final String[] COLOR_NAMES = {"red", "green", "blue", "yellow", "purple", "orange", "cyan", "gray"};
  static final Color[] COLORS = {
    new Color(220, 40, 40), new Color(40, 170, 60), new Color(40, 80, 220), new Color(235, 210, 40),
    new Color(140, 50, 170), new Color(245, 140, 30), new Color(40, 200, 210), new Color(120, 120, 120)
  };
  static final String[] SIZES = {"small", "medium", "large"};
  static final String[] CELLS = {"top left", "top", "top right", "left", "center", "right", "bottom left", "bottom", "bottom right"};
  static final String[] NUMBERS = {"zero", "one", "two", "three", "four", "five"};

  /** One object: its shape, colour index, size index (0 small … 2 large) and cell (row-major, 0..8). */
  public record Obj(Shape shape, int color, int size, int cell) {
    int row() {
      return cell / 3;
    }

    int column() {
      return cell % 3;
    }

    /** "red circle" */
    String name() {
      return COLOR_NAMES[color] + " " + shape;
    }

    /** "a large red circle at the top left" */
    String phrase() {
      return "a " + SIZES[size] + " " + name() + (cell == 4 ? " in the center" : " at the " + CELLS[cell]);
    }
  }

  public static SceneGraph random(SplittableRandom random) {
    int count = 2 + random.nextInt(4);
    List<Integer> cells = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8));
    List<Obj> objects = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int cell = cells.remove(random.nextInt(cells.size()));
      objects.add(new Obj(Shape.values()[random.nextInt(Shape.values().length)], random.nextInt(COLORS.length),
          random.nextInt(SIZES.length), cell));
    }
    objects.sort(java.util.Comparator.comparingInt(Obj::cell)); // described in reading order
    return new SceneGraph(List.copyOf(objects));
  }

  public BufferedImage render(int size) {
    double cell = size / 3.0;
    return Drawing.canvas(size, g -> {
      for (Obj o : objects) {
        double r = (0.24 + 0.11 * o.size()) * cell;
        g.setColor(COLORS[o.color()]);
        Drawing.fill(g, o.shape().name(), (int) Math.round((o.column() + 0.5) * cell - r), (int) Math.round((o.row() + 0.5) * cell - r),
            Math.max(2, (int) Math.round(2 * r)));
      }
    });
  }

  /** "three shapes: a large red circle at the top left, … . the red circle is left of the blue square." */
  public String caption(SplittableRandom random) {
    List<String> parts = new ArrayList<>();
    for (Obj o : objects) {
      parts.add(o.phrase());
    }
    StringBuilder s = new StringBuilder(NUMBERS[objects.size()] + " shapes: " + String.join(", ", parts) + ".");
    List<Obj> named = uniquelyNamed();
    Obj a = named.isEmpty() ? null : named.get(random.nextInt(named.size()));
    Obj b = named.isEmpty() ? null : named.get(random.nextInt(named.size()));
    if (a != b) {
      s.append(" the ").append(a.name()).append(" is ").append(relation(a, b)).append(" the ").append(b.name()).append('.');
    }
    return s.toString();
  }

  /** "left of and above", "right of", "below" … how {@code a} stands to {@code b}. */
  static String relation(Obj a, Obj b) {
    List<String> words = new ArrayList<>();
    if (a.column() != b.column()) {
      words.add(a.column() < b.column() ? "left of" : "right of");
    }
    if (a.row() != b.row()) {
      words.add(a.row() < b.row() ? "above" : "below");
    }
    return String.join(" and ", words);
  }

  /** The objects no other object shares a colour and shape with: the ones a name refers to unambiguously. */
  List<Obj> uniquelyNamed() {
    return objects.stream().filter(o -> objects.stream().filter(x -> x.name().equals(o.name())).count() == 1).toList();
  }

  /** A question about the scene and its answer; eight kinds, from counting to spatial relations. */
  public String[] questionAndAnswer(SplittableRandom random) {
    Obj o = objects.get(random.nextInt(objects.size()));
    List<Obj> named = uniquelyNamed();
    int kind = random.nextInt(8);
    if (kind >= 5 && named.size() < 2) {
      kind = random.nextInt(5); // a question naming objects needs names that refer to one object each
    }
    switch (kind) {
      case 0:
        return new String[] {"how many shapes are there?", NUMBERS[objects.size()]};
      case 1: {
        Shape shape = Shape.values()[random.nextInt(Shape.values().length)];
        return new String[] {"how many " + shape + "s are there?", NUMBERS[(int) objects.stream().filter(x -> x.shape() == shape).count()]};
      }
      case 2: {
        int color = random.nextInt(COLORS.length);
        return new String[] {"how many " + COLOR_NAMES[color] + " shapes are there?",
            NUMBERS[(int) objects.stream().filter(x -> x.color() == color).count()]};
      }
      case 3:
        return new String[] {"what color is the shape " + (o.cell() == 4 ? "in the center" : "at the " + CELLS[o.cell()]) + "?",
            COLOR_NAMES[o.color()]};
      case 4:
        return new String[] {"what shape is " + (o.cell() == 4 ? "in the center" : "at the " + CELLS[o.cell()]) + "?", o.shape().name()};
      case 5: {
        Obj u = named.get(random.nextInt(named.size()));
        return new String[] {"how big is the " + u.name() + "?", SIZES[u.size()]};
      }
      case 6: {
        Obj u = named.get(random.nextInt(named.size()));
        return new String[] {"where is the " + u.name() + "?", CELLS[u.cell()]};
      }
      default: {
        o = named.get(random.nextInt(named.size()));
        Obj first = o;
        List<Obj> others = named.stream().filter(x -> x != first).toList();
        Obj other = others.get(random.nextInt(others.size()));
        boolean left = random.nextBoolean();
        boolean yes = left ? o.column() < other.column() : o.row() < other.row();
        return new String[] {"is the " + o.name() + (left ? " left of" : " above") + " the " + other.name() + "?", yes ? "yes" : "no"};
      }
    }
  }
}
