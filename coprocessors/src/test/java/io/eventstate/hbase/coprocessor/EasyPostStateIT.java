package io.eventstate.hbase.coprocessor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.fsm.MachineDefinition;
import io.eventstate.core.fsm.StateMachineEngine;
import io.eventstate.core.fsm.Step;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.state.StateColumns;
import io.eventstate.flume.sink.SinkWritePath;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.util.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import io.eventstate.testing.SharedMiniCluster;

/**
 * The EasyPost trackers of samples/real/easypost/extracted/trackers.jsonl, as CanonicalEvents (type = status,
 * attribute status_detail, time = datetime, entity = tracker id), through the sink's write path in batches of 100:
 * the package machine's final and per-event states must be the offline engine's, and a tracker recorded once must end
 * in its own final status.
 */
@ExtendWith({SharedMiniCluster.class, SharedMiniCluster.RegionServersAlive.class})
class EasyPostStateIT {

  record Tracker(String id, String status, List<CanonicalEvent> events) {
  }

  static List<Tracker> trackers() throws Exception {
    ObjectMapper m = new ObjectMapper();
    List<Tracker> out = new ArrayList<>();
    for (String line : Files.readAllLines(StateTables.sampleData().resolve("real/easypost/extracted/trackers.jsonl"),
        StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode o = m.readTree(line).get("object");
      String id = o.get("id").asText();
      List<CanonicalEvent> events = new ArrayList<>();
      for (JsonNode d : o.get("tracking_details")) {
        String when = d.get("datetime").isNull() ? o.get("created_at").asText() : d.get("datetime").asText();
        Instant i = Instant.parse(when);
        String status = d.get("status").asText();
        String detail = d.path("status_detail").isNull() ? null : d.path("status_detail").asText();
        events.add(StateTables.event("package", id, status, i.getEpochSecond() * 1_000_000_000L + i.getNano(),
            id + "@" + when + "/" + status, "status_detail", detail));
      }
      out.add(new Tracker(id, o.get("status").asText(), events));
    }
    return out;
  }

  /** The EasyPost status a state path stands for. */
  static String status(String path) {
    if (path.equals("tracking/in_transit/out_for_delivery")) {
      return "out_for_delivery";
    }
    if (path.startsWith("tracking/in_transit")) {
      return "in_transit";
    }
    return path.startsWith("tracking/") ? path.substring("tracking/".length()) : path;
  }

  @Test
  void packageStatesFollowTheTrackers() throws Exception {
    Map<String, String> props = StateTables.standardProperties();
    MachineDefinition def = StateTables.spec(props).machines().stream().filter(d -> d.name().equals("package"))
        .findFirst().orElseThrow();
    TableName tn = StateTables.create("easypost", props);
    List<Tracker> trackers = trackers();
    List<CanonicalEvent> all = new ArrayList<>();
    Map<String, List<CanonicalEvent>> byTracker = new LinkedHashMap<>();
    Map<String, Integer> records = new HashMap<>();
    for (Tracker t : trackers) {
      all.addAll(t.events());
      byTracker.computeIfAbsent(t.id(), k -> new ArrayList<>()).addAll(t.events());
      records.merge(t.id(), 1, Integer::sum);
    }
    SinkWritePath sink = StateTables.sink(tn);
    for (int i = 0; i < all.size(); i += 100) {
      assertEquals(List.of(), sink.write(all.subList(i, Math.min(all.size(), i + 100))));
    }
    Map<String, Map<String, byte[]>> rows = StateTables.rows(tn);
    int ownStatus = 0;
    int perEvent = 0;
    for (Map.Entry<String, List<CanonicalEvent>> e : byTracker.entrySet()) {
      List<Step> steps = StateMachineEngine.replay(def, StateMachineEngine.initial(def), e.getValue());
      Map<String, byte[]> state = rows.get(RowKeyCodec.stateRowKey("package", e.getKey()));
      String finalPath = steps.get(steps.size() - 1).state().path();
      assertEquals(finalPath, Bytes.toString(state.get("s:" + StateColumns.machineState("package"))), e.getKey());
      List<CanonicalEvent> sorted = new ArrayList<>(e.getValue());
      sorted.sort(StateMachineEngine.EVENT_ORDER);
      List<CanonicalEvent> distinct = new ArrayList<>();
      java.util.Set<String> ids = new java.util.HashSet<>();
      for (CanonicalEvent ev : sorted) {
        if (ids.add(ev.eventId())) {
          distinct.add(ev);
        }
      }
      for (int i = 0; i < distinct.size(); i++) {
        CanonicalEvent ev = distinct.get(i);
        Map<String, byte[]> row = rows.get(RowKeyCodec.eventRowKey("package", ev.entityId(), ev.eventTimeNanos(), ev.eventId()));
        assertEquals(steps.get(i).state().path(), Bytes.toString(row.get("d:" + StateColumns.machineState("package"))),
            ev.eventId());
        perEvent++;
      }
      if (records.get(e.getKey()) == 1) {
        Tracker t = trackers.stream().filter(x -> x.id().equals(e.getKey())).findFirst().orElseThrow();
        assertEquals(t.status(), status(finalPath), e.getKey());
        ownStatus++;
      }
    }
    assertEquals(54, byTracker.size());
    assertTrue(ownStatus >= 40, "trackers recorded once: " + ownStatus);
    assertTrue(perEvent >= 100, "per-event states checked: " + perEvent);
  }
}
