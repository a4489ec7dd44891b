package io.eventstate.flume.interceptor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.flume.Event;
import org.junit.jupiter.api.Test;

import io.eventstate.testing.InProcessAgent;
import io.eventstate.testing.RecordingSink;

/** A real agent: HTTP source (stock JSONHandler) → TaggingInterceptor → multiplexing selector → channels. */
class TaggingAgentIT extends RecordingAgentTest {

  @Override
  String agentResource() {
    return "tagging-agent.properties";
  }

  private static String event(String body, String... headers) {
    StringBuilder b = new StringBuilder("{\"headers\":{");
    for (int i = 0; i < headers.length; i += 2) {
      if (i > 0) {
        b.append(',');
      }
      b.append('"').append(headers[i]).append("\":\"").append(headers[i + 1]).append('"');
    }
    return b.append("},\"body\":\"").append(body.replace("\"", "\\\"")).append("\"}").toString();
  }

  private static Map<String, Event> byEventId(List<Event> events) {
    return events.stream().collect(Collectors.toMap(e -> e.getHeaders().get("es.eventId"), e -> e));
  }

  @Test
  void eachEventEndsInItsChannelWithItsHeadersAndTheCountersMatch() throws Exception {
    String batch = "[" + String.join(",",
        event("{\"user_id\":\"u1\",\"event_type\":\"login\",\"test_user\":true}",
            "es.status", "valid", "es.eventId", "tester", "es.entityType", "user", "es.entityId", "u1",
            "es.eventType", "login", "es.attr.test_user", "true", "es.attr.degrees_fahrenheit", "99"),
        event("{\"device_id\":\"d1\",\"degrees_fahrenheit\":\"95\"}",
            "es.status", "valid", "es.eventId", "hot", "es.entityType", "device", "es.entityId", "d1",
            "es.eventType", "environmental_info", "es.attr.degrees_fahrenheit", "95", "es.tags", "indoor"),
        event("{\"user_id\":\"u2\",\"event_type\":\"page_view\"}",
            "es.status", "valid", "es.eventId", "bot", "es.entityType", "user", "es.entityId", "u2",
            "es.eventType", "page_view", "User-Agent", "Mozilla/5.0 (compatible; Googlebot/2.1)"),
        event("{\"device_id\":\"d1\",\"event_type\":\"heartbeat\"}",
            "es.status", "valid", "es.eventId", "heartbeat", "es.entityType", "device", "es.entityId", "d1",
            "es.eventType", "heartbeat"),
        event("{\"user_id\":",
            "es.status", "invalid", "es.eventId", "broken", "es.route", "deadletter", "es.stage", "normalize",
            "es.reason", "truncated JSON", "es.attr.degrees_fahrenheit", "120"),
        event("{\"user_id\":\"u3\",\"event_type\":\"logout\"}",
            "es.status", "valid", "es.eventId", "plain", "es.entityType", "user", "es.entityId", "u3",
            "es.eventType", "logout", "es.attr.degrees_fahrenheit", "90"))
        + "]";

    try (InProcessAgent agent = InProcessAgent.fromFile(conf, "a1").workDir(work).start()) {
      assertEquals(List.of(), agent.configurationErrorsOnly());
      assertEquals(Set.of(), agent.removedComponents());
      assertTrue(agent.property("channels.deadletter.checkpointDir").startsWith(work.toString()),
          "the file channel was moved into the work directory");

      HttpResponse<String> response = agent.post("http", batch, JSON);
      assertEquals(200, response.statusCode(), response.body());

      await().atMost(Duration.ofSeconds(30)).until(() -> RecordingSink.events("toValid").size()
          + RecordingSink.events("toSampling").size() + RecordingSink.events("toGated").size()
          + RecordingSink.events("toDeadletter").size() == 5);

      Map<String, Event> valid = byEventId(RecordingSink.events("toValid"));
      Map<String, Event> sampling = byEventId(RecordingSink.events("toSampling"));
      Map<String, Event> gated = byEventId(RecordingSink.events("toGated"));
      Map<String, Event> dead = byEventId(RecordingSink.events("toDeadletter"));
      assertEquals(Set.of("hot", "plain"), valid.keySet());
      assertEquals(Set.of("tester"), sampling.keySet());
      assertEquals(Set.of("bot"), gated.keySet());
      assertEquals(Set.of("broken"), dead.keySet());

      Map<String, String> hot = valid.get("hot").getHeaders();
      assertEquals("alert,hot,indoor", hot.get("es.tags"));
      assertNull(hot.get("es.route"));
      assertEquals("valid", hot.get("es.status"));
      assertEquals("{\"device_id\":\"d1\",\"degrees_fahrenheit\":\"95\"}",
          new String(valid.get("hot").getBody(), StandardCharsets.UTF_8), "the body stays the raw bytes");
      Map<String, String> plain = valid.get("plain").getHeaders();
      assertNull(plain.get("es.tags"), "90 is not > 90");

      Map<String, String> tester = sampling.get("tester").getHeaders();
      assertEquals("sampling", tester.get("es.route"));
      assertNull(tester.get("es.tags"), "stop: the hot rule did not run for the test user");

      Map<String, String> bot = gated.get("bot").getHeaders();
      assertEquals("gated", bot.get("es.status"));
      assertEquals("gated", bot.get("es.route"));
      assertEquals("rule bots", bot.get("es.reason"));
      assertEquals("tag", bot.get("es.stage"));

      Map<String, String> broken = new HashMap<>(dead.get("broken").getHeaders());
      assertEquals(Map.of("es.status", "invalid", "es.eventId", "broken", "es.route", "deadletter",
          "es.stage", "normalize", "es.reason", "truncated JSON", "es.attr.degrees_fahrenheit", "120"), broken,
          "invalid events pass the tagging stage untouched");

      Map<String, Long> expected = new HashMap<>();
      expected.put("events.in", 6L);
      expected.put("events.skipped", 1L);
      expected.put("events.unmatched", 1L);
      expected.put("events.tagged", 1L);
      expected.put("events.routed", 1L);
      expected.put("events.gated", 1L);
      expected.put("events.dropped", 1L);
      expected.put("events.failed", 0L);
      expected.put("rule.testers.hits", 1L);
      expected.put("rule.hot.hits", 1L);
      expected.put("rule.bots.hits", 1L);
      expected.put("rule.heartbeats.hits", 1L);
      for (Map.Entry<String, Long> c : expected.entrySet()) {
        assertEquals(c.getValue(), InProcessAgent.counter("interceptor", "it-tagging", c.getKey()), c.getKey());
      }
      assertEquals(2L, InProcessAgent.counter("channel", "valid", "EventPutSuccessCount"));
      assertEquals(1L, InProcessAgent.counter("channel", "sampling", "EventPutSuccessCount"));
      assertEquals(1L, InProcessAgent.counter("channel", "gated", "EventPutSuccessCount"));
      assertEquals(1L, InProcessAgent.counter("channel", "deadletter", "EventPutSuccessCount"));
      assertEquals(6L, InProcessAgent.counter("source", "http", "EventReceivedCount"));
      await().atMost(Duration.ofSeconds(30)).until(() -> InProcessAgent.counter("sink", "toValid", "EventDrainSuccessCount") == 2L);
    }
  }

