package io.eventstate.hbase.coprocessor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.fsm.StateMachineEngine;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.state.EntityStateSpec;
import io.eventstate.core.state.StateColumns;
import io.eventstate.flume.testing.DataFeeds;
import io.eventstate.testing.InProcessAgent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flume.Event;
import org.apache.hadoop.hbase.TableName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import io.eventstate.testing.SharedMiniCluster;

/**
 * Issue 5, first acceptance bullet, through the real Flume agent: the shipped example agent
 * (conf/flume/eventstate.properties: one source per feed, normalizing and tagging interceptors, multiplexing selector,
 * file channels, {@code EventSink}) writes every real data set into a table that loads {@link EntityStateObserver}
 * with conf/machines (package, video-playback, sessions, device). Expectations are computed in this test from the raw
 * data and the documented semantics of the definitions, not read back from the engine:
 * <ul>
 *   <li>EasyPost: each tracking code ends in the status of samples/real/README.md's table; EZ4000000004's 15
 *       events (14 scans from two recordings, the 2014 one with a delivered scan older than its own first scan, plus
 *       one {@code tracker.updated} webhook): the 2020 recording arrives first, so the 2014 scans and the webhook are
 *       more than package.json's 2d allowed lateness behind it (stored, flagged {@code d:too_late}, not applied), and
 *       the 2020 scans get the per-event states of a small hand model of package.json; every other too-late row is
 *       more than 2d behind its entity's newest applied event;</li>
 *   <li>Eyevinn: every valid fixture sequence is accepted (ends in the state named by its last event), every invalid
 *       one ends in {@code invalid_sequence} (each sequence fed as its own session, see
 *       {@link DataFeeds.Variant#EYEVINN_SESSION_PER_SEQUENCE});</li>
 *   <li>OTTO: each history's sessions by sessions.json (30 min gap, 24 h maximum, split at midnight in Berlin), counted
 *       from the sorted raw timestamps;</li>
 *   <li>invariants: event rows = distinct valid event ids, each state row = the offline recomputation over the stored
 *       events, no dead letters from the sink, no RegionServer aborted, the Flume counters reconcile;</li>
 *   <li>the whole feed delivered again leaves every event row, derived cell and state row unchanged.</li>
 * </ul>
 *
 * <p>The shipped agent maps Eyevinn events to entity type {@code video_session} (video-playback.json) and OTTO's
 * multi-week histories to {@code user} (sessions.json), so both feeds reach their machines unchanged.
 */
@ExtendWith({SharedMiniCluster.class, SharedMiniCluster.RegionServersAlive.class})
class ExampleAgentStateIT {

