package io.eventstate.flume.interceptor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.flume.Event;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.eventstate.flume.testing.DataFeeds;
import io.eventstate.testing.InProcessAgent;
import io.eventstate.testing.RecordingSink;

/**
 * The shipped example agent, conf/flume/eventstate.properties, run for real in this JVM: every feed's source,
 * interceptor chain, multiplexing selector and file channel exactly as configured. Only the sinks are
 * swapped for recording sinks (the HBase path is the sinks module's ITs), and directories and ports are moved
 * to a temporary place. It receives the talk's events, every real data set and malformed input, then checks
 * that every event ended in the right channel with the right headers and that the counters agree.
 */
class IngestAgentIT {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String JSON = "application/json; charset=UTF-8";

  @TempDir
  static Path work;

  private static InProcessAgent agent;
  private static Path data;

  @BeforeAll
  static void start() {
    RecordingSink.clearAll();
    data = DataFeeds.sampleData();
    agent = InProcessAgent.fromFile(DataFeeds.repositoryRoot().resolve("conf/flume/eventstate.properties"), "a1")
        .workDir(work)
        .override("sinks.hbase.type", RecordingSink.class.getName())
        .override("sinks.hdfs.type", RecordingSink.class.getName())
        .override("sinks.deadletter_files.type", RecordingSink.class.getName())
        .override("sinks.gated_files.type", RecordingSink.class.getName())
        .start();
  }

  @AfterAll
  static void stop() {
    if (agent != null) {
      agent.close();
    }
  }

  @Test
  void everyFeedEndsInTheRightChannelWithTheRightHeadersAndTheCountersMatch() throws Exception {
    // The talk's events and every real data set, as DataFeeds sends them (see there); LoRaWAN's
    // decoded_fields.json is not valid JSON and is the one payload refused whole.
    assertEquals(1, DataFeeds.feed(agent, data));
    int eyevinnSequenceEvents = 0;
    int eyevinnSequenceAll = 0;
    for (String file : List.of("valid_sequences.json", "invalid_sequences.json")) {
      JsonNode root = MAPPER.readTree(data.resolve("real/video-player-sessions-eyevinn/json/" + file).toFile());
      for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
        for (JsonNode e : it.next().getValue()) {
          // some fixture entries carry no sessionId: they cannot name an entity and are dead letters
          eyevinnSequenceEvents += e.path("sessionId").asText().isEmpty() ? 0 : 1;
          eyevinnSequenceAll++;
        }
      }
    }
    // Malformed input: refused whole at HTTP (400), or kept as a dead letter with its reason.
    assertEquals(400, post("talk", "{\"time_utc\": \"1457741907.9\", \"user_id\":".getBytes(StandardCharsets.UTF_8)));
    assertEquals(400, post("talk", "[1, 2]".getBytes(StandardCharsets.UTF_8)));
    assertEquals(200, post("talk", "{}".getBytes(StandardCharsets.UTF_8)));
    assertEquals(200, post("talk", "{\"user_id\":\"u1\",\"event_type\":\"login\",\"time_utc\":\"yesterday\"}".getBytes(StandardCharsets.UTF_8)));
    byte[] notUtf8 = "{\"user_id\":\"u\u00e9\",\"event_type\":\"login\",\"time_utc\":\"1457741907\"}".getBytes(StandardCharsets.ISO_8859_1);
    assertEquals(400, post("talk", notUtf8)); // not UTF-8: the JSON parser refuses the payload whole
    // Deeper than the normalizer's limits.maxDepth (64), within the handler's limits.maxPayloadDepth (128): a dead letter.
    assertEquals(200, post("talk", deep(100)));
    // Deeper than the handler's limit: refused whole.
    assertEquals(400, post("talk", deep(200)));

    // Totals the data itself gives (independent of our code): wikimedia bots are gated by the example rule.
    long wikimediaBots = 0;
    for (String line : Files.readAllLines(data.resolve("real/wikimedia-recentchange/wikimedia.ndjson"))) {
      wikimediaBots += MAPPER.readTree(line).path("bot").asBoolean() ? 1 : 0;
    }
    long ottoEvents = 0;
    for (String line : Files.readAllLines(data.resolve("real/otto-sessions/train.jsonl"))) {
      ottoEvents += MAPPER.readTree(line).path("events").size();
    }
    assertEquals(862, ottoEvents);

    long expectedValid = 4 + 278 + ottoEvents + 9 + eyevinnSequenceEvents + (100 - wikimediaBots) + 16;
    long expectedGated = 1 + wikimediaBots; // the LoRaWAN retry uplink and the bot edits
    try {
      await("every event reached its sink").atMost(Duration.ofSeconds(90)).until(() ->
          RecordingSink.events("hbase").size() >= expectedValid
              && RecordingSink.events("gated_files").size() >= expectedGated
              && counter("normalize-wikimedia", "events.in") == 100 && counter("normalize-easypost-events", "events.in") == 16);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("valid " + RecordingSink.events("hbase").size() + "/" + expectedValid + ", gated "
          + RecordingSink.events("gated_files").size() + "/" + expectedGated + ", dead " + RecordingSink.events("deadletter_files").size()
          + ", wikimedia in " + counter("normalize-wikimedia", "events.in") + ", easypost events in "
          + counter("normalize-easypost-events", "events.in"), e);
    }

