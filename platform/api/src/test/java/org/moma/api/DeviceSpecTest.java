package org.moma.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DeviceSpecTest {
  @Test
  void parsesEveryForm() {
    assertEquals(new DeviceSpec("cpu", 0), DeviceSpec.parse("cpu"));
    assertEquals(new DeviceSpec("auto", 0), DeviceSpec.parse("auto"));
    assertEquals(new DeviceSpec("auto", 0), DeviceSpec.parse(null));
    assertEquals(new DeviceSpec("gpu", 0), DeviceSpec.parse("gpu"));
    assertEquals(new DeviceSpec("gpu", 3), DeviceSpec.parse("GPU:3"));
    assertEquals("gpu:3", DeviceSpec.parse("gpu:3").toString());
  }

  @Test
  void rejectsNonsense() {
    for (String bad : new String[] {"tpu", "gpu:", "gpu:-1", "gpu:x", ""}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceSpec.parse(bad));
      assertEquals("unknown device '" + bad + "' (use cpu, gpu, gpu:N or auto)", e.getMessage());
    }
  }
}