  private static final DataFeeds.Variant VARIANT = DataFeeds.Variant.EYEVINN_SESSION_PER_SEQUENCE;
  private static final long MINUTE = 60_000_000_000L;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void theExampleAgentAdvancesStateExactlyOnce() throws Exception {
    Map<String, String> props = EntityStateSpec.properties(List.of(StateTables.conf("package.json"),
        StateTables.conf("video-playback.json"), StateTables.conf("sessions.json"), StateTables.conf("device.json")));
    EntityStateSpec spec = StateTables.spec(props);
    TableName tn = StateTables.create("agentstate", props);
    Path data = DataFeeds.sampleData();
    try (InProcessAgent agent = StateTables.exampleAgent(dir, tn.getNameAsString()).start()) {
      List<Event> offline = DataFeeds.offline(agent.propertiesFile(), data, VARIANT);
      List<CanonicalEvent> valid = new ArrayList<>();
      for (Event e : offline) {
        if ("valid".equals(e.getHeaders().get(EventHeaders.ROUTE))) {
          valid.add(EventHeaders.read(e.getHeaders(), e.getBody()));
        }
      }
      Set<String> ids = DataFeeds.validEventIds(offline);
      ObserverMetrics applied = ObserverMetrics.of(tn, m -> m.applied);
      ObserverMetrics duplicates = ObserverMetrics.of(tn, m -> m.duplicates);
      ObserverMetrics tooLateMetric = ObserverMetrics.of(tn, m -> m.tooLate);
      long appliedAtStart = applied.sum(); // registries are shared by every table of the JVM
      long tooLateAtStart = tooLateMetric.sum();

      assertEquals(1, DataFeeds.feed(agent, data, VARIANT), "only LoRaWAN's decoded_fields.json is refused whole");
      awaitDrained(tn, valid.size(), ids.size());
      Map<String, Map<String, byte[]>> rows = StateTables.rows(tn);

      // Invariants 1 and 2 (event rows = distinct valid ids; each state row = offline recomputation of its events).
      int entities = StateTables.assertInvariants(tn, spec, valid);
      assertTrue(entities > 100, "entities with state: " + entities);
      Set<String> stored = new TreeSet<>();
      for (String row : rows.keySet()) {
        assertFalse(RowKeyCodec.isDeadLetter(row), "the sink dead-lettered " + row);
        RowKeyCodec.DecodedKey k = RowKeyCodec.decode(row);
        if (k.kind() == RowKeyCodec.Kind.EVENT) {
          stored.add(k.eventId());
        }
      }
      assertEquals(ids, stored, "event rows = distinct valid event ids");
      long applicable = valid.stream().filter(e -> spec.appliesTo(e.entityType())).map(CanonicalEvent::eventId)
          .distinct().count();
      // Events further behind their entity's newest stored event than the allowed lateness (package: 2d) when they
      // arrive are stored, flagged d:too_late and change nothing: the only arrival-dependent outcome, by design.
      long appliedEvents = 0;
      long tooLate = 0;
      Map<String, Long> newestApplied = new TreeMap<>();
      for (Map.Entry<String, Map<String, byte[]>> r : rows.entrySet()) {
        RowKeyCodec.DecodedKey k = RowKeyCodec.decode(r.getKey());
        if (k.kind() == RowKeyCodec.Kind.STATE) {
          appliedEvents += StateTables.counter(r.getValue(), StateColumns.EVENTS);
          tooLate += StateTables.counter(r.getValue(), StateColumns.TOO_LATE);
        } else if (!r.getValue().containsKey("d:" + StateColumns.TOO_LATE)) {
          newestApplied.merge(RowKeyCodec.stateRowKey(k.entityType(), k.entityId()), k.eventTimeNanos(), Math::max);
        }
      }
      long flagged = 0;
      for (Map.Entry<String, Map<String, byte[]>> r : rows.entrySet()) {
        if (r.getValue().containsKey("d:" + StateColumns.TOO_LATE)) {
          RowKeyCodec.DecodedKey k = RowKeyCodec.decode(r.getKey());
          assertEquals("package", k.entityType(), "only packages have recordings days apart: " + r.getKey());
          long newest = newestApplied.get(RowKeyCodec.stateRowKey(k.entityType(), k.entityId()));
          assertTrue(newest - k.eventTimeNanos() > 2 * 24 * 60 * MINUTE, "too late but within 2d: " + r.getKey());
          flagged++;
        }
      }
      assertEquals(flagged, tooLate, "s:too_late = rows flagged d:too_late");
      assertEquals(applicable, appliedEvents + tooLate, "s:events + s:too_late = distinct events with a definition");
      assertEquals(appliedEvents, applied.sum() - appliedAtStart, "metric eventstate.state.applied = sum of s:events");
      assertEquals(tooLate, tooLateMetric.sum() - tooLateAtStart, "metric eventstate.state.tooLate = sum of s:too_late");
      reconcileCounters(valid.size(), ids.size());
      easyPost(rows, valid);
      eyevinn(rows, data);
      long sessions = otto(rows, data);
      System.out.printf("ExampleAgentStateIT: %d valid events delivered, %d event rows, %d entities with state, "
          + "%d applied, %d too late, %d OTTO sessions%n", valid.size(), ids.size(), entities, appliedEvents, tooLate,
          sessions);

      // Replay: the whole feed again (spooled files under new names: Flume refuses a reused file name).
      TreeMap<String, String> before = StateTables.comparable(tn);
      long appliedBefore = applied.sum();
      long duplicatesBefore = duplicates.sum();
      assertEquals(1, replay(agent, data));
      awaitDrained(tn, 2L * valid.size(), ids.size());
      assertEquals(before, StateTables.comparable(tn), "a replayed feed changes no event row, derived cell or state row");
      assertEquals(appliedBefore, applied.sum(), "nothing applied twice");
      assertEquals(tooLate, tooLateMetric.sum() - tooLateAtStart, "no too-late event counted twice");
      assertTrue(duplicates.sum() > duplicatesBefore, "the replay was seen as duplicates");
      reconcileCounters(2L * valid.size(), ids.size());
      StateTables.assertInvariants(tn, spec, valid);
    }
  }

