package io.eventstate.flume.interceptor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.flume.Event;
import org.junit.jupiter.api.Test;

import io.eventstate.testing.InProcessAgent;
import io.eventstate.testing.RecordingSink;

/**
 * A real agent: HTTP source → NormalizingInterceptor → HotEntityInterceptor (at most 10 events of an entity per source
 * batch, then hot for 10 minutes) → selector: the hot entity's excess and its later events reach a channel of their
 * own; nothing is lost, every event is counted once.
 */
class HotEntityAgentIT extends RecordingAgentTest {

  @Override
  String agentResource() {
    return "hot-agent.properties";
  }

  private static String events(List<String> devices, long t0) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < devices.size(); i++) {
      out.add("{\"device_id\":\"" + devices.get(i) + "\",\"type\":\"reading\",\"ts\":" + (t0 + i) + "}");
    }
    return "[" + String.join(",", out) + "]";
  }

  private static Map<String, Integer> byDevice(List<Event> events) {
    Map<String, Integer> out = new TreeMap<>();
    for (Event e : events) {
      out.merge(e.getHeaders().get("es.entityId"), 1, Integer::sum);
    }
    return out;
  }

  @Test
  void theHotEntitysExcessTakesItsOwnChannelAndNothingIsLost() throws Exception {
    List<String> first = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      first.add("d1"); // the hot one: 30 events in one request, the limit is 10
    }
    for (int i = 2; i <= 21; i++) {
      first.add("d" + i);
    }
    java.util.Collections.shuffle(first, new java.util.Random(7));
    try (InProcessAgent agent = InProcessAgent.fromFile(conf, "a1").workDir(work).start()) {
      assertEquals(List.of(), agent.configurationErrorsOnly());
      HttpResponse<String> response = agent.post("http", events(first, 1_700_000_000_000L), JSON);
      assertEquals(200, response.statusCode(), response.body());
      // the next request: d1 is still hot (hold), d2 is not
      response = agent.post("http", events(List.of("d1", "d2", "d1"), 1_700_000_100_000L), JSON);
      assertEquals(200, response.statusCode(), response.body());

      await().atMost(Duration.ofSeconds(30)).until(() -> RecordingSink.events("toEvents").size()
          + RecordingSink.events("toHot").size() == 53);
      Map<String, Integer> main = byDevice(RecordingSink.events("toEvents"));
      Map<String, Integer> hot = byDevice(RecordingSink.events("toHot"));
      assertEquals(Map.of("d1", 22), hot, "d1's events after its 10th in the first request, then all of them");
      assertEquals(10, main.get("d1"));
      assertEquals(2, main.get("d2"));
      assertEquals(21, main.size(), "every other device stays on the main channel: " + main);
      for (Event e : RecordingSink.events("toHot")) {
        assertEquals("hot", e.getHeaders().get("es.route"));
        assertEquals("valid", e.getHeaders().get("es.status"), "a hot entity's event is a valid event");
      }
      assertEquals(List.of(), RecordingSink.events("toDeadletter"));

      assertEquals(53L, InProcessAgent.counter("interceptor", "it-hot", HotEntityInterceptor.EVENTS_IN));
      assertEquals(53L, InProcessAgent.counter("interceptor", "it-hot", HotEntityInterceptor.EVENTS_LOOKED));
      assertEquals(22L, InProcessAgent.counter("interceptor", "it-hot", HotEntityInterceptor.EVENTS_DIVERTED));
      assertEquals(1L, InProcessAgent.counter("interceptor", "it-hot", HotEntityInterceptor.ENTITIES_HOT));
      assertEquals(31L, InProcessAgent.counter("channel", "events", "EventPutSuccessCount"));
      assertEquals(22L, InProcessAgent.counter("channel", "hot", "EventPutSuccessCount"));
      assertEquals(53L, InProcessAgent.counter("source", "http", "EventAcceptedCount"));
    }
  }

  @Test
  void aGuardWithoutALimitStopsTheSourceFromStarting() throws Exception {
    startedWithoutTheBrokenSource("sources.http.interceptors.hot.perBatch", "0").close();
  }
}
