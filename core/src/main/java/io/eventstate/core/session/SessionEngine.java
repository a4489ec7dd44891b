package io.eventstate.core.session;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.fsm.StateMachineEngine;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The session engine: stateless and pure like {@link StateMachineEngine}; time comes only from the events.
 *
 * <h2>In order</h2>
 * {@link #step} assigns the next event (after the watermark: event time, then id) to the current session or
 * starts a new one by the rules of {@link SessionSpec}, and reports the session it closed.
 *
 * <h2>Late events</h2>
 * {@link #insert} takes the state after the newest event before the late one (the snapshot, e.g. read from that
 * event's derived cell, or {@link SessionState#initial()}), the entity's events after the snapshot, and the late
 * event. It folds them twice, without and with the late event, and returns the new state, the late event's
 * session, and every event whose session changed. A late event that bridges two sessions merges them; the merged
 * session keeps the id of the earlier one, so only the later session's events are rewritten. A late event that
 * becomes a session's new first event gives the session a new id (the id names its first event), and all its
 * events are rewritten. Events before the snapshot never change.
 *
 * <h2>Session ids</h2>
 * {@code <first event time, UTC, yyyyMMdd'T'HHmmss.nnnnnnnnn'Z'>-<8 hex digits>}, e.g.
 * {@code 20220731T220000.123000000Z-5f0c2a9e}: readable, sortable by start, and a function of the entity and the
 * first event (time and id) only, so the same events always give the same ids, whatever order they came in. The
 * hex digits are the 64-bit FNV-1a hash of {@code entityType \0 entityId \0 firstEventId} (UTF-8), folded to 32 bits.
 *
 * <h2>Duplicates</h2>
 * An event id among the state's recent ids, or any event at or before the watermark, never changes the state in
 * {@link #step}; {@link #replay} and {@link #insert} drop repeated ids themselves.
 */
public final class SessionEngine {

  private SessionEngine() {
  }

  /** Applies one event in order. */
  public static SessionStep step(SessionSpec spec, SessionState s, CanonicalEvent e) {
    if (!spec.appliesTo(e.entityType())) {
      return new SessionStep(s, s, SessionStep.Outcome.NOT_APPLICABLE, null, null);
    }
    if (s.hasSeen(e.eventId())) {
      return new SessionStep(s, s, SessionStep.Outcome.DUPLICATE, null, null);
    }
    long t = e.eventTimeNanos();
    if (s.started()) {
      int c = Long.compare(t, s.lastEventTimeNanos());
      if (c < 0 || (c == 0 && e.eventId().compareTo(s.lastEventId()) <= 0)) {
        return new SessionStep(s, s, SessionStep.Outcome.OUT_OF_ORDER, null, null);
      }
    }
    String v = spec.splitOnAttribute() == null ? null : e.attributes().get(spec.splitOnAttribute());
    boolean hasValue = v != null && !v.isEmpty();
    boolean startsNew = !s.started()
        || t - s.lastEventTimeNanos() > spec.gapNanos()
        || (spec.maxLengthNanos() > 0 && t - s.startNanos() > spec.maxLengthNanos())
        || t >= s.dayEndNanos()
        || (hasValue && !s.splitValue().isEmpty() && !v.equals(s.splitValue()));
    List<String> ids = StateMachineEngine.window(s.recentIds(), e.eventId(), Math.max(1, spec.dedupeWindow()));
    if (startsNew) {
      String id = sessionId(e.entityType(), e.entityId(), t, e.eventId());
      // The previous session's day end is still the next midnight if the new session starts before it.
      long dayEnd = spec.midnightZone() == null ? Long.MAX_VALUE
          : s.started() && t < s.dayEndNanos() ? s.dayEndNanos() : nextMidnight(spec, t);
      Session ended = s.started()
          ? new Session(s.sessionId(), s.startNanos(), s.lastEventTimeNanos(), s.eventCount(), List.of()) : null;
      SessionState next = new SessionState(id, t, t, dayEnd, 1, s.sessionCount() + 1, hasValue ? v : "", ids);
      return new SessionStep(s, next, SessionStep.Outcome.STARTED, id, ended);
    }
    String split = s.splitValue().isEmpty() && hasValue ? v : s.splitValue();
    SessionState next = new SessionState(s.sessionId(), s.startNanos(), t, s.dayEndNanos(), s.eventCount() + 1,
        s.sessionCount(), split, ids);
    return new SessionStep(s, next, SessionStep.Outcome.CONTINUED, s.sessionId(), null);
  }

  /** True if the event is further behind the entity's newest event than {@code allowed_lateness}. */
  public static boolean tooLate(SessionSpec spec, SessionState state, CanonicalEvent e) {
    return state.started() && state.lastEventTimeNanos() - e.eventTimeNanos() > spec.allowedLatenessNanos();
  }

  /** One event and what {@link #step} did with it. */
  public record Assigned(CanonicalEvent event, SessionStep step) {
  }

  /** Folds events into a snapshot in event order, each id once; one entry per distinct id. */
  public static List<Assigned> replay(SessionSpec spec, SessionState snapshot, Collection<CanonicalEvent> events) {
    List<CanonicalEvent> sorted = new ArrayList<>(events);
    sorted.sort(StateMachineEngine.EVENT_ORDER);
    Set<String> seen = new HashSet<>();
    List<Assigned> out = new ArrayList<>(sorted.size());
    SessionState s = snapshot;
    for (CanonicalEvent e : sorted) {
      if (seen.add(e.eventId())) {
        SessionStep st = step(spec, s, e);
        out.add(new Assigned(e, st));
        s = st.state();
      }
    }
    return out;
  }

  /** The state after folding events into a snapshot (see {@link #replay}). */
  public static SessionState recompute(SessionSpec spec, SessionState snapshot, Collection<CanonicalEvent> events) {
    List<Assigned> a = replay(spec, snapshot, events);
    return a.isEmpty() ? snapshot : a.get(a.size() - 1).step().state();
  }

  /** All sessions of an entity's events (any order, duplicates allowed). */
  public static List<Session> sessionize(SessionSpec spec, Collection<CanonicalEvent> events) {
    return sessions(replay(spec, SessionState.initial(), events));
  }

  /** Folds a late event in; see the class Javadoc. */
  public static Resessionization insert(SessionSpec spec, SessionState snapshot,
      Collection<CanonicalEvent> eventsAfterSnapshot, CanonicalEvent late) {
    Map<String, String> before = new HashMap<>();
    for (Assigned a : replay(spec, snapshot, eventsAfterSnapshot)) {
      before.put(a.event().eventId(), a.step().sessionId());
    }
    List<CanonicalEvent> all = new ArrayList<>(eventsAfterSnapshot);
    all.add(late);
    List<Assigned> after = replay(spec, snapshot, all);
    List<Reassignment> changed = new ArrayList<>();
    String lateSession = null;
    for (Assigned a : after) {
      String id = a.event().eventId();
      String now = a.step().sessionId();
      if (id.equals(late.eventId())) {
        lateSession = now;
      }
      String was = before.get(id);
      if (was != null && now != null && !was.equals(now)) {
        changed.add(new Reassignment(id, a.event().eventTimeNanos(), was, now));
      }
    }
    SessionState state = after.isEmpty() ? snapshot : after.get(after.size() - 1).step().state();
    return new Resessionization(state, lateSession, sessions(after), changed);
  }

  private static List<Session> sessions(List<Assigned> steps) {
    List<Session> out = new ArrayList<>();
    String current = null;
    List<String> ids = new ArrayList<>();
    SessionState last = null;
    for (Assigned a : steps) {
      String sid = a.step().sessionId();
      if (sid == null) {
        continue;
      }
      if (!sid.equals(current)) {
        if (current != null) {
          out.add(new Session(current, last.startNanos(), last.lastEventTimeNanos(), last.eventCount(), ids));
        }
        current = sid;
        ids = new ArrayList<>();
      }
      ids.add(a.event().eventId());
      last = a.step().state();
    }
    if (current != null) {
      out.add(new Session(current, last.startNanos(), last.lastEventTimeNanos(), last.eventCount(), ids));
    }
    return out;
  }

  /** The deterministic session id (see the class Javadoc). */
  public static String sessionId(String entityType, String entityId, long startNanos, String firstEventId) {
    long sec = Math.floorDiv(startNanos, 1_000_000_000L);
    int nano = (int) Math.floorMod(startNanos, 1_000_000_000L);
    LocalDateTime t = LocalDateTime.ofEpochSecond(sec, nano, ZoneOffset.UTC);
    StringBuilder b = new StringBuilder(36);
    pad(b, t.getYear(), 4);
    pad(b, t.getMonthValue(), 2);
    pad(b, t.getDayOfMonth(), 2);
    b.append('T');
    pad(b, t.getHour(), 2);
    pad(b, t.getMinute(), 2);
    pad(b, t.getSecond(), 2);
    b.append('.');
    pad(b, nano, 9);
    b.append("Z-");
    long h = 0xcbf29ce484222325L;
    h = fnv(h, entityType);
    h = fnv(h, "\0");
    h = fnv(h, entityId);
    h = fnv(h, "\0");
    h = fnv(h, firstEventId);
    String hex = Integer.toHexString((int) (h ^ (h >>> 32)));
    for (int i = hex.length(); i < 8; i++) {
      b.append('0');
    }
    return b.append(hex).toString();
  }

  private static long fnv(long h, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        return fnvBytes(h, s, i);
      }
      h ^= c;
      h *= 0x100000001b3L;
    }
    return h;
  }

  /** Continues the hash over the UTF-8 bytes of {@code s} from char index {@code from} (non-ASCII text). */
  private static long fnvBytes(long h, String s, int from) {
    for (byte x : s.substring(from).getBytes(StandardCharsets.UTF_8)) {
      h ^= x & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }

  private static void pad(StringBuilder b, int v, int width) {
    String s = Integer.toString(v);
    for (int i = s.length(); i < width; i++) {
      b.append('0');
    }
    b.append(s);
  }

  private static long nextMidnight(SessionSpec spec, long t) {
    Instant i = Instant.ofEpochSecond(Math.floorDiv(t, 1_000_000_000L), Math.floorMod(t, 1_000_000_000L));
    Instant m = i.atZone(spec.midnightZone()).toLocalDate().plusDays(1).atStartOfDay(spec.midnightZone()).toInstant();
    return Math.addExact(Math.multiplyExact(m.getEpochSecond(), 1_000_000_000L), m.getNano());
  }
}
