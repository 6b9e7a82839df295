package org.moma.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class OptionsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<OptionSpec> SPECS =
      List.of(
          OptionSpec.integer("experts", 4, "experts per group"),
          OptionSpec.number("capacity", 0.25, "capacity factor"),
          OptionSpec.string("router", "expert-choice", "router name"),
          OptionSpec.bool("batched", true, "batched execution"));

  @Test
  void absentOptionsTakeTheirDefaults() {
    Options o = Options.parse(null, SPECS, "model.ffn.options");
    assertEquals(4, o.getInt("experts"));
    assertEquals(0.25, o.getDouble("capacity"));
    assertEquals("expert-choice", o.getString("router"));
    assertEquals(true, o.getBoolean("batched"));
  }

  @Test
  void givenOptionsOverrideDefaults() throws Exception {
    Options o = Options.parse(JSON.readTree("{\"experts\": 8, \"capacity\": 1}"), SPECS, "p");
    assertEquals(8, o.getInt("experts"));
    assertEquals(1.0, o.getDouble("capacity"));
  }

  @Test
  void unknownOptionNamesItsPathAndTheKnownOnes() throws Exception {
    SpecException e =
        assertThrows(SpecException.class,
            () -> Options.parse(JSON.readTree("{\"expert\": 8}"), SPECS, "model.ffn.options"));
    assertEquals("model.ffn.options.expert", e.path());
    assertEquals(
        "model.ffn.options.expert: unknown option (known options: experts, capacity, router, batched)",
        e.getMessage());
  }

  @Test
  void illTypedOptionNamesTheExpectedType() throws Exception {
    SpecException e =
        assertThrows(SpecException.class,
            () -> Options.parse(JSON.readTree("{\"experts\": 2.5}"), SPECS, "x"));
    assertEquals("x.experts: expected integer, found 2.5", e.getMessage());
    e = assertThrows(SpecException.class, () -> Options.parse(JSON.readTree("{\"batched\": \"yes\"}"), SPECS, "x"));
    assertEquals("x.batched", e.path());
  }

  @Test
  void requiredOptionMustBeGiven() {
    List<OptionSpec> specs = List.of(new OptionSpec("file", OptionType.STRING, null, "a file"));
    SpecException e = assertThrows(SpecException.class, () -> Options.parse(null, specs, "data.options"));
    assertEquals("data.options.file: required option is missing", e.getMessage());
  }

  @Test
  void optionsMustBeAnObject() throws Exception {
    SpecException e = assertThrows(SpecException.class, () -> Options.parse(JSON.readTree("[1]"), SPECS, "o"));
    assertEquals("o", e.path());
  }

  @Test
  void rangeHelpersNameTheOption() throws Exception {
    Options o = Options.parse(JSON.readTree("{\"experts\": 0, \"capacity\": 1.5}"), SPECS, "p");
    assertEquals("p.experts: must be positive, found 0",
        assertThrows(SpecException.class, () -> o.getPositiveInt("experts")).getMessage());
    assertEquals("p.capacity: must be in (0, 1], found 1.5",
        assertThrows(SpecException.class, () -> o.getFraction("capacity")).getMessage());
  }
}
