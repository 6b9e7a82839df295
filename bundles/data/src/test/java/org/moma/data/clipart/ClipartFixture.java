package org.moma.data.clipart;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** A tiny Open Clip Art folder and WordNet dictionary in the layout Debian installs them. */
final class ClipartFixture {
  private ClipartFixture() {}

  static String svg(String title, String description, String... keywords) {
    StringBuilder li = new StringBuilder();
    for (String k : keywords) {
      li.append("<rdf:li>").append(k).append("</rdf:li>");
    }
    return """
        <?xml version="1.0" encoding="UTF-8" standalone="no"?>
        <!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
        <svg xmlns="http://www.w3.org/2000/svg" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
             xmlns:cc="http://web.resource.org/cc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
          <metadata><rdf:RDF><cc:Work rdf:about="">
            <dc:title>%s</dc:title>
            <dc:description>%s</dc:description>
            <dc:subject><rdf:Bag>%s</rdf:Bag></dc:subject>
            <dc:publisher><cc:Agent rdf:about="http://www.openclipart.org/"><dc:title>Open Clip Art Library</dc:title></cc:Agent></dc:publisher>
            <dc:creator><cc:Agent><dc:title>Some Artist</dc:title></cc:Agent></dc:creator>
          </cc:Work></rdf:RDF></metadata>
          <rect width="10" height="10"/>
        </svg>
        """.formatted(title, description, li);
  }

  /** A drawing: its SVG under svg/ and a transparent PNG with a coloured square under png/. */
  static void drawing(Path root, String relative, String svg, Color color, int w, int h) throws IOException {
    Path file = root.resolve("svg").resolve(relative);
    Files.createDirectories(file.getParent());
    Files.writeString(file, svg, StandardCharsets.UTF_8);
    Path png = root.resolve("png").resolve(relative.replace(".svg", ".png"));
    Files.createDirectories(png.getParent());
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB); // transparent around the square
    Graphics2D g = image.createGraphics();
    g.setColor(color);
    g.fillRect(w / 4, h / 4, w / 2, h / 2);
    g.dispose();
    ImageIO.write(image, "png", png.toFile());
  }

  /** Twelve drawings in four categories, two links (one under another name), and one without a rendering. */
  static Path clipart(Path root) throws IOException {
    Color[] colors = {Color.RED, Color.BLUE, Color.GREEN, Color.ORANGE};
    String[] categories = {"animals", "science/medicine", "food/fruit", "shapes/stars"};
    for (int i = 0; i < 12; i++) {
      String category = categories[i % 4];
      String title = i % 4 == 3 ? "gramastar" : "drawing number " + i; // a collection's title, shared
      String file = i % 4 == 3 ? "star_" + (5 + i) + "pt0" + (i % 3 + 1) + "step.svg" : "thing_" + i + "_01.svg";
      drawing(root, category + "/" + file, svg(title, i % 2 == 0 ? "A picture of thing " + i + "." : "", "icons", "word" + i),
          colors[i % 4], 40 + 8 * i, 60);
    }
    Files.createSymbolicLink(root.resolve("svg/animals/again.svg"), root.resolve("svg/animals/thing_0_01.svg"));
    Files.createSymbolicLink(root.resolve("svg/food/fruit/other_name.svg"), Path.of("thing_2_01.svg"));
    Files.writeString(root.resolve("svg/animals/unrendered.svg"), svg("no png", ""));
    return root;
  }

  static final String NOUN = "  1 This software and database is being provided to you, the LICENSEE, by  \n"
      + "00001740 03 n 01 entity 0 003 ~ 00001930 n 0000 | that which is perceived or known or inferred to have its own distinct existence  \n"
      + "02084071 05 n 03 dog 0 domestic_dog 0 Canis_familiaris 0 001 @ 02083346 n 0000 | a member of the genus Canis; \"the dog barked all night\"  \n";
  static final String VERB = "  1 licence  \n"
      + "01168468 34 v 02 eat 0 feed 1 001 @ 01157517 v 0000 01 + 08 00 | take in food; used of animals only; \"This dog doesn't eat certain kinds of meat\"  \n";
  static final String ADJ = "00001740 00 a 01 able 0 000 | having the necessary means or skill; \"able to swim\"  \n"
      + "00013404 00 s 01 galore(ip) 0 000 | in great numbers; \"there were daffodils galore\"  \n";
  static final String ADV = "00001740 02 r 01 a_cappella 0 000 | without musical accompaniment  \n";

  static Path wordnet(Path dict) throws IOException {
    Files.createDirectories(dict);
    Files.writeString(dict.resolve("data.noun"), NOUN);
    Files.writeString(dict.resolve("data.verb"), VERB);
    Files.writeString(dict.resolve("data.adj"), ADJ);
    Files.writeString(dict.resolve("data.adv"), ADV);
    return dict;
  }
}
