package io.eventstate.core.session;

import static io.eventstate.core.fsm.TestSupport.MINUTE;
import static io.eventstate.core.fsm.TestSupport.SECOND;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.fsm.DefinitionException;
import io.eventstate.core.fsm.TestSupport;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SessionEngineTest {

  private static final long T0 = TestSupport.nanos("2022-08-01T10:00:00Z");

  static SessionSpec spec(String extra) {
    return SessionSpec.parse("conf/machines/test-sessions.json",
        "{\"kind\": \"sessions\", \"name\": \"s\", \"entity_types\": [\"user\"]" + extra + "}");
  }

  private static CanonicalEvent ev(long t, String id, String... attrs) {
    return TestSupport.event("user", "u1", "click", t, id, attrs);
  }

  @Test
  void defaultsAreAThirtyMinuteGapAndNothingElse() {
    SessionSpec s = spec("");
    assertEquals(30 * MINUTE, s.gapNanos());
    assertEquals(SessionSpec.NO_MAX_LENGTH, s.maxLengthNanos());
    assertNull(s.midnightZone());
    assertNull(s.splitOnAttribute());
  }

  @Test
  void theShippedSpecLoads() throws Exception {
    SessionSpec s = SessionSpec.load(TestSupport.repoRoot().resolve("conf/machines/sessions.json"));
    assertEquals("web", s.name());
    assertEquals("Europe/Berlin", s.midnightZone().getId());
    assertEquals("campaign", s.splitOnAttribute());
  }

  @Test
  void gapSplitsAndExactlyTheGapContinues() {
    List<Session> s = SessionEngine.sessionize(spec(""), List.of(ev(T0, "a"), ev(T0 + 30 * MINUTE, "b"),
        ev(T0 + 60 * MINUTE + 1, "c")));
    assertEquals(2, s.size());
    assertEquals(List.of("a", "b"), s.get(0).eventIds());
    assertEquals(30 * MINUTE, s.get(0).durationNanos());
    assertEquals(2, s.get(0).eventCount());
    assertEquals(List.of("c"), s.get(1).eventIds());
    assertEquals(0, s.get(1).durationNanos());
  }

  @Test
  void stepReportsTheSessionItClosed() {
    SessionSpec spec = spec("");
    SessionState st = SessionState.initial();
    st = SessionEngine.step(spec, st, ev(T0, "a")).state();
    st = SessionEngine.step(spec, st, ev(T0 + MINUTE, "b")).state();
    SessionStep next = SessionEngine.step(spec, st, ev(T0 + 2 * 60 * MINUTE, "c"));
    assertEquals(SessionStep.Outcome.STARTED, next.outcome());
    assertEquals(new Session(st.sessionId(), T0, T0 + MINUTE, 2, List.of()), next.ended());
    assertEquals(2, next.state().sessionCount());
  }

  @Test
  void maxLengthSplitsLongSessions() {
    List<CanonicalEvent> events = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      events.add(ev(T0 + i * 20 * MINUTE, "e" + i));
    }
    List<Session> s = SessionEngine.sessionize(spec(", \"max_length\": \"1h\""), events);
    assertEquals(List.of(4L, 4L, 2L), s.stream().map(Session::eventCount).toList(),
        "0..60 min spans exactly the hour (kept); 80 starts a new one, which keeps 80..140");
  }

  @Test
  void midnightInTheConfiguredZoneSplits() {
    long berlinMidnight = TestSupport.nanos("2022-08-01T22:00:00Z");
    List<Session> s = SessionEngine.sessionize(spec(", \"split_at_midnight\": \"Europe/Berlin\""),
        List.of(ev(berlinMidnight - 10 * MINUTE, "a"), ev(berlinMidnight - SECOND, "b"), ev(berlinMidnight, "c"),
            ev(berlinMidnight + 10 * MINUTE, "d")));
    assertEquals(2, s.size());
    assertEquals(List.of("c", "d"), s.get(1).eventIds());
    assertEquals(1, SessionEngine.sessionize(spec(""), List.of(ev(berlinMidnight - SECOND, "b"), ev(berlinMidnight, "c"))).size());
  }

  @Test
  void aNewAttributeValueSplitsAndMissingValuesContinue() {
    List<Session> s = SessionEngine.sessionize(spec(", \"split_on_attribute\": \"campaign\""),
        List.of(ev(T0, "a"), ev(T0 + MINUTE, "b", "campaign", "summer"), ev(T0 + 2 * MINUTE, "c"),
            ev(T0 + 3 * MINUTE, "d", "campaign", "summer"), ev(T0 + 4 * MINUTE, "e", "campaign", "autumn")));
    assertEquals(List.of(List.of("a", "b", "c", "d"), List.of("e")), s.stream().map(Session::eventIds).toList());
  }

  @Test
  void sessionIdsAreReadableAndDeterministic() {
    String id = SessionEngine.sessionId("user", "u1", TestSupport.nanos("2022-07-31T22:00:00.123Z"), "evt-1");
    assertTrue(id.matches("20220731T220000\\.123000000Z-[0-9a-f]{8}"), id);
    assertEquals(id, SessionEngine.sessionId("user", "u1", TestSupport.nanos("2022-07-31T22:00:00.123Z"), "evt-1"));
    assertTrue(!id.equals(SessionEngine.sessionId("user", "u2", TestSupport.nanos("2022-07-31T22:00:00.123Z"), "evt-1")));
  }

  @Test
  void aLateEventBridgingTwoSessionsMergesThemUnderTheEarlierId() {
    SessionSpec spec = spec("");
    List<CanonicalEvent> events = List.of(ev(T0, "a1"), ev(T0 + 10 * MINUTE, "a2"), ev(T0 + 50 * MINUTE, "b1"),
        ev(T0 + 55 * MINUTE, "b2"));
    List<Session> before = SessionEngine.sessionize(spec, events);
    assertEquals(2, before.size());
    Resessionization r = SessionEngine.insert(spec, SessionState.initial(), events, ev(T0 + 30 * MINUTE, "late"));
    assertEquals(1, r.sessions().size());
    assertEquals(before.get(0).sessionId(), r.lateSessionId());
    assertEquals(List.of(new Reassignment("b1", T0 + 50 * MINUTE, before.get(1).sessionId(), before.get(0).sessionId()),
        new Reassignment("b2", T0 + 55 * MINUTE, before.get(1).sessionId(), before.get(0).sessionId())), r.changed());
    assertEquals(5, r.state().eventCount());
    assertEquals(1, r.state().sessionCount());
  }

  @Test
  void aLateEventThatBecomesTheFirstRenamesTheSession() {
    SessionSpec spec = spec("");
    List<CanonicalEvent> events = List.of(ev(T0, "a1"), ev(T0 + 10 * MINUTE, "a2"));
    Resessionization r = SessionEngine.insert(spec, SessionState.initial(), events, ev(T0 - 5 * MINUTE, "early"));
    assertEquals(SessionEngine.sessionId("user", "u1", T0 - 5 * MINUTE, "early"), r.lateSessionId());
    assertEquals(List.of("a1", "a2"), r.changed().stream().map(Reassignment::eventId).toList());
  }

  @Test
  void aLateEventFromSnapshotOnlyTouchesEventsAfterIt() {
    SessionSpec spec = spec("");
    List<CanonicalEvent> early = List.of(ev(T0, "a1"), ev(T0 + 10 * MINUTE, "a2"));
    SessionState snapshot = SessionEngine.recompute(spec, SessionState.initial(), early);
    List<CanonicalEvent> after = List.of(ev(T0 + 50 * MINUTE, "b1"));
    Resessionization r = SessionEngine.insert(spec, snapshot, after, ev(T0 + 35 * MINUTE, "late"));
    assertEquals(snapshot.sessionId(), r.lateSessionId());
    assertEquals(1, r.changed().size());
    assertEquals(4, r.state().eventCount(), "counts the snapshot's events too");
    assertEquals(T0 + 50 * MINUTE - T0, r.state().durationNanos());
  }

  @Test
  void aLateEventWithANewCampaignSplitsASession() {
    SessionSpec spec = spec(", \"split_on_attribute\": \"campaign\"");
    List<CanonicalEvent> events = List.of(ev(T0, "a", "campaign", "x"), ev(T0 + 10 * MINUTE, "b"), ev(T0 + 20 * MINUTE, "c"));
    Resessionization r = SessionEngine.insert(spec, SessionState.initial(), events,
        ev(T0 + 5 * MINUTE, "late", "campaign", "y"));
    assertEquals(2, r.sessions().size());
    assertEquals(List.of("b", "c"), r.changed().stream().map(Reassignment::eventId).toList());
  }

  @Test
  void duplicatesNeverChangeTheState() {
    SessionSpec spec = spec("");
    SessionState s = SessionEngine.step(spec, SessionState.initial(), ev(T0, "a")).state();
    s = SessionEngine.step(spec, s, ev(T0 + MINUTE, "b")).state();
    assertSame(s, SessionEngine.step(spec, s, ev(T0 + MINUTE, "b")).state());
    assertSame(s, SessionEngine.step(spec, s, ev(T0, "a")).state());
    assertEquals(SessionStep.Outcome.DUPLICATE, SessionEngine.step(spec, s, ev(T0, "a")).outcome());
    assertEquals(SessionStep.Outcome.NOT_APPLICABLE,
        SessionEngine.step(spec, s, TestSupport.event("device", "d", "x", T0 + HOUR_, "z")).outcome());
    Resessionization r = SessionEngine.insert(spec, SessionState.initial(), List.of(ev(T0, "a"), ev(T0 + MINUTE, "b")),
        ev(T0 + MINUTE, "b"));
    assertEquals(List.of(), r.changed());
    assertEquals(s, r.state());
  }

  private static final long HOUR_ = 60 * MINUTE;

  @Test
  void stateBytesRoundTripAndRejectOtherVersions() {
    SessionSpec spec = spec(", \"split_at_midnight\": \"Asia/Kolkata\", \"split_on_attribute\": \"campaign\"");
    SessionState s = SessionEngine.recompute(spec, SessionState.initial(),
        List.of(ev(T0, "ä", "campaign", "sommer"), ev(T0 + MINUTE, "b")));
    assertEquals(s, SessionState.fromBytes(s.toBytes()));
    assertEquals(SessionState.initial(), SessionState.fromBytes(SessionState.initial().toBytes()));
    assertEquals(1, s.toBytes()[0]);
    assertTrue(assertThrows(IllegalArgumentException.class, () -> SessionState.fromBytes(new byte[] {9}))
        .getMessage().contains("version 9"));
    byte[] b = s.toBytes();
    assertThrows(IllegalArgumentException.class, () -> SessionState.fromBytes(java.util.Arrays.copyOf(b, b.length - 1)));
  }

  @Test
  void shouldRejectBadSpecs() {
    assertTrue(assertThrows(DefinitionException.class, () -> spec(", \"gap\": \"30 minutes\"")).getMessage()
        .contains("conf/machines/test-sessions.json: $.gap: '30 minutes' has unknown unit"));
    assertTrue(assertThrows(DefinitionException.class, () -> spec(", \"split_at_midnight\": \"Mars/Olympus\"")).getMessage()
        .contains("$.split_at_midnight: unknown time zone 'Mars/Olympus'; use a region id"));
    assertTrue(assertThrows(DefinitionException.class, () -> spec(", \"gap_minutes\": 30")).getMessage()
        .contains("$.gap_minutes: unknown key 'gap_minutes'"));
    assertTrue(assertThrows(DefinitionException.class, () -> spec(", \"max_length\": \"10m\"")).getMessage()
        .contains("$.max_length: max_length 10m is shorter than gap 30m"));
    assertTrue(assertThrows(DefinitionException.class, () -> SessionSpec.parse("f.json", "{\"kind\": \"sessions\"}"))
        .getMessage().contains("$.name: missing required key 'name'"));
    assertTrue(assertThrows(DefinitionException.class, () -> SessionSpec.parse("f.json",
        "{\"kind\": \"machine\", \"name\": \"x\", \"entity_types\": \"u\"}")).getMessage().contains("$.kind: kind 'machine' is not sessions"));
  }

  /**
   * Property: random events delivered in random orders within the allowed lateness, each late one folded in with
   * insert from the snapshot of the newest earlier event, give the same final state and the same per-event
   * session ids as the in-order fold.
   */
  @Test
  void arrivalOrderWithinLatenessDoesNotChangeSessions() {
    SessionSpec spec = spec(", \"max_length\": \"2h\", \"split_at_midnight\": \"Europe/Berlin\","
        + " \"split_on_attribute\": \"campaign\", \"allowed_lateness\": \"1h\"");
    Random rnd = new Random(2026);
    String[] campaigns = {null, null, null, "a", "b"};
    for (int it = 0; it < 400; it++) {
      List<CanonicalEvent> events = new ArrayList<>();
      int n = 1 + rnd.nextInt(40);
      for (int i = 0; i < n; i++) {
        long t = T0 + 10 * HOUR_ + (rnd.nextLong(8 * HOUR_) / (10 * SECOND)) * 10 * SECOND;
        events.add(ev(t, "id" + rnd.nextInt(100000) + "-" + i, "campaign", campaigns[rnd.nextInt(campaigns.length)]));
      }
      Map<String, String> expected = new HashMap<>();
      List<SessionEngine.Assigned> inOrder = SessionEngine.replay(spec, SessionState.initial(), events);
      for (SessionEngine.Assigned a : inOrder) {
        expected.put(a.event().eventId(), a.step().sessionId());
      }
      SessionState expectedState = inOrder.get(inOrder.size() - 1).step().state();

      // Arrival order: every event at most allowed_lateness behind the newest before it; some redelivered.
      List<CanonicalEvent> arrivals = new ArrayList<>(events);
      arrivals.sort(java.util.Comparator.comparingLong(e -> e.eventTimeNanos() + (long) (rnd.nextDouble() * spec.allowedLatenessNanos())));
      for (int k = 0; k < 3; k++) {
        arrivals.add(rnd.nextInt(arrivals.size()), arrivals.get(rnd.nextInt(arrivals.size())));
      }
      java.util.TreeMap<String, CanonicalEvent> stored = new java.util.TreeMap<>();
      java.util.TreeMap<String, SessionState> after = new java.util.TreeMap<>();
      Map<String, String> cells = new HashMap<>();
      SessionState current = SessionState.initial();
      for (CanonicalEvent e : arrivals) {
        String key = String.format("%020d/%s", e.eventTimeNanos(), e.eventId());
        SessionStep st = SessionEngine.step(spec, current, e);
        if (st.outcome() == SessionStep.Outcome.DUPLICATE || stored.containsKey(key)) {
          assertSame(current, st.state(), "duplicates never change state, iteration " + it);
          continue;
        }
        if (st.outcome() != SessionStep.Outcome.OUT_OF_ORDER) {
          stored.put(key, e);
          current = st.state();
          after.put(key, current);
          cells.put(e.eventId(), st.sessionId());
          continue;
        }
        var prev = after.lowerEntry(key);
        SessionState snap = prev == null ? SessionState.initial() : prev.getValue();
        List<CanonicalEvent> tail = new ArrayList<>(stored.tailMap(key, false).values());
        Resessionization r = SessionEngine.insert(spec, snap, tail, e);
        for (Reassignment ra : r.changed()) {
          assertEquals(ra.oldSessionId(), cells.get(ra.eventId()), "old id matches the stored cell");
          cells.put(ra.eventId(), ra.newSessionId());
        }
        cells.put(e.eventId(), r.lateSessionId());
        stored.put(key, e);
        SessionState s2 = snap;
        for (SessionEngine.Assigned a : SessionEngine.replay(spec, snap, stored.tailMap(key, true).values())) {
          s2 = a.step().state();
          after.put(String.format("%020d/%s", a.event().eventTimeNanos(), a.event().eventId()), s2);
        }
        current = r.state();
      }
      assertEquals(expectedState, current, "iteration " + it);
      assertArrayEquals(expectedState.toBytes(), current.toBytes(), "iteration " + it);
      assertEquals(expected, cells, "iteration " + it);
    }
  }
}
