package io.eventstate.core.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

import io.eventstate.core.config.Locations;
import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.fsm.EntityState;
import io.eventstate.core.fsm.MachineDefinition;
import io.eventstate.core.fsm.Outcome;
import io.eventstate.core.fsm.StateMachineEngine;
import io.eventstate.core.fsm.Step;

/**
 * The two vendor feeds mapped by configuration alone (conf/flume/mappings/aftership.properties and github.properties,
 * on the payloads as published: AfterShip's list-trackings example under real/aftership in samples/ or .vendor-data/
 * when present,
 * GitHub's webhook examples from the npm package @octokit/webhooks-examples, see {@link TestPaths#vendorFile}):
 * events, exact times, final states of conf/machines and counts. Expectations are read from the raw payloads with Jackson, independently of the
 * normalizer.
 */
class VendorFeedsTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  static final List<String> GITHUB = List.of("issues/opened", "issues/labeled", "issues/locked", "issues/unlocked",
      "issues/reopened", "pull_request/opened", "pull_request/labeled", "pull_request/closed");

  private static MachineDefinition machine(String name) throws IOException {
    return MachineDefinition.load(Locations.repositoryRoot().resolve("conf/machines/" + name + ".json"));
  }

  private static List<NormalizeResult> run(JsonMapping m, byte[] payload, Map<String, String> headers, int[] empty) {
    JsonPayloadSplitter.Result split = new JsonPayloadSplitter(m.splitter()).split(payload);
    assertTrue(split.isOk(), split.reason());
    empty[0] += split.emptyArrays();
    JsonNormalizer n = new JsonNormalizer(m.normalizer());
    List<NormalizeResult> out = new ArrayList<>();
    for (byte[] e : split.events()) {
      out.addAll(n.normalizeAll(e, headers, TestPaths.ARRIVAL_AFTER_ALL));
    }
    return out;
  }

  private static long nanos(String iso) {
    OffsetDateTime t = OffsetDateTime.parse(iso);
    return t.toEpochSecond() * 1_000_000_000L + t.getNano();
  }

  private static Map<String, EntityState> finalStates(MachineDefinition def, List<CanonicalEvent> events) {
    Map<String, List<CanonicalEvent>> byEntity = new TreeMap<>();
    for (CanonicalEvent e : events) {
      if (def.appliesTo(e.entityType())) {
        byEntity.computeIfAbsent(e.entityId(), k -> new ArrayList<>()).add(e);
      }
    }
    Map<String, EntityState> out = new TreeMap<>();
    byEntity.forEach((id, es) -> out.put(id, StateMachineEngine.recompute(def, StateMachineEngine.initial(def), es)));
    return out;
  }

  @Test
  void aftershipCheckpointsThroughTheTagMapToThePackageMachine() throws IOException {
    Path raw = TestPaths.vendorFile("real/aftership/raw/GetTrackingsResult.json", TestPaths.AFTERSHIP_HINT);
    JsonMapping m = JsonMapping.load(TestPaths.mappings().resolve("aftership.properties"));
    int[] empty = new int[1];
    List<NormalizeResult> rs = run(m, Files.readAllBytes(raw), Map.of(), empty);
    JsonNode trackings = MAPPER.readTree(raw.toFile()).path("data").path("trackings");
    Map<String, String> tagToEvent = Map.of("InfoReceived", "pre_transit", "InTransit", "in_transit", "OutForDelivery",
        "out_for_delivery", "Exception", "exception", "Delivered", "delivered", "Expired", "expired");
    List<String> expected = new ArrayList<>();
    int emptyTrackings = 0;
    for (JsonNode t : trackings) {
      if (t.path("checkpoints").isEmpty()) {
        emptyTrackings++;
      }
      for (JsonNode c : t.path("checkpoints")) {
        expected.add("package " + c.path("slug").asText() + "/" + t.path("tracking_number").asText() + " "
            + tagToEvent.get(c.path("tag").asText()) + " " + nanos(c.path("checkpoint_time").asText()));
      }
    }
    List<String> got = new ArrayList<>();
    for (NormalizeResult r : rs) {
      assertTrue(r.isValid(), r.reason());
      CanonicalEvent e = r.event();
      got.add(e.entityType() + " " + e.entityId() + " " + e.eventType() + " " + e.eventTimeNanos());
    }
    assertEquals(expected, got);
    assertEquals(11, got.size());
    assertEquals(emptyTrackings, empty[0], "trackings without checkpoints give no event and are counted");
    assertEquals(2, empty[0]);
    // the exception scan at 2018-08-01T00:13:04-04:00 is followed by six more: the package is delivered after all
    List<CanonicalEvent> events = rs.stream().map(NormalizeResult::event).toList();
    assertEquals(1, events.stream().filter(e -> e.eventType().equals("exception")).count());
    assertEquals("arrived_at_facility", events.get(2).attributes().get("status_detail"));
    MachineDefinition pkg = machine("package");
    Map<String, EntityState> states = finalStates(pkg, events);
    assertEquals(List.of("fedex/1111111111111"), List.copyOf(states.keySet()));
    EntityState fedex = states.get("fedex/1111111111111");
    assertEquals("delivered", fedex.path(), "tracking tag " + trackings.get(0).path("tag").asText());
    assertEquals(11, fedex.counter(MachineDefinition.COUNTER_EVENTS));
    assertEquals(0, fedex.counter(MachineDefinition.COUNTER_UNEXPECTED));
    // delivered again, nothing changes: the ids hash the scan's own fields
    List<NormalizeResult> again = run(m, Files.readAllBytes(raw), Map.of(), new int[1]);
    assertEquals(got.size(), again.size());
    for (int i = 0; i < rs.size(); i++) {
      assertEquals(rs.get(i).event().eventId(), again.get(i).event().eventId());
    }
  }

  @Test
  void githubWebhooksWithTheEventHeaderFanOutToItemAndSender() throws IOException {
    JsonMapping m = JsonMapping.load(TestPaths.mappings().resolve("github.properties"));
    List<CanonicalEvent> events = new ArrayList<>();
    Map<String, Integer> perItem = new LinkedHashMap<>();
    for (String f : GITHUB) {
      Path raw = TestPaths.vendorFile("real/github-webhooks/raw/" + f + ".payload.json", TestPaths.GITHUB_HINT);
      String event = f.substring(0, f.indexOf('/'));
      List<NormalizeResult> rs = run(m, Files.readAllBytes(raw), Map.of("X-GitHub-Event", event), new int[1]);
      JsonNode body = MAPPER.readTree(raw.toFile());
      JsonNode item = body.path(event.equals("issues") ? "issue" : "pull_request");
      String itemId = body.path("repository").path("full_name").asText() + "#" + item.path("number").asText();
      assertEquals(2, rs.size(), f);
      CanonicalEvent ie = rs.get(0).event();
      CanonicalEvent ue = rs.get(1).event();
      assertEquals(event.equals("issues") ? "issue" : "pull_request", ie.entityType());
      assertEquals(itemId, ie.entityId());
      assertEquals(body.path("action").asText(), ie.eventType());
      assertEquals(nanos(item.path("updated_at").asText()), ie.eventTimeNanos());
      assertEquals(event, ie.attributes().get("event"));
      assertEquals("user", ue.entityType());
      assertEquals(body.path("sender").path("login").asText(), ue.entityId());
      assertEquals(ie.eventTimeNanos(), ue.eventTimeNanos());
      assertTrue(!ie.eventId().equals(ue.eventId()));
      events.add(ie);
      events.add(ue);
      perItem.merge(itemId, 1, Integer::sum);
    }
    assertEquals(16, events.size());
    MachineDefinition item = machine("github-item");
    Map<String, EntityState> states = finalStates(item, events);
    assertEquals("open/unlocked", states.get("Codertocat/Hello-World#1").path());
    assertEquals(5, states.get("Codertocat/Hello-World#1").counter(MachineDefinition.COUNTER_EVENTS));
    assertEquals("closed", states.get("Codertocat/Hello-World#2").path(), "closed, not merged");
    assertEquals(3, states.get("Codertocat/Hello-World#2").counter(MachineDefinition.COUNTER_EVENTS));
    for (EntityState s : states.values()) {
      assertEquals(0, s.counter(MachineDefinition.COUNTER_UNEXPECTED));
    }
    // the sender's events are user events: the checkout machine is scoped to the events it declares, so they
    // leave it alone instead of piling up unexpected counts
    MachineDefinition checkout = machine("checkout");
    EntityState st = StateMachineEngine.initial(checkout);
    for (CanonicalEvent e : events.stream().sorted(StateMachineEngine.EVENT_ORDER).toList()) {
      if (e.entityType().equals("user")) {
        Step step = StateMachineEngine.step(checkout, st, e);
        assertEquals(Outcome.NOT_APPLICABLE, step.outcome(), e.toString());
        st = step.state();
      }
    }
    assertEquals(0, st.counter(MachineDefinition.COUNTER_UNEXPECTED));
  }
}