  private static int replay(InProcessAgent agent, Path data) throws Exception {
    int refused = 0;
    for (DataFeeds.Request r : DataFeeds.requests(data, VARIANT)) {
      int status = DataFeeds.post(agent, r.source(), r.body());
      if (status == 400) {
        refused++;
      } else {
        assertEquals(200, status, r.what());
      }
    }
    for (DataFeeds.Spooled s : DataFeeds.spooled(data)) {
      Path copy = Files.createTempDirectory(Path.of(agent.property("sources." + s.source() + ".spoolDir")).getParent(),
          "replay").resolve("replay-" + s.file().getFileName());
      Files.copy(s.file(), copy);
      DataFeeds.spool(agent, s.source(), copy);
    }
    return refused;
  }

  private static void awaitDrained(TableName tn, long delivered, int rows) {
    await("the events channel drained into " + rows + " event rows").atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> InProcessAgent.counter("channel", "events", "EventPutSuccessCount") == delivered
            && InProcessAgent.counter("sink", "hbase", "EventDrainSuccessCount") == delivered
            && InProcessAgent.counter("channel", "events", "ChannelSize") == 0
            && eventRows(tn) == rows);
  }

  private static long eventRows(TableName tn) throws Exception {
    return StateTables.rows(tn).keySet().stream()
        .filter(r -> RowKeyCodec.decode(r).kind() == RowKeyCodec.Kind.EVENT).count();
  }

  /** Interceptors' valid minus gated = events channel puts = sink drains; nothing dead-lettered or rolled back. */
  private static void reconcileCounters(long delivered, int rows) {
    long valid = 0;
    for (String feed : List.of("talk", "easypost-trackers", "otto", "lorawan", "eyevinn", "wikimedia",
        "easypost-events")) {
      valid += InProcessAgent.counter("interceptor", "normalize-" + feed, "events.valid");
    }
    long gated = 0;
    for (String feed : List.of("talk", "easypost-trackers", "lorawan", "wikimedia")) {
      gated += InProcessAgent.counter("interceptor", "tag-" + feed, "events.gated");
    }
    assertEquals(delivered, valid - gated, "interceptors: valid - gated");
    assertEquals(delivered, InProcessAgent.counter("channel", "events", "EventPutSuccessCount"));
    assertEquals(delivered, InProcessAgent.counter("channel", "events", "EventTakeSuccessCount"));
    assertEquals(delivered, InProcessAgent.counter("sink", "hbase", "EventDrainSuccessCount"));
    assertEquals(0, InProcessAgent.counter("other", "hbase", "DeadLettered"));
    assertTrue(InProcessAgent.counter("other", "hbase", "EventRowsWritten") >= rows);
    assertTrue(InProcessAgent.counter("other", "hbase", "EventRowsWritten") <= delivered);
  }

  // ---------------------------------------------------------------- EasyPost

  /** Final statuses of samples/real/README.md's table (codes whose recordings agree). */
  private static final Map<String, String> FINAL_STATUS = new LinkedHashMap<>();

  static {
    FINAL_STATUS.put("EZ1000000001", "pre_transit");
    FINAL_STATUS.put("EZ2000000002", "in_transit");
    FINAL_STATUS.put("EZ3000000003", "out_for_delivery");
    FINAL_STATUS.put("EZ4000000004", "delivered");
    FINAL_STATUS.put("EZ5000000005", "return_to_sender");
    FINAL_STATUS.put("EZ6000000006", "failure");
    for (String c : List.of("0744", "0751", "0768", "0775", "0782")) {
      FINAL_STATUS.put("940010020830310950" + c, "delivered");
    }
    for (String c : List.of("0713", "0720", "0737", "5602", "5619", "5626", "5633", "5640")) {
      FINAL_STATUS.put("940010020830310950" + c, "pre_transit");
    }
    for (String c : List.of("1Z767Y5E1594594644", "1Z767Y5E1594362635", "1Z767Y5E1599380160")) {
      FINAL_STATUS.put(c, "delivered");
    }
    for (String c : List.of("1Z767Y5E1599306580", "1Z767Y5E1594306660", "1Z767Y5E1591042656", "1Z767Y5E1595797174")) {
      FINAL_STATUS.put(c, "pre_transit");
    }
    FINAL_STATUS.put("1", "in_transit");
  }

  /**
   * package.json by hand: the state after an event, or null when no transition applies (no_transition =
   * count_unexpected: the state stays, the event is counted as unexpected). Final states take nothing. (The 7-day
   * in-transit timeout is left out: the sequence this model checks never sits in transit.)
   */
  static String packageNext(String s, String type, String detail) {
    if (s.equals("delivered") || s.equals("returned") || s.equals("failure")) {
      return null;
    }
    if (s.equals("return_to_sender")) {
      return type.equals("delivered") ? "returned"
          : List.of("in_transit", "out_for_delivery", "return_to_sender").contains(type) ? s : null;
    }
    if (type.equals("pre_transit")) {
      return s.equals("tracking/unknown") || s.equals("tracking/pre_transit") ? "tracking/pre_transit" : null;
    }
    switch (type) {
      case "unknown":
        return s;
      case "in_transit":
        return "arrived_at_facility".equals(detail) ? "tracking/in_transit/at_facility" : "tracking/in_transit/moving";
      case "out_for_delivery":
        return "tracking/in_transit/out_for_delivery";
      case "delivered":
      case "return_to_sender":
      case "failure":
        return type;
      default:
        return null;
    }
  }

  private static void easyPost(Map<String, Map<String, byte[]>> rows, List<CanonicalEvent> valid) throws Exception {
    String q = "s:" + StateColumns.machineState("package");
    for (Map.Entry<String, String> e : FINAL_STATUS.entrySet()) {
      Map<String, byte[]> state = rows.get(RowKeyCodec.stateRowKey("package", e.getKey()));
      assertNotNull(state, "no state row for package " + e.getKey());
      assertEquals(e.getValue(), EasyPostStateIT.status(StateColumns.text(state.get(q))), "final status of " + e.getKey());
    }
    // EZ7000000007's one scan has datetime null: the normalizer (time.fallback = none) dead-letters it.
    assertNull(rows.get(RowKeyCodec.stateRowKey("package", "EZ7000000007")));
    assertTrue(rows.keySet().stream().noneMatch(r -> r.contains(":package:EZ7000000007|")));

    // EZ4000000004, event by event: the raw data says 14 scans with a time, plus one webhook naming the code.
    Path extracted = DataFeeds.sampleData().resolve("real/easypost/extracted");
    int scans = 0;
    for (String line : Files.readAllLines(extracted.resolve("trackers.jsonl"), StandardCharsets.UTF_8)) {
      JsonNode o = MAPPER.readTree(line).get("object");
      if (o.get("tracking_code").asText().equals("EZ4000000004")) {
        for (JsonNode d : o.get("tracking_details")) {
          scans += d.get("datetime").isTextual() ? 1 : 0;
        }
      }
    }
    int webhooks = 0;
    for (String line : Files.readAllLines(extracted.resolve("events.jsonl"), StandardCharsets.UTF_8)) {
      webhooks += "EZ4000000004".equals(MAPPER.readTree(line).path("object").path("result").path("tracking_code")
          .asText(null)) ? 1 : 0;
    }
    assertEquals(14, scans);
    assertEquals(1, webhooks);
    List<CanonicalEvent> seq = new ArrayList<>();
    for (CanonicalEvent e : valid) {
      if (e.entityType().equals("package") && e.entityId().equals("EZ4000000004")) {
        seq.add(e);
      }
    }
    assertEquals(scans + webhooks, seq.size());
    // Arrival order is feed order (one sink, FIFO file channel): the go recording (2020, trackers.jsonl line 4) is
    // stored first; the doc recording (2014, line 67, ~250 events later, so never in the same sink batch) and the
    // 2014 webhook (spooled after every HTTP request) arrive more than 2d behind it: stored, flagged, not applied.
    long watermark = Long.MIN_VALUE;
    List<CanonicalEvent> applied = new ArrayList<>();
    Set<String> late = new TreeSet<>();
    for (CanonicalEvent e : seq) { // seq is in feed order here
      if (watermark != Long.MIN_VALUE && watermark - e.eventTimeNanos() > 2 * 24 * 60 * MINUTE) {
        late.add(e.eventId());
      } else {
        applied.add(e);
        watermark = Math.max(watermark, e.eventTimeNanos());
      }
    }
    assertEquals(8, applied.size(), "the 2020 recording");
    assertEquals(7, late.size(), "the 2014 recording (its delivered scan older than its first scan) and webhook");
    applied.sort(StateMachineEngine.EVENT_ORDER); // event time, ties by event id: the engine's documented order
    String s = "tracking/unknown";
    long unexpected = 0;
    List<String> states = new ArrayList<>();
    for (CanonicalEvent e : applied) {
      String next = packageNext(s, e.eventType(), e.attributes().get("status_detail"));
      if (next == null) {
        unexpected++;
      } else {
        s = next;
      }
      states.add(s);
      Map<String, byte[]> row = rows.get(RowKeyCodec.eventRowKey("package", "EZ4000000004", e.eventTimeNanos(),
          e.eventId()));
      assertEquals(s, StateColumns.text(row.get("d:" + StateColumns.machineState("package"))),
          "EZ4000000004 after " + e.eventType() + " at " + Instant.ofEpochSecond(0, e.eventTimeNanos()));
      assertNull(row.get("d:" + StateColumns.TOO_LATE));
    }
    assertEquals(List.of("tracking/pre_transit", "tracking/pre_transit", "tracking/in_transit/moving",
        "tracking/in_transit/moving", "tracking/in_transit/moving", "tracking/in_transit/moving",
        "tracking/in_transit/out_for_delivery", "delivered"), states, "the model itself, on the README's sequence");
    for (CanonicalEvent e : seq) {
      if (late.contains(e.eventId())) {
        Map<String, byte[]> row = rows.get(RowKeyCodec.eventRowKey("package", "EZ4000000004", e.eventTimeNanos(),
            e.eventId()));
        assertEquals(StateColumns.FLAG, StateColumns.text(row.get("d:" + StateColumns.TOO_LATE)), e.eventId());
        assertNull(row.get("d:" + StateColumns.machineState("package")), "a too-late event gets no state");
      }
    }
    Map<String, byte[]> state = rows.get(RowKeyCodec.stateRowKey("package", "EZ4000000004"));
    assertEquals("delivered", StateColumns.text(state.get(q)));
    assertEquals(unexpected, StateTables.counters(state, "package").getOrDefault("unexpected", 0L).longValue());
    assertEquals(applied.size(), StateTables.counter(state, StateColumns.EVENTS));
    assertEquals(late.size(), StateTables.counter(state, StateColumns.TOO_LATE));
  }

  // ---------------------------------------------------------------- Eyevinn

  private static void eyevinn(Map<String, Map<String, byte[]>> rows, Path data) throws Exception {
    String q = StateColumns.machineState("video-playback");
    int sequences = 0;
    for (String kind : List.of("valid", "invalid")) {
      JsonNode root = MAPPER.readTree(data.resolve("real/video-player-sessions-eyevinn/json/" + kind
          + "_sequences.json").toFile());
      for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
        Map.Entry<String, JsonNode> sequence = it.next();
        JsonNode events = sequence.getValue();
        if (!events.isArray() || events.isEmpty() || !events.get(0).has("sessionId")) {
          continue; // validTestSequences / invalidTestSequences: lists of the sequences above, not events
        }
        String entity = events.get(0).get("sessionId").asText() + "-" + kind + "-" + sequence.getKey();
        String what = kind + " " + sequence.getKey();
        Map<String, byte[]> state = rows.get(RowKeyCodec.stateRowKey("video_session", entity));
        assertNotNull(state, "no state row for " + what);
        assertEquals(events.size(), StateTables.counter(state, StateColumns.EVENTS), what);
        String fin = StateColumns.text(state.get("s:" + q));
        List<String> perEvent = new ArrayList<>();
        String prefix = RowKeyCodec.entityPrefix("video_session", entity);
        for (Map.Entry<String, Map<String, byte[]>> r : rows.entrySet()) {
          if (r.getKey().startsWith(prefix) && !r.getKey().endsWith(RowKeyCodec.STATE_SUFFIX)) {
            perEvent.add(StateColumns.text(r.getValue().get("d:" + q)));
          }
        }
        assertEquals(events.size(), perEvent.size(), what);
        if (kind.equals("valid")) {
          String last = events.get(events.size() - 1).get("event").asText();
          assertTrue(fin.equals(last) || fin.endsWith("/" + last), what + " accepted, ends in " + last + ": " + fin);
          assertFalse(perEvent.contains("invalid_sequence"), what + " " + perEvent);
        } else {
          assertEquals("invalid_sequence", fin, what + " flagged");
          assertTrue(perEvent.contains("invalid_sequence"), what + " " + perEvent);
        }
        sequences++;
      }
    }
    assertEquals(10, sequences);
  }

  // ---------------------------------------------------------------- OTTO

  private static long otto(Map<String, Map<String, byte[]>> rows, Path data) throws Exception {
    ZoneId berlin = ZoneId.of("Europe/Berlin");
    long total = 0;
    long expectedTotal = 0;
    int users = 0;
    for (String line : Files.readAllLines(data.resolve("real/otto-sessions/train.jsonl"), StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode root = MAPPER.readTree(line);
      String user = root.get("session").asText();
      // distinct events (the agent's id is a hash of session, ts, aid, type), by time
      TreeMap<Long, Integer> perMillis = new TreeMap<>();
      Set<String> seen = new TreeSet<>();
      for (JsonNode e : root.get("events")) {
        if (seen.add(e.get("ts").asText() + "/" + e.get("aid").asText() + "/" + e.get("type").asText())) {
          perMillis.merge(e.get("ts").asLong(), 1, Integer::sum);
        }
      }
      // sessions.json: a new session after more than 30 minutes without events, after 24 h, or at midnight in Berlin
      List<Integer> sizes = new ArrayList<>();
      long start = 0;
      long last = 0;
      long midnight = 0;
      for (Map.Entry<Long, Integer> m : perMillis.entrySet()) {
        long t = m.getKey() * 1_000_000L;
        if (sizes.isEmpty() || t - last > 30 * MINUTE || t - start > 24 * 60 * MINUTE || t >= midnight) {
          sizes.add(0);
          start = t;
          Instant i = Instant.ofEpochMilli(m.getKey());
          midnight = i.atZone(berlin).toLocalDate().plusDays(1).atStartOfDay(berlin).toInstant().toEpochMilli()
              * 1_000_000L;
        }
        sizes.set(sizes.size() - 1, sizes.get(sizes.size() - 1) + m.getValue());
        last = t;
      }
      Map<String, byte[]> state = rows.get(RowKeyCodec.stateRowKey("user", user));
      assertNotNull(state, "no state row for OTTO history " + user);
      long count = StateTables.counter(state, StateColumns.sessionCount("web"));
      assertEquals(sizes.size(), count, "sessions of OTTO history " + user);
      // the stored partition: events per d:sess.web.id, in row (time) order
      LinkedHashMap<String, Integer> stored = new LinkedHashMap<>();
      String prefix = RowKeyCodec.entityPrefix("user", user);
      for (Map.Entry<String, Map<String, byte[]>> r : rows.entrySet()) {
        if (r.getKey().startsWith(prefix) && !r.getKey().endsWith(RowKeyCodec.STATE_SUFFIX)) {
          stored.merge(StateColumns.text(r.getValue().get("d:" + StateColumns.sessionId("web"))), 1, Integer::sum);
        }
      }
      assertEquals(sizes, new ArrayList<>(stored.values()), "events per session of OTTO history " + user);
      total += count;
      expectedTotal += sizes.size();
      users++;
    }
    assertEquals(20, users);
    assertEquals(expectedTotal, total);
    assertTrue(total > 124, "OTTO has 124 gaps over 30 minutes: " + total);
    return total;
  }
}