    List<Event> valid = RecordingSink.events("hbase");
    List<Event> gated = RecordingSink.events("gated_files");
    List<Event> dead = RecordingSink.events("deadletter_files");
    assertEquals(expectedValid, valid.size());
    assertEquals(expectedGated, gated.size());

    for (Event e : valid) {
      Map<String, String> h = e.getHeaders();
      assertEquals("valid", h.get("es.status"), h.toString());
      assertEquals("valid", h.get("es.route"), h.toString());
      for (String k : List.of("es.eventId", "es.entityType", "es.entityId", "es.eventType", "es.eventTime", "timestamp")) {
        assertTrue(h.containsKey(k), k + " missing in " + h);
      }
      assertEquals(Long.parseLong(h.get("es.eventTime")) / 1_000_000L, Long.parseLong(h.get("timestamp")), h.toString());
    }
    for (Event e : gated) {
      assertEquals("gated", e.getHeaders().get("es.status"));
      assertEquals("tag", e.getHeaders().get("es.stage"));
    }
    for (Event e : dead) {
      Map<String, String> h = e.getHeaders();
      assertEquals("invalid", h.get("es.status"), h.toString());
      assertTrue(h.get("es.reason") != null && !h.get("es.reason").isEmpty(), h.toString());
      assertEquals("normalize", h.get("es.stage"), h.toString());
      assertTrue(e.getBody().length > 0, "a dead letter keeps its raw body");
    }

    // The talk's time survives to the last digit; the purchase rule tagged both purchases.
    List<Event> talk = valid.stream().filter(e -> "1457741907959400112".equals(e.getHeaders().get("es.eventTime")))
        .collect(Collectors.toList());
    assertEquals(4, talk.size());
    assertEquals(2, talk.stream().filter(e -> "purchase".equals(e.getHeaders().get("es.tags"))).count());
    // EasyPost: EZ4000000004 has 14 scans in two tracker recordings (go cassette, webhook doc sample) and one
    // webhook event (tracker.updated) from the spooling directory.
    List<Event> ez4 = valid.stream().filter(e -> "package".equals(e.getHeaders().get("es.entityType"))
        && "EZ4000000004".equals(e.getHeaders().get("es.entityId"))).collect(Collectors.toList());
    assertEquals(15, ez4.size());
    assertEquals(1, ez4.stream().filter(e -> "tracker.updated".equals(e.getHeaders().get("es.eventType"))).count());
    // LoRaWAN: the same device named three ways by three networks.
    assertTrue(valid.stream().anyMatch(e -> "device".equals(e.getHeaders().get("es.entityType"))
        && "1612476765761243856".equals(e.getHeaders().get("es.eventTime"))));

    // Dead letters: the empty object, the bad time, the too-deep body, the LoRaWAN fragment,
    // the EasyPost scan without a datetime, and the Eyevinn schema test events the normalizer cannot place in time.
    long talkInvalid = counter("normalize-talk", "events.invalid");
    assertEquals(3, talkInvalid);
    long deadExpected = talkInvalid + counter("normalize-easypost-trackers", "events.invalid")
        + counter("normalize-lorawan", "events.invalid") + counter("normalize-eyevinn", "events.invalid")
        + counter("normalize-otto", "events.invalid") + counter("normalize-wikimedia", "events.invalid")
        + counter("normalize-easypost-events", "events.invalid");
    await("dead letters drained").atMost(Duration.ofSeconds(30)).until(() -> RecordingSink.events("deadletter_files").size() == deadExpected);
    assertEquals(1, counter("normalize-easypost-trackers", "events.invalid"));
    assertEquals(1, counter("normalize-lorawan", "events.invalid"));
    assertEquals(31 + eyevinnSequenceAll, counter("normalize-eyevinn", "events.in"));
    assertEquals(eyevinnSequenceEvents, counter("normalize-eyevinn", "events.valid"));

    // Counters reconcile: interceptors in = valid + invalid; channels got exactly what the sinks drained.
    for (String feed : List.of("talk", "easypost-trackers", "otto", "lorawan", "eyevinn", "wikimedia", "easypost-events")) {
      assertEquals(counter("normalize-" + feed, "events.in"),
          counter("normalize-" + feed, "events.valid") + counter("normalize-" + feed, "events.invalid"), feed);
    }
    assertEquals(wikimediaBots, counter("tag-wikimedia", "events.gated"));
    assertEquals(1, counter("tag-lorawan", "events.gated"));
    await().atMost(Duration.ofSeconds(10)).until(() ->
        InProcessAgent.counter("channel", "events", "EventTakeSuccessCount") == expectedValid);
    assertEquals(expectedValid, InProcessAgent.counter("channel", "events", "EventPutSuccessCount"));
    assertEquals(expectedGated, InProcessAgent.counter("channel", "gated", "EventPutSuccessCount"));
    assertEquals(deadExpected, InProcessAgent.counter("channel", "deadletter", "EventPutSuccessCount"));
  }

  private static byte[] deep(int depth) {
    return ("{\"user_id\":\"u2\",\"event_type\":\"login\",\"time_utc\":\"1457741907\",\"x\":"
        + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}").getBytes(StandardCharsets.UTF_8);
  }

  private static long counter(String group, String name) {
    return InProcessAgent.counter("interceptor", group, name);
  }

  private static int post(String source, byte[] body) throws IOException, InterruptedException {
    return DataFeeds.post(agent, source, body);
  }

}
