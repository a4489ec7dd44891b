package io.eventstate.core.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FutureSkewGuardTest {

  private static final long NOW_MS = 1_764_000_000_000L;

  @Test
  void refusesOnlyTimesFurtherAheadThanTheBound() {
    FutureSkewGuard g = FutureSkewGuard.parse("1h");
    long now = NOW_MS * 1_000_000L;
    assertNull(g.refuse(now, NOW_MS));
    assertNull(g.refuse(now - 86_400_000_000_000L * 365, NOW_MS), "the past is never refused");
    assertNull(g.refuse(now + 3_600_000_000_000L, NOW_MS));
    String r = g.refuse(now + 3_600_000_000_001L, NOW_MS);
    assertTrue(r.startsWith("time_future: ") && r.contains("eventstate.guard.maxFutureSkew=1h"), r);
    assertTrue(g.refuse(Long.MAX_VALUE, NOW_MS).contains("ahead of the RegionServer's clock"));
  }

  @Test
  void defaultIsOneDayAndOffDisables() {
    assertEquals(FutureSkewGuard.DEFAULT, FutureSkewGuard.parse(null));
    assertEquals(86_400_000_000_000L, FutureSkewGuard.DEFAULT.maxSkewNanos());
    assertNull(FutureSkewGuard.parse("off").refuse(Long.MAX_VALUE, NOW_MS));
    assertNull(FutureSkewGuard.parse("2d").refuse(Long.MAX_VALUE, Long.MAX_VALUE), "no overflow near the end of time");
  }

  @Test
  void shouldRejectABadDurationNamingKeyValueAndFix() {
    String m = assertThrows(IllegalArgumentException.class, () -> FutureSkewGuard.parse("tomorrow")).getMessage();
    assertTrue(m.contains("eventstate.guard.maxFutureSkew") && m.contains("tomorrow") && m.contains("30m"), m);
  }
}
