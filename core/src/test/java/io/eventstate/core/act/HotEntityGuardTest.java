package io.eventstate.core.act;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.config.ConfigException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HotEntityGuardTest {

  private final AtomicLong clock = new AtomicLong(1_000_000_000_000L);

  private HotEntityGuard guard(String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return new HotEntityGuard(HotEntitySpec.parse(m), clock::get);
  }

  private static List<Map<String, String>> batch(String... entities) {
    List<Map<String, String>> out = new ArrayList<>();
    for (String e : entities) {
      String[] te = e.split(":", 2);
      Map<String, String> h = new HashMap<>();
      h.put("es.route", "valid");
      h.put("es.entityType", te[0]);
      h.put("es.entityId", te[1]);
      out.add(h);
    }
    return out;
  }

  private static String routes(List<Map<String, String>> b) {
    StringBuilder s = new StringBuilder();
    for (Map<String, String> h : b) {
      s.append(h.get("es.route").equals("hot") ? 'H' : '.');
    }
    return s.toString();
  }

  @Test
  void perSecondDivertsTheExcessAndHoldsTheEntityHot() {
    HotEntityGuard g = guard("perSecond", "3", "hold", "2s");
    List<Map<String, String>> b = batch("d:1", "d:1", "d:2", "d:1", "d:1", "d:2", "d:1");
    HotEntityGuard.Outcome o = g.apply(b);
    assertEquals("....H.H", routes(b), "d:1 over 3 in the window from its 4th event on");
    assertEquals(new HotEntityGuard.Outcome(7, 2, 1), o);
    clock.addAndGet(1_500_000_000L); // a new one-second window, but still within hold
    b = batch("d:1", "d:2");
    g.apply(b);
    assertEquals("H.", routes(b));
    clock.addAndGet(2_100_000_000L); // hold over: back to the main route
    b = batch("d:1");
    g.apply(b);
    assertEquals(".", routes(b));
  }

  @Test
  void perBatchCountsWithinOneSourceBatchOnly() {
    HotEntityGuard g = guard("perBatch", "2", "hold", "0");
    List<Map<String, String>> b = batch("d:1", "d:1", "d:1", "u:1");
    g.apply(b);
    assertEquals("..H.", routes(b));
    b = batch("d:1", "d:1");
    g.apply(b);
    assertEquals("..", routes(b), "hold 0: only the excess, and the next batch starts from zero");
    b = batch("d:1", "d:1", "d:1", "d:1", "d:1");
    assertEquals(new HotEntityGuard.Outcome(5, 3, 1), g.apply(b), "hold 0: hot once per batch, however large the excess");
    assertEquals("..HHH", routes(b));
  }

  @Test
  void otherRoutesAndTypesPassUntouched() {
    HotEntityGuard g = guard("perBatch", "1", "entityTypes", "device");
    List<Map<String, String>> b = batch("device:1", "device:1", "user:1", "user:1");
    b.get(0).put("es.route", "deadletter");
    HotEntityGuard.Outcome o = g.apply(b);
    assertEquals("deadletter", b.get(0).get("es.route"));
    assertEquals("valid", b.get(1).get("es.route"), "the dead letter did not count");
    assertEquals("valid", b.get(3).get("es.route"), "users are not looked at");
    assertEquals(1, o.looked());
    Map<String, String> noEntity = new HashMap<>(Map.of("es.route", "valid"));
    g.apply(List.of(noEntity));
    assertNull(noEntity.get("es.entityType"));
  }

  @Test
  void trackedEntitiesAreBounded() {
    HotEntityGuard g = guard("perSecond", "1000", "maxEntities", "100");
    for (int i = 0; i < 1000; i++) {
      g.apply(batch("d:" + i));
    }
    assertEquals(100, g.tracked());
  }

  @Test
  void misconfigurationNamesKeyValueAndFix() {
    ConfigException none = assertThrows(ConfigException.class, () -> guard());
    assertTrue(none.getMessage().contains("perSecond") && none.getMessage().contains("perBatch"), none.getMessage());
    ConfigException neg = assertThrows(ConfigException.class, () -> guard("perSecond", "-1"));
    assertTrue(neg.getMessage().contains("-1"), neg.getMessage());
    ConfigException loop = assertThrows(ConfigException.class, () -> guard("perBatch", "5", "from", "valid hot"));
    assertTrue(loop.getMessage().contains("from"), loop.getMessage());
    ConfigException unknown = assertThrows(ConfigException.class, () -> guard("perBatch", "5", "perMinute", "5"));
    assertTrue(unknown.getMessage().contains("perMinute"), unknown.getMessage());
  }
}
