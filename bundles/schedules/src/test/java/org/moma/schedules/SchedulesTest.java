package org.moma.schedules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.train.Schedule;
import org.moma.api.train.ScheduleContext;
import org.moma.api.train.SchedulePlugin;

/** Each schedule's warm-up, its shape after it, and its floor at the last step. */
class SchedulesTest {
  private static Schedule make(SchedulePlugin plugin, String options, double peak, int warmup, int steps, double floor) throws Exception {
    return plugin.create(new ScheduleContext(peak, warmup, steps, floor, "training.schedule.options"),
        Options.parse(new ObjectMapper().readTree(options), plugin.options(), "training.schedule.options"));
  }

  @Test
  void warmupLinearWarmsUpThenDecaysToOnePercent() throws Exception {
    Schedule s = make(new SchedulePlugins.WarmupLinear(), "{}", 1e-3, 10, 110, 0.01);
    assertEquals(1e-4, s.at(0), 1e-12);
    assertEquals(5e-4, s.at(4), 1e-12);
    assertEquals(1e-3, s.at(10), 1e-12);
    assertEquals(1e-5, s.at(109), 1e-12);
    for (int step = 11; step < 110; step++) {
      assertTrue(s.at(step) < s.at(step - 1), "not decreasing at " + step);
    }
    Schedule noWarmup = make(new SchedulePlugins.WarmupLinear(), "{}", 2.0, 0, 3, 0.5);
    assertEquals(2.0, noWarmup.at(0), 1e-12);
    assertEquals(1.0, noWarmup.at(2), 1e-12);
  }

  @Test
  void cosineFallsLikeHalfACosineToTheFloor() throws Exception {
    Schedule s = make(new SchedulePlugins.Cosine(), "{}", 1.0, 10, 110, 0.1);
    assertEquals(0.1, s.at(0), 1e-12);
    assertEquals(1.0, s.at(10), 1e-12);
    assertEquals(0.55, s.at(10 + 50), 0.01, "half way: the middle between peak and floor");
    assertEquals(0.1, s.at(109), 1e-12);
    for (int step = 11; step < 110; step++) {
      assertTrue(s.at(step) < s.at(step - 1), "not decreasing at " + step);
    }
  }

  @Test
  void constantHoldsThePeak() throws Exception {
    Schedule s = make(new SchedulePlugins.Constant(), "{}", 0.5, 4, 50, 0.01);
    assertEquals(0.125, s.at(0), 1e-12);
    for (int step = 4; step < 50; step++) {
      assertEquals(0.5, s.at(step), 1e-12);
    }
  }

  @Test
  void wsdWarmsUpHoldsThenDecaysOverTheLastShare() throws Exception {
    Schedule s = make(new SchedulePlugins.WarmupStableDecay(), "{\"decay\": 0.2}", 1.0, 10, 100, 0.0);
    assertEquals(0.1, s.at(0), 1e-12);
    for (int step = 10; step < 80; step++) {
      assertEquals(1.0, s.at(step), 1e-12, "stable at " + step);
    }
    assertTrue(s.at(85) < 1.0 && s.at(85) > s.at(95));
    assertEquals(0.0, s.at(99), 1e-12);
    Schedule cosine = make(new SchedulePlugins.WarmupStableDecay(), "{\"shape\": \"cosine\"}", 1.0, 0, 100, 0.0);
    assertTrue(cosine.at(81) > s.at(81), "a cosine starts its decay more gently");
    SpecException e = assertThrows(SpecException.class, () -> make(new SchedulePlugins.WarmupStableDecay(), "{\"decay\": 0}", 1, 0, 10, 0));
    assertEquals("training.schedule.options.decay", e.path());
  }
}
