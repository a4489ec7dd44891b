package io.eventstate.core.act;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import io.eventstate.core.state.Notification;

class NotificationTest {

  @Test
  void idsAreStableEscapedAndRoundTripThroughTheCell() {
    Notification t = Notification.transition("package", "p|1%", "ev-1", 1_457_741_907_959_400_112L, "package",
        "tracking/unknown", "delivered", "delivered");
    assertEquals("package:p%7C1%25|package|tracking/unknown>delivered|delivered|ev-1", t.id());
    assertEquals(t.id(), Notification.transition("package", "p|1%", "ev-1", 1L, "package", "tracking/unknown",
        "delivered", "delivered").id(), "the id does not depend on anything but entity, transition and event");
    Notification r = Notification.rule("device", "d1", "ev-2", 5L, "alert");
    assertEquals("device:d1|tag:alert|ev-2", r.id());
    assertEquals(List.of(t, r), Notification.decodeList(Notification.encodeList(List.of(t, r))));
    Map<String, String> h = t.headers();
    assertEquals(t.id(), h.get(Notification.HEADER_ID));
    assertEquals("1457741907959400112", h.get("es.eventTime"), "exact nanoseconds");
    assertEquals("1457741907959", h.get("timestamp"));
    assertEquals("ev-1", h.get(Notification.HEADER_EVENT_ID));
    assertFalse(h.containsKey("es.eventId"), "a notification is not a canonical event");
    assertTrue(new String(t.body(), StandardCharsets.UTF_8).contains("\"to\":\"delivered\""));
    assertThrows(IllegalArgumentException.class, () -> Notification.decodeList("{}".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void notifySpecParsesAndRejectsWithKeyValueAndFix() {
    assertFalse(NotifySpec.parse(Map.of("table", "x")).enabled());
    NotifySpec s = NotifySpec.parse(Map.of("notify.hostname", "h", "notify.port", "4141", "notify.tags", "alert, exception"));
    assertTrue(s.enabled() && s.transitions());
    assertEquals(List.of("alert", "exception"), s.tags());
    assertMessage(Map.of("notify.port", "1"), "key 'notify.hostname' is missing");
    assertMessage(Map.of("notify.hostname", "h"), "key 'notify.port' is missing");
    assertMessage(Map.of("notify.hostname", "h", "notify.port", "70000"), "key 'notify.port' value was set to '70000'");
    assertMessage(Map.of("notify.hostname", "h", "notify.port", "1", "notify.host", "x"), "unknown key 'notify.host' (value 'x'); valid keys are [");
    assertMessage(Map.of("notify.hostname", "h", "notify.port", "1", "notify.transitions", "false"),
        "nothing would be sent");
    Map<String, String> m = new HashMap<>(Map.of("notify.hostname", "h", "notify.port", "1"));
    m.put("notify.batchSize", "0");
    assertMessage(m, "key 'notify.batchSize' value was set to '0'");
  }

  private static void assertMessage(Map<String, String> conf, String part) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NotifySpec.parse(conf));
    assertTrue(e.getMessage().contains(part), e.getMessage());
  }
}
