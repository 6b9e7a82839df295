package org.moma.data.clipart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CaptionsTest {
  /** 16 works: "gramastar" is the title of 5 of them, "icons" a keyword of 3 (more than one in eight). */
  private final Captions captions = new Captions(Map.of("gramastar", 5, "Test tube", 1), Map.of("icons", 3, "blood", 1, "lab", 1), 16);

  @Test
  void aTitleOfItsOwnWithDescriptionKeywordsAndCategory() {
    String c = captions.caption("science/medicine/provetta_01.svg",
        new SvgMetadata("Test tube", "Blood plasma in a tube", List.of("blood, lab", "Icons", "medicine", "unsorted")));
    assertEquals("Test tube. Blood plasma in a tube. Keywords: blood, lab. Category: science / medicine.", c);
  }

  @Test
  void aSharedTitleGivesWayToTheFilesName() {
    assertEquals("Star polygon with 49 points and step 5. Category: shapes / stars.",
        captions.caption("shapes/stars/star_49pt05step.svg", new SvgMetadata("gramastar", "", List.of("icons"))));
    assertEquals("Chemistry flask matthew. Category: science.",
        captions.caption("science/chemistry_flask_matthew__01.svg", new SvgMetadata("", "", List.of())));
    assertEquals("Folder Open 2.", captions.caption("unsorted/folderOpen-2.svg", SvgMetadata.NONE));
    assertEquals("Smiley100. Category: people.", captions.caption("people/smiley100.svg", SvgMetadata.NONE));
    assertEquals("White h 10. Category: cards.", captions.caption("cards/white_h_10.svg", SvgMetadata.NONE));
  }

  @Test
  void anArtistsCollectionPrefixAndUnderscoresLeaveTheTitle() {
    assertEquals("European Union", Captions.titleName("Clipart by Lauris Kaplinski - European Union"));
    assertEquals("Switch Cisco 3750 2", Captions.titleName("Switch_Cisco_3750_2"));
  }

  @Test
  void longDescriptionsAreCutAtAWord() {
    String description = "word ".repeat(100).strip();
    String c = captions.caption("animals/x.svg", new SvgMetadata("Test tube", description, List.of()));
    assertTrue(c.contains(" …"), c);
    assertTrue(c.length() < 320, c);
    assertFalse(c.contains("wor …"), c);
  }
}
