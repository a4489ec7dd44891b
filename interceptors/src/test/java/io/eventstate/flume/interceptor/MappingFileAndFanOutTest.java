package io.eventstate.flume.interceptor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.conf.ConfigurationException;
import org.apache.flume.event.EventBuilder;
import org.apache.flume.interceptor.Interceptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mapping.file} on the normalizer and the HTTP handler, request headers read by the mapping, fan-out to several
 * entities, and empty exploded arrays counted by the handler.
 */
class MappingFileAndFanOutTest {

  @TempDir
  Path dir;

  private Path mapping() throws Exception {
    Files.writeString(dir.resolve("tags.csv"), "from,to\nInTransit,in_transit\nDelivered,delivered\n");
    Path m = dir.resolve("feed.properties");
    Files.writeString(m, String.join("\n",
        "headers.copy = X-Feed",
        "explode.path = /data/items[]/checkpoints",
        "explode.copy = number:/data/items[]/number, owner:/data/items[]/owner",
        "entity = package:/number, user:/owner",
        "entity.fanout = true",
        "eventType.paths = /tag",
        "eventType.map.file = tags.csv",
        "eventType.map.unmapped = deadletter",
        "time.paths = /t",
        "time.zone = Europe/Berlin",
        "attributes = feed:header:X-Feed", ""));
    return m;
  }

  private static final String PAYLOAD = "{\"data\":{\"items\":[{\"number\":\"1Z\",\"owner\":\"ann\",\"checkpoints\":["
      + "{\"tag\":\"InTransit\",\"t\":\"2021-03-04T10:15:00\"},{\"tag\":\"Lost\",\"t\":\"2021-03-05T10:15:00+01:00\"}]},"
      + "{\"number\":\"2Z\",\"checkpoints\":[]}]}}";

  @Test
  void theHandlerAndTheNormalizerReadOneMappingFile() throws Exception {
    Path m = mapping();
    JsonHttpHandler h = new JsonHttpHandler();
    h.configure(new Context(Map.of("mapping.file", m.toString())));
    List<Event> split = h.toEvents(PAYLOAD.getBytes(StandardCharsets.UTF_8), h.pick(Map.of("x-feed", "demo", "Other", "x")));
    assertEquals(2, split.size());
    assertEquals(Map.of("X-Feed", "demo"), split.get(0).getHeaders());
    assertEquals(1, h.counters().get(JsonHttpHandler.COUNTER_EMPTY), "the empty checkpoints array is counted");
    assertEquals(2, h.counters().get(JsonHttpHandler.COUNTER_EVENTS));
    assertEquals("feed", h.counters().groupName());

    NormalizingInterceptor.Builder b = new NormalizingInterceptor.Builder();
    b.configure(new Context(Map.of("mapping.file", m.toString(), "name", "feed-test")));
    Interceptor i = b.build();
    i.initialize();
    try {
      List<Event> out = i.intercept(new ArrayList<>(split));
      assertEquals(4, out.size(), "two raw events, each for the package and its owner");
      Map<String, String> first = out.get(0).getHeaders();
      assertEquals("package", first.get("es.entityType"));
      assertEquals("1Z", first.get("es.entityId"));
      assertEquals("in_transit", first.get("es.eventType"));
      assertEquals("demo", first.get("es.attr.feed"));
      // 10:15 in Berlin in March is 09:15 UTC
      assertEquals(Long.toString(java.time.Instant.parse("2021-03-04T09:15:00Z").getEpochSecond() * 1_000_000_000L),
          first.get("es.eventTime"));
      Map<String, String> owner = out.get(1).getHeaders();
      assertEquals("user", owner.get("es.entityType"));
      assertEquals("ann", owner.get("es.entityId"));
      assertNotEquals(first.get("es.eventId"), owner.get("es.eventId"));
      assertEquals("invalid", out.get(2).getHeaders().get("es.status"));
      assertTrue(out.get(2).getHeaders().get("es.reason").startsWith("unmapped: event type 'Lost'"),
          out.get(2).getHeaders().get("es.reason"));
      EventstateCounters c = ((NormalizingInterceptor) i).counters();
      assertEquals(2, c.get(NormalizingInterceptor.COUNTER_IN));
      assertEquals(2, c.get(NormalizingInterceptor.COUNTER_FANOUT));
      assertEquals(2, c.get(NormalizingInterceptor.COUNTER_VALID));
      assertEquals(2, c.get("invalid.unmapped"));
    } finally {
      i.close();
    }
  }

  @Test
  void keysGivenBesideTheFileWinAndABadFileNamesItself() throws Exception {
    Path m = mapping();
    NormalizingInterceptor.Builder b = new NormalizingInterceptor.Builder();
    b.configure(new Context(Map.of("mapping.file", m.toString(), "entity.fanout", "false")));
    Interceptor i = b.build();
    i.initialize();
    try {
      Event e = EventBuilder.withBody("{\"number\":\"1Z\",\"owner\":\"ann\",\"tag\":\"Delivered\",\"t\":\"2021-03-04T10:15:00Z\"}"
          .getBytes(StandardCharsets.UTF_8), new HashMap<>());
      assertEquals(1, i.intercept(new ArrayList<>(List.of(e))).size());
    } finally {
      i.close();
    }
    Files.writeString(dir.resolve("bad.properties"), "entity = package:/number\neventType.paths = /tag\ntime.paths = /t\n"
        + "time.fromat = auto\n");
    NormalizingInterceptor.Builder bad = new NormalizingInterceptor.Builder();
    ConfigurationException ex = assertThrows(ConfigurationException.class,
        () -> bad.configure(new Context(Map.of("mapping.file", dir.resolve("bad.properties").toString()))));
    assertTrue(ex.getMessage().contains("bad.properties") && ex.getMessage().contains("time.fromat"), ex.getMessage());
    ConfigurationException missing = assertThrows(ConfigurationException.class,
        () -> new NormalizingInterceptor.Builder().configure(new Context(Map.of("mapping.file", "nope.properties"))));
    assertTrue(missing.getMessage().contains("mapping.file") && missing.getMessage().contains("nope.properties"),
        missing.getMessage());
  }
}
