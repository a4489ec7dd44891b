package io.eventstate.hbase.coprocessor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.session.Session;
import io.eventstate.core.session.SessionEngine;
import io.eventstate.core.session.SessionSpec;
import io.eventstate.core.session.SessionState;
import io.eventstate.core.state.EntityStateSpec;
import io.eventstate.core.state.StateColumns;
import io.eventstate.flume.sink.SinkWritePath;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.util.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import io.eventstate.testing.SharedMiniCluster;

/**
 * OTTO's clickstream (samples/real/otto-sessions/train.jsonl, 20 users' multi-week histories) through the sink
 * path with conf/machines/sessions.json, delivered out of order (each event delayed by up to 30 minutes, inside the
 * spec's 1h allowed lateness): every event's session id and every user's session count equal the offline engine's.
 */
@ExtendWith({SharedMiniCluster.class, SharedMiniCluster.RegionServersAlive.class})
class OttoSessionsIT {

  static List<CanonicalEvent> events() throws Exception {
    ObjectMapper m = new ObjectMapper();
    List<CanonicalEvent> out = new ArrayList<>();
    for (String line : Files.readAllLines(StateTables.sampleData().resolve("real/otto-sessions/train.jsonl"),
        StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode root = m.readTree(line);
      String user = root.get("session").asText();
      for (JsonNode e : root.get("events")) {
        long ts = e.get("ts").asLong();
        String type = e.get("type").asText();
        String aid = e.get("aid").asText();
        out.add(StateTables.event("user", user, type, ts * 1_000_000L, user + "/" + ts + "/" + aid + "/" + type,
            "aid", aid));
      }
    }
    return out;
  }

  @Test
  void sessionsMatchTheOfflineEngineDespiteLateArrivals() throws Exception {
    Map<String, String> props = EntityStateSpec.properties(List.of(StateTables.conf("sessions.json")));
    SessionSpec spec = StateTables.spec(props).sessions().get(0);
    TableName tn = StateTables.create("otto", props);
    List<CanonicalEvent> events = events();
    Random r = new Random(71);
    Map<String, Long> delivery = new HashMap<>();
    for (CanonicalEvent e : events) {
      delivery.put(e.eventId(), e.eventTimeNanos() + (long) (r.nextDouble() * 30 * 60 * 1e9));
    }
    List<CanonicalEvent> order = new ArrayList<>(events);
    order.sort(Comparator.comparing((CanonicalEvent e) -> delivery.get(e.eventId())));
    ObserverMetrics late = ObserverMetrics.of(tn, m -> m.late);
    ObserverMetrics tooLate = ObserverMetrics.of(tn, m -> m.tooLate);
    long lateBefore = late.sum();
    long tooLateBefore = tooLate.sum();
    SinkWritePath sink = StateTables.sink(tn);
    for (int i = 0; i < order.size(); i += 100) {
      assertEquals(List.of(), sink.write(order.subList(i, Math.min(order.size(), i + 100))));
    }
    assertTrue(late.sum() - lateBefore > 20, "late arrivals: " + (late.sum() - lateBefore));
    assertEquals(tooLateBefore, tooLate.sum());
    Map<String, Map<String, byte[]>> rows = StateTables.rows(tn);
    Map<String, List<CanonicalEvent>> byUser = new HashMap<>();
    for (CanonicalEvent e : events) {
      byUser.computeIfAbsent(e.entityId(), k -> new ArrayList<>()).add(e);
    }
    int sessions = 0;
    int checked = 0;
    for (Map.Entry<String, List<CanonicalEvent>> u : byUser.entrySet()) {
      List<Session> expected = SessionEngine.sessionize(spec, u.getValue());
      Map<String, byte[]> state = rows.get(RowKeyCodec.stateRowKey("user", u.getKey()));
      assertEquals(expected.size(), StateTables.counter(state, StateColumns.sessionCount(spec.name())), u.getKey());
      assertEquals(expected.get(expected.size() - 1).sessionId(),
          Bytes.toString(state.get("s:" + StateColumns.sessionId(spec.name()))));
      assertEquals(new String(SessionEngine.recompute(spec, SessionState.initial(), u.getValue()).toBytes(),
          StandardCharsets.ISO_8859_1), new String(state.get("s:" + StateColumns.session(spec.name())),
          StandardCharsets.ISO_8859_1));
      Map<String, CanonicalEvent> byId = new HashMap<>();
      for (CanonicalEvent e : u.getValue()) {
        byId.put(e.eventId(), e);
      }
      for (Session s : expected) {
        for (String id : s.eventIds()) {
          CanonicalEvent e = byId.get(id);
          Map<String, byte[]> row = rows.get(RowKeyCodec.eventRowKey("user", e.entityId(), e.eventTimeNanos(), id));
          assertEquals(s.sessionId(), Bytes.toString(row.get("d:" + StateColumns.sessionId(spec.name()))), id);
          checked++;
        }
      }
      sessions += expected.size();
    }
    assertEquals(20, byUser.size());
    assertTrue(sessions > 40, "sessions: " + sessions);
    assertEquals(events.stream().map(CanonicalEvent::eventId).distinct().count(), checked);
  }
}
