package org.moma.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.moma.api.SpecException;
import org.moma.api.spec.ExperimentSpec;

class SpecReaderTest {
  @Test
  void emptyObjectGivesTheDefaults() {
    ExperimentSpec spec = SpecReader.parse("{}", "s.json");
    assertEquals("dense", spec.model().ffn().name());
    assertEquals("scenes", spec.data().name());
    assertEquals(256, spec.model().ffnDim());
    assertEquals("runs/experiment", spec.output());
  }

  @Test
  void roundTripsThroughJson() {
    ExperimentSpec spec = SpecReader.parse("{\"name\": \"a\", \"model\": {\"dModel\": 32, \"heads\": 2}}", "s");
    assertEquals(spec, SpecReader.parse(SpecReader.toJson(spec), "again"));
  }

  @Test
  void syntaxErrorNamesFileLineAndColumn() {
    SpecException e = assertThrows(SpecException.class, () -> SpecReader.parse("{\n\"name\": \"x\",\n\"seed\": ]\n}", "s.json"));
    assertTrue(e.getMessage().startsWith("s.json:3:"), e.getMessage());
  }

  @Test
  void unknownFieldNamesItsPathAndTheKnownFields() {
    SpecException e =
        assertThrows(SpecException.class,
            () -> SpecReader.parse("{\"training\": {\n  \"stepz\": 3}}", "s.json"));
    assertEquals("training.stepz", e.path());
    assertTrue(e.getMessage().startsWith("s.json:2:"), e.getMessage());
    assertTrue(e.getMessage().contains("unknown field 'stepz'") && e.getMessage().contains("steps"), e.getMessage());
  }

  @Test
  void wrongTypeNamesThePath() {
    SpecException e = assertThrows(SpecException.class, () -> SpecReader.parse("{\"model\": {\"layers\": \"two\"}}", "s"));
    assertEquals("model.layers", e.path());
  }

  @Test
  void shapeErrorsNameTheField() {
    SpecException e = assertThrows(SpecException.class, () -> SpecReader.parse("{\"model\": {\"dModel\": 30, \"heads\": 4}}", "s"));
    assertEquals("s: model.heads: heads (4) must divide dModel (30)", e.getMessage());
    e = assertThrows(SpecException.class, () -> SpecReader.parse("{\"model\": {\"dModel\": 12, \"heads\": 4}}", "s"));
    assertEquals("model.heads", e.path());
    e = assertThrows(SpecException.class, () -> SpecReader.parse("{\"training\": {\"steps\": 0}}", "s"));
    assertEquals("training.steps", e.path());
    e = assertThrows(SpecException.class, () -> SpecReader.parse("{\"device\": \"tpu\"}", "s"));
    assertEquals("device", e.path());
  }
}