  @Test
  void aMisconfiguredRuleStopsTheSourceFromStarting() throws Exception {
    try (InProcessAgent agent = startedWithoutTheBrokenSource("sources.http.interceptors.tag.rules.hot.if",
        "attr.degrees_fahrenheit > warm")) {
      assertEquals(List.of(), agent.configurationErrorsOnly(), "Flume's own checks cannot see our keys");
    }
  }

  @Test
  void theEffectiveConfigurationIsWrittenForInspection() throws Exception {
    try (InProcessAgent agent = InProcessAgent.fromFile(conf, "a1").workDir(work)
        .override("sources.http.interceptors.tag.applyTo", "all").start()) {
      String text = Files.readString(agent.propertiesFile(), StandardCharsets.ISO_8859_1);
      assertTrue(text.contains("a1.sources.http.port=" + agent.port("http")), text);
      assertTrue(text.contains("applyTo=all"), text);

      HttpResponse<String> response = agent.post("http", "[" + event("x", "es.status", "invalid", "es.eventId",
          "broken", "es.route", "deadletter", "es.eventType", "heartbeat") + "]", JSON);
      assertEquals(200, response.statusCode(), response.body());
      await().atMost(Duration.ofSeconds(30)).until(
          () -> InProcessAgent.counter("interceptor", "it-tagging", "events.dropped") == 1L);
      assertEquals(0L, InProcessAgent.counter("interceptor", "it-tagging", "events.skipped"));
    }
  }
}
