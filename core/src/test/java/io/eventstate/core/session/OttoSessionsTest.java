package io.eventstate.core.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.fsm.TestSupport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Sessions over OTTO's clickstream (samples/real/otto-sessions/train.jsonl): each line's "session" is really a
 * user's multi-week history. A 30-minute gap splits the 20 histories into many visits; the expected counts are
 * computed here independently (a plain loop over sorted timestamps), and the README's count of gaps is checked too.
 */
class OttoSessionsTest {

  record User(String id, List<CanonicalEvent> events, List<Long> sortedMillis) {
  }

  static List<User> users() throws IOException {
    ObjectMapper m = new ObjectMapper();
    List<User> out = new ArrayList<>();
    for (String line : Files.readAllLines(TestSupport.sampleData().resolve("real/otto-sessions/train.jsonl"),
        StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode root = m.readTree(line);
      String user = root.get("session").asText();
      List<CanonicalEvent> events = new ArrayList<>();
      List<Long> ms = new ArrayList<>();
      for (JsonNode e : root.get("events")) {
        long ts = e.get("ts").asLong();
        String type = e.get("type").asText();
        String aid = e.get("aid").asText();
        events.add(TestSupport.event("user", user, type, ts * 1_000_000L, user + "/" + ts + "/" + aid + "/" + type, "aid", aid));
        ms.add(ts);
      }
      ms.sort(null);
      out.add(new User(user, events, ms));
    }
    return out;
  }

  @Test
  void aThirtyMinuteGapTurnsTwentyHistoriesIntoVisits() throws IOException {
    SessionSpec gapOnly = SessionEngineTest.spec("");
    List<User> users = users();
    assertEquals(20, users.size());
    int sessions = 0;
    int expected = 0;
    int gaps = 0;
    long events = 0;
    long longest = 0;
    for (User u : users) {
      List<Session> s = SessionEngine.sessionize(gapOnly, u.events());
      sessions += s.size();
      int bigGaps = 0;
      for (int i = 1; i < u.sortedMillis().size(); i++) {
        if (u.sortedMillis().get(i) - u.sortedMillis().get(i - 1) > 30 * 60 * 1000L) {
          bigGaps++;
        }
      }
      gaps += bigGaps;
      expected += 1 + bigGaps;
      for (Session x : s) {
        events += x.eventCount();
        longest = Math.max(longest, x.durationNanos());
        assertTrue(x.durationNanos() >= 0);
      }
    }
    assertEquals(124, gaps, "the data README counts 124 gaps over 30 minutes");
    assertEquals(expected, sessions);
    assertEquals(862, events, "every event is in exactly one session");
    assertTrue(longest < 24L * 3600 * 1_000_000_000L, "no visit lasts a day, although histories span up to 27.9 days");
  }

  @Test
  void theShippedSpecAlsoSplitsAtBerlinMidnight() throws Exception {
    SessionSpec shipped = SessionSpec.load(TestSupport.repoRoot().resolve("conf/machines/sessions.json"));
    ZoneId berlin = ZoneId.of("Europe/Berlin");
    int sessions = 0;
    int expected = 0;
    for (User u : users()) {
      sessions += SessionEngine.sessionize(shipped, u.events()).size();
      expected++;
      List<Long> ms = u.sortedMillis();
      long start = ms.get(0);
      for (int i = 1; i < ms.size(); i++) {
        LocalDate a = Instant.ofEpochMilli(ms.get(i - 1)).atZone(berlin).toLocalDate();
        LocalDate b = Instant.ofEpochMilli(ms.get(i)).atZone(berlin).toLocalDate();
        if (ms.get(i) - ms.get(i - 1) > 30 * 60 * 1000L || !a.equals(b) || ms.get(i) - start > 24 * 3600 * 1000L) {
          expected++;
          start = ms.get(i);
        }
      }
    }
    assertEquals(expected, sessions);
  }
}
