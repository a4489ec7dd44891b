package io.eventstate.core.fsm;

import static io.eventstate.core.fsm.TestSupport.DAY;
import static io.eventstate.core.fsm.TestSupport.HOUR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventstate.core.event.CanonicalEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * conf/machines/package.json against the EasyPost trackers in samples/real/easypost/extracted: each
 * tracker's tracking_details become events (type = status, attribute status_detail, time = datetime), and the
 * machine must end in the tracker's own final status.
 */
class PackageMachineTest {

  private final MachineDefinition def = TestSupport.machine("package.json");

  record Tracker(String file, String id, String code, String status, List<CanonicalEvent> events) {
  }

  static List<Tracker> trackers() throws IOException {
    Path p = TestSupport.sampleData().resolve("real/easypost/extracted/trackers.jsonl");
    ObjectMapper m = new ObjectMapper();
    List<Tracker> out = new ArrayList<>();
    for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode root = m.readTree(line);
      JsonNode o = root.get("object");
      String id = o.get("id").asText();
      List<CanonicalEvent> events = new ArrayList<>();
      for (JsonNode d : o.get("tracking_details")) {
        String when = d.get("datetime").isNull() ? o.get("created_at").asText() : d.get("datetime").asText();
        String status = d.get("status").asText();
        String detail = d.path("status_detail").isNull() ? null : d.path("status_detail").asText();
        events.add(TestSupport.event("package", id, status, TestSupport.nanos(when), id + "@" + when + "/" + status,
            "status_detail", detail, "message", d.path("message").asText(null)));
      }
      out.add(new Tracker(root.get("_source").get("file").asText(), id, o.get("tracking_code").asText(),
          o.get("status").asText(), events));
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
  void everyTrackerEndsInItsOwnFinalStatus() throws IOException {
    List<Tracker> ts = trackers();
    assertEquals(67, ts.size());
    int checked = 0;
    for (Tracker t : ts) {
      EntityState s = StateMachineEngine.recompute(def, StateMachineEngine.initial(def), t.events());
      assertEquals(t.status(), status(s.path()), t.file() + " " + t.code() + " " + t.id() + " -> " + s);
      checked++;
    }
    assertEquals(67, checked);
  }

  @Test
  void returnToSenderAndFailureAreReached() throws IOException {
    for (Tracker t : trackers()) {
      EntityState s = StateMachineEngine.recompute(def, StateMachineEngine.initial(def), t.events());
      if (t.code().equals("EZ5000000005")) {
        assertEquals("return_to_sender", s.path());
        assertEquals(1, s.counter("state.tracking/in_transit/out_for_delivery"));
      }
      if (t.code().equals("EZ6000000006")) {
        assertEquals("failure", s.path());
        assertEquals(0, s.counter("unexpected"));
      }
      if (t.code().equals("EZ7000000007")) {
        assertEquals("tracking/unknown", s.path());
      }
    }
  }

  @Test
  void nestedInTransitStatesFollowStatusDetail() throws IOException {
    Tracker ups = trackers().stream().filter(t -> t.id().startsWith("trk_4cc4cd5f")).findFirst().orElseThrow();
    List<String> paths = new ArrayList<>();
    EntityState s = StateMachineEngine.initial(def);
    for (CanonicalEvent e : ups.events()) {
      s = StateMachineEngine.step(def, s, e).state();
      paths.add(s.path());
    }
    assertEquals(List.of("tracking/pre_transit", "tracking/in_transit/at_facility", "tracking/in_transit/moving",
        "tracking/in_transit/at_facility", "tracking/in_transit/out_for_delivery", "delivered"), paths);
    assertEquals(1, s.counter("state.tracking/in_transit"), "moving between children does not re-enter in_transit");
    assertEquals(2, s.counter("state.tracking/in_transit/at_facility"));
  }

  @Test
  void webhookWithDeliveredBeforePreTransitEndsDeliveredAndCountsTheLaterScans() throws IOException {
    Tracker hook = trackers().stream().filter(t -> t.file().equals("tracking-webhook.json")).findFirst().orElseThrow();
    EntityState sorted = StateMachineEngine.recompute(def, StateMachineEngine.initial(def), hook.events());
    assertEquals("delivered", sorted.path());
    assertEquals(5, sorted.counter("unexpected"), "five scans are stamped after the delivery");
    assertEquals(6, sorted.counter("events"));
    // Arrival order (array order) through the step/late-event harness gives the same state, byte for byte.
    EntityState arrival = LateEventHarness.deliver(def, hook.events());
    assertEquals(sorted, arrival);
    assertTrue(java.util.Arrays.equals(sorted.toBytes(), arrival.toBytes()));
  }

  @Test
  void divergingSnapshotsOfOneTrackerMergeToDeliveredInAnyOrder() throws IOException {
    List<Tracker> ts = trackers();
    Random rnd = new Random(42);
    int merged = 0;
    for (Tracker delivered : ts) {
      if (!delivered.file().equals("test_shipment_get_next_page.yaml") || !delivered.status().equals("delivered")) {
        continue;
      }
      List<CanonicalEvent> all = new ArrayList<>(delivered.events());
      ts.stream().filter(t -> t.id().equals(delivered.id()) && t != delivered).forEach(t -> all.addAll(t.events()));
      assertTrue(all.size() > delivered.events().size());
      EntityState expected = StateMachineEngine.recompute(def, StateMachineEngine.initial(def), all);
      assertEquals("delivered", expected.path());
      for (int i = 0; i < 20; i++) {
        Collections.shuffle(all, rnd);
        assertEquals(expected, LateEventHarness.deliver(def, all));
      }
      merged++;
    }
    assertEquals(5, merged);
  }

  @Test
  void eventsBeyondTheAllowedLatenessAreTooLate() {
    long t = TestSupport.nanos("2020-04-08T05:01:22Z");
    EntityState s = StateMachineEngine.step(def, StateMachineEngine.initial(def),
        TestSupport.event("package", "p", "pre_transit", t, "a")).state();
    assertTrue(!StateMachineEngine.tooLate(def, s, TestSupport.event("package", "p", "unknown", t - 2 * DAY, "b")));
    assertTrue(StateMachineEngine.tooLate(def, s, TestSupport.event("package", "p", "unknown", t - 2 * DAY - 1, "c")));
    assertTrue(!StateMachineEngine.tooLate(def, StateMachineEngine.initial(def),
        TestSupport.event("package", "p", "unknown", 0, "d")), "nothing is late for a new entity");
  }

  @Test
  void aWeekWithoutScansInTransitIsLostAndAScanFindsItAgain() {
    long t = TestSupport.nanos("2020-04-08T05:01:22Z");
    EntityState s = StateMachineEngine.initial(def);
    s = StateMachineEngine.step(def, s, TestSupport.event("package", "p", "pre_transit", t, "a")).state();
    s = StateMachineEngine.step(def, s, TestSupport.event("package", "p", "in_transit", t + HOUR, "b")).state();
    s = StateMachineEngine.step(def, s, TestSupport.event("package", "p", "in_transit", t + 3 * DAY, "c",
        "status_detail", "arrived_at_facility")).state();
    assertEquals("tracking/in_transit/at_facility", StateMachineEngine.at(def, s, t + 9 * DAY).state().path());
    Step found = StateMachineEngine.step(def, s, TestSupport.event("package", "p", "in_transit", t + 12 * DAY, "d"));
    assertEquals("tracking/lost", found.fired().get(0).to());
    assertEquals(t + 10 * DAY, found.fired().get(0).atNanos(), "7 days after the last scan");
    assertTrue(found.fired().get(0).notifies());
    assertEquals("tracking/in_transit/moving", found.state().path());
  }
}
