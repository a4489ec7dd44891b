package io.eventstate.core.fsm;

import static io.eventstate.core.fsm.TestSupport.SECOND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventstate.core.event.CanonicalEvent;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * conf/machines/video-playback.json against Eyevinn's own labelled fixtures
 * (samples/real/video-player-sessions-eyevinn/json): every valid sequence is accepted, every invalid one
 * ends in invalid_sequence. Timestamps there are epoch seconds.
 */
class VideoPlaybackMachineTest {

  private final MachineDefinition def = TestSupport.machine("video-playback.json");
  private static final Path DIR = TestSupport.sampleData().resolve("real/video-player-sessions-eyevinn/json");

  private static List<List<CanonicalEvent>> sequences(String file, String listKey) throws IOException {
    JsonNode root = new ObjectMapper().readTree(DIR.resolve(file).toFile());
    List<List<CanonicalEvent>> out = new ArrayList<>();
    for (JsonNode ref : root.get(listKey)) {
      String name = ref.get("$ref").asText();
      List<CanonicalEvent> seq = new ArrayList<>();
      int i = 0;
      for (JsonNode e : root.get(name)) {
        seq.add(TestSupport.event("video_session", e.get("sessionId").asText(), e.get("event").asText(),
            e.get("timestamp").asLong() * SECOND, name + "-" + (i++), "playhead", e.path("playhead").asText(),
            "host", e.path("host").asText()));
      }
      out.add(seq);
    }
    return out;
  }

  private List<Step> feed(List<CanonicalEvent> seq) {
    return StateMachineEngine.replay(def, StateMachineEngine.initial(def), seq);
  }

  @Test
  void everyValidEyevinnSequenceIsAccepted() throws IOException {
    List<List<CanonicalEvent>> valid = sequences("valid_sequences.json", "validTestSequences");
    assertEquals(5, valid.size());
    for (List<CanonicalEvent> seq : valid) {
      List<Step> steps = feed(seq);
      assertEquals(seq.size(), steps.size());
      for (Step s : steps) {
        assertTrue(s.outcome() == Outcome.TRANSITION || s.outcome() == Outcome.INTERNAL,
            seq.get(0).eventId() + ": " + s.fired() + " " + s.outcome() + " in " + s.previous().path());
      }
      EntityState end = steps.get(steps.size() - 1).state();
      assertEquals(0, end.counter("unexpected"));
      assertNotEquals("invalid_sequence", end.path());
    }
  }

  @Test
  void validSequencesEndWhereTheyShould() throws IOException {
    List<List<CanonicalEvent>> valid = sequences("valid_sequences.json", "validTestSequences");
    List<String> ends = new ArrayList<>();
    for (List<CanonicalEvent> seq : valid) {
      List<Step> steps = feed(seq);
      ends.add(steps.get(steps.size() - 1).state().path());
    }
    assertEquals(List.of("stopped", "stopped", "session/playback/playing", "stopped", "stopped"), ends);
  }

  @Test
  void everyInvalidEyevinnSequenceEndsInTheErrorState() throws IOException {
    List<List<CanonicalEvent>> invalid = sequences("invalid_sequences.json", "invalidTestSequences");
    assertEquals(5, invalid.size());
    for (List<CanonicalEvent> seq : invalid) {
      // In event-time order (as the coprocessor folds them) ...
      EntityState sorted = StateMachineEngine.recompute(def, StateMachineEngine.initial(def), seq);
      assertEquals("invalid_sequence", sorted.path(), seq.get(0).eventId());
      assertTrue(sorted.counter("unexpected") >= 1);
      // ... and in the array order Eyevinn's validator reads them.
      EntityState s = StateMachineEngine.initial(def);
      boolean flagged = false;
      for (CanonicalEvent e : seq) {
        Step st = StateMachineEngine.step(def, s, e);
        flagged |= st.outcome() == Outcome.ERROR_STATE || st.outcome() == Outcome.OUT_OF_ORDER;
        s = st.state();
      }
      assertTrue(flagged, seq.get(0).eventId());
    }
  }

  @Test
  void theFirstOffendingEventIsTheOneEyevinnRejects() throws IOException {
    List<List<CanonicalEvent>> invalid = sequences("invalid_sequences.json", "invalidTestSequences");
    List<String> offenders = new ArrayList<>();
    for (List<CanonicalEvent> seq : invalid) {
      for (Step st : feed(seq)) {
        if (st.outcome() == Outcome.ERROR_STATE) {
          offenders.add(st.previous().path() + " <- " + st.fired().get(0).trigger());
          break;
        }
      }
    }
    assertEquals(List.of("idle <- loading", "stopped <- error", "session/playback/seeking <- buffering",
        "session/playback/playing <- playing", "session/playback/playing <- buffered"), offenders);
  }

  @Test
  void furtherEventsInTheErrorStateAreCountedWithoutReentering() {
    long t = 1_640_193_000L * SECOND;
    EntityState s = StateMachineEngine.initial(def);
    s = StateMachineEngine.step(def, s, TestSupport.event("video_session", "v", "loading", t, "1")).state();
    assertEquals("invalid_sequence", s.path());
    Step again = StateMachineEngine.step(def, s, TestSupport.event("video_session", "v", "init", t + SECOND, "2"));
    assertEquals(Outcome.ERROR_STATE, again.outcome());
    assertEquals(List.of(), again.fired());
    assertEquals(t, again.state().leafEnteredAt());
    assertEquals(2, again.state().counter("unexpected"));
    assertEquals(1, again.state().counter("state.invalid_sequence"));
  }

  @Test
  void idleSessionIsAbandonedAfterThirtyMinutesWithoutEvents() {
    long t = 1_640_193_000L * SECOND;
    EntityState s = StateMachineEngine.initial(def);
    s = StateMachineEngine.step(def, s, TestSupport.event("video_session", "v", "init", t, "1")).state();
    s = StateMachineEngine.step(def, s, TestSupport.event("video_session", "v", "heartbeat", t + 20 * 60 * SECOND, "2")).state();
    assertFalse(StateMachineEngine.at(def, s, t + 45 * 60 * SECOND).state().path().equals("abandoned"),
        "the heartbeat at 20 min restarted the idle timer");
    Step late = StateMachineEngine.at(def, s, t + 51 * 60 * SECOND);
    assertEquals("abandoned", late.state().path());
    assertEquals(1, late.notifications().size());
  }
}
