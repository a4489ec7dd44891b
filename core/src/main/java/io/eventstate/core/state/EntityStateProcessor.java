package io.eventstate.core.state;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.fsm.Counters;
import io.eventstate.core.fsm.EntityState;
import io.eventstate.core.fsm.Fired;
import io.eventstate.core.fsm.MachineDefinition;
import io.eventstate.core.fsm.StateMachineEngine;
import io.eventstate.core.fsm.Step;
import io.eventstate.core.notify.Notification;
import io.eventstate.core.rowkey.EventRowCodec;
import io.eventstate.core.rowkey.EventRowCodec.CellValue;
import io.eventstate.core.rowkey.EventRowCodec.RowWrite;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.session.SessionEngine;
import io.eventstate.core.session.SessionSpec;
import io.eventstate.core.session.SessionState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the state coprocessor decides for one entity in one write: pure, deterministic, no HBase. The coprocessor
 * decodes the batch and the stored rows, calls {@link #plan} and {@link #process}, and writes the cells this
 * returns ({@link StateColumns} is the layout).
 *
 * <h2>Steps</h2>
 * <ol>
 *   <li>{@link #plan}: sorts the entity's new events in event order and drops repeated ids. Events after the
 *       entity's watermark (newest applied event time, then id) cannot have been stored before, because every
 *       stored event passed through here and moved the watermark past itself; only events at or before it
 *       ({@link Plan#atOrBeforeWatermark()}) need an existence check against the stored rows. The state row keeps
       the watermark's time only; if a new event has exactly that time ({@link Plan#needsWatermarkId()}), the caller
       looks up the watermark's id among the stored events of that time ({@link Plan#withWatermarkId}).</li>
 *   <li>{@link Plan#recomputeFrom(Set)}: if an event that is not stored lies behind the watermark but within the
 *       allowed lateness, the caller finds the newest stored event before that time that keeps a state snapshot
 *       ({@link #isSnapshot}; about one event in {@code snapshotEvery} does), reads the entity's stored events after
 *       it, and passes both to {@link #process}.</li>
 *   <li>{@link #process}: in order events are folded into the stored state; late ones make every machine and the
 *       sessions replay from the snapshot, and the derived cells of stored events whose state or session changed
 *       are rewritten. Events older than the allowed lateness are flagged {@code too_late}, counted, and change
 *       nothing else.</li>
 * </ol>
 * The state after any set of events within the allowed lateness is the same whatever order they arrive in (and
 * so are all cells except the arrival flag {@code d:late}); see the tests.
 */
public final class EntityStateProcessor {

  private final EntityStateSpec spec;
  /** The qualifiers of each machine's and each session's cells, built once (the same String on every write). */
  private final Map<String, Columns> machineColumns = new HashMap<>();
  private final Map<String, Columns> sessionColumns = new HashMap<>();
  /** The definitions of each entity type seen, built once (at most {@link #MAX_TYPES} kept). */
  private final Map<String, TypeRules> byType = new java.util.concurrent.ConcurrentHashMap<>();
  private static final int MAX_TYPES = 1024;

  public EntityStateProcessor(EntityStateSpec spec) {
    this.spec = Objects.requireNonNull(spec, "spec");
    for (MachineDefinition m : spec.machines()) {
      machineColumns.put(m.name(), new Columns(StateColumns.machine(m.name()), StateColumns.machineState(m.name()),
          null, StateColumns.machineCounterPrefix(m.name())));
    }
    for (SessionSpec ss : spec.sessions()) {
      sessionColumns.put(ss.name(), new Columns(StateColumns.session(ss.name()), StateColumns.sessionId(ss.name()),
          StateColumns.sessionCount(ss.name()), null));
    }
  }

  /** The machines, sessions and allowed lateness of one entity type. */
  private record TypeRules(List<MachineDefinition> machines, List<SessionSpec> sessions, long latenessNanos) {
    boolean applies() {
      return !machines.isEmpty() || !sessions.isEmpty();
    }
  }

  private TypeRules rules(String entityType) {
    TypeRules r = byType.get(entityType);
    if (r == null) {
      r = new TypeRules(List.copyOf(spec.machinesFor(entityType)), List.copyOf(spec.sessionsFor(entityType)),
          spec.latenessNanos(entityType));
      if (byType.size() < MAX_TYPES) { // entity types come from the data: keep the map bounded
        byType.put(entityType, r);
      }
    }
    return r;
  }

  /** True if a definition applies to the entity type ({@link EntityStateSpec#appliesTo}, looked up once per type). */
  public boolean appliesTo(String entityType) {
    return rules(entityType).applies();
  }

  /**
   * The state-row qualifiers of one machine ({@code m.NAME}, {@code m.NAME.state}, {@code m.NAME.c.*}) or one session
   * ({@code sess.NAME}, {@code sess.NAME.id}, {@code sess.NAME.count}). Built once: a write looks up about ten
   * qualifiers in the stored row, and a qualifier that is the very String stored there hashes and compares at once.
   */
  private static final class Columns {
    final String whole;
    final String text;
    final String count;
    final String counterPrefix;
    private final Map<String, String> counters = new java.util.concurrent.ConcurrentHashMap<>();

    Columns(String whole, String text, String count, String counterPrefix) {
      this.whole = whole;
      this.text = text;
      this.count = count;
      this.counterPrefix = counterPrefix;
    }

    /** {@code m.NAME.c.COUNTER}; counter names come from the definition, so the map stays small. */
    String counter(String name) {
      return counters.computeIfAbsent(name, c -> counterPrefix + c);
    }
  }

  public EntityStateSpec spec() {
    return spec;
  }

  /**
   * The stored state row: its cells (family {@code s}, qualifier → value) and the timestamp of its {@code last_ns}
   * cell (0 when there is none). A state produced by {@link Result#stateAfter()} also keeps the machine and session
   * states it was encoded from, so that the next write of the entity (the coprocessor caches the row) does not decode
   * them again; they are equal to what the cells decode to.
   */
  public static final class StoredState {
    public static final StoredState EMPTY = new StoredState(Map.of(), 0L);

    private final Map<String, byte[]> cells;
    private final long timestamp;
    /** {@code last_ns} parsed ({@link EntityState#NO_TIME} when absent); null if it is not a number. */
    private final Long watermark;
    private final Map<String, EntityState> machines;
    private final Map<String, SessionState> sessions;

    public StoredState(Map<String, byte[]> cells, long timestamp) {
      this(new HashMap<>(cells), timestamp, Map.of(), Map.of());
    }

    private StoredState(HashMap<String, byte[]> owned, long timestamp, Map<String, EntityState> machines,
        Map<String, SessionState> sessions) {
      // a hash map: the processor looks up about ten qualifiers per write, most of them sharing long prefixes
      // (m.NAME.c.…), which a sorted map compares character by character
      this.cells = Collections.unmodifiableMap(owned);
      this.timestamp = timestamp;
      this.watermark = parseWatermark(owned.get(StateColumns.LAST_NS));
      this.machines = machines;
      this.sessions = sessions;
    }

    /** Family {@code s}, qualifier → value (unordered). */
    public Map<String, byte[]> cells() {
      return cells;
    }

    /** The timestamp of the stored {@code last_ns} cell, 0 when there is none. */
    public long timestamp() {
      return timestamp;
    }

    private static Long parseWatermark(byte[] lastNs) {
      if (lastNs == null) {
        return EntityState.NO_TIME;
      }
      try {
        return Long.parseLong(StateColumns.text(lastNs));
      } catch (NumberFormatException e) {
        return null;
      }
    }

    /**
     * The state after writing {@code written} (family {@code s}, qualifier → value, all at {@code writtenAt}) over this
     * one, with the states they encode.
     */
    StoredState after(Map<String, byte[]> written, long writtenAt, Map<String, EntityState> machines,
        Map<String, SessionState> sessions) {
      if (written.isEmpty() && machines.isEmpty() && sessions.isEmpty()) {
        return this;
      }
      HashMap<String, byte[]> m = new HashMap<>(cells);
      m.putAll(written);
      long ts = written.containsKey(StateColumns.LAST_NS) ? writtenAt : timestamp;
      return new StoredState(m, ts, machines, sessions);
    }

    @Override
    public String toString() {
      return "StoredState" + new TreeMap<>(cells).keySet() + "@" + timestamp;
    }
  }

  /**
   * A stored event with its derived cells.
   *
   * @param derived family {@code d}, qualifier → value
   */
  public record StoredEvent(CanonicalEvent event, SortedMap<String, byte[]> derived) {
    public StoredEvent {
      derived = Collections.unmodifiableSortedMap(new TreeMap<>(derived));
    }

    /** True if the event went into the state (it has derived cells and is not flagged too late). */
    public boolean applied() {
      return !derived.isEmpty() && !derived.containsKey(StateColumns.TOO_LATE);
    }
  }

  /** A transition taken by a machine while processing a new event (timeouts included). */
  public record Effect(String machine, Fired fired) {
  }

  /** The first step's result: see the class Javadoc. */
  public record Plan(String entityType, String entityId, String entityPrefix, StoredState state, long watermarkNanos,
      String watermarkId, long latenessNanos, List<CanonicalEvent> events, int batchDuplicates) {

    /** True if no definition applies to the entity: nothing to do at all. */
    public boolean inert() {
      return events.isEmpty();
    }

    /** The events that may already be stored: those at or before the watermark. */
    public List<CanonicalEvent> atOrBeforeWatermark() {
      List<CanonicalEvent> out = new ArrayList<>();
      for (CanonicalEvent e : events) {
        if (!afterWatermark(e)) {
          out.add(e);
        }
      }
      return out;
    }

    /**
     * True if an event shares the watermark's time and the watermark's event id is not known: the caller looks it up
     * among the stored events ({@link #withWatermarkId}). The state row keeps only the watermark's time
     * ({@code last_ns}); the id is needed only to order events of equal time, which is rare.
     */
    public boolean needsWatermarkId() {
      if (watermarkNanos == EntityState.NO_TIME || watermarkId != null) {
        return false;
      }
      for (CanonicalEvent e : events) {
        if (e.eventTimeNanos() == watermarkNanos) {
          return true;
        }
      }
      return false;
    }

    /**
     * The same plan with the watermark's event id: the greatest id (in {@link StateMachineEngine#compare} order) among
     * the entity's stored events at {@link #watermarkNanos}, all of which were applied.
     */
    public Plan withWatermarkId(String id) {
      return new Plan(entityType, entityId, entityPrefix, state, watermarkNanos, id, latenessNanos, events,
          batchDuplicates);
    }

    boolean afterWatermark(CanonicalEvent e) {
      if (watermarkNanos == EntityState.NO_TIME) {
        return true;
      }
      if (watermarkId == null) {
        // id unknown (not looked up): an event at the watermark's time counts as at or before it, which is safe — a
        // stored one is a duplicate, a new one is replayed with the stored events of that time
        return e.eventTimeNanos() > watermarkNanos;
      }
      return StateMachineEngine.compare(e, watermarkNanos, watermarkId) > 0;
    }

    boolean tooLate(CanonicalEvent e) {
      return !afterWatermark(e) && e.eventTimeNanos() < watermarkNanos - latenessNanos;
    }

    /**
     * The event time from which stored events must be replayed, if any new event (not among {@code storedIds}) is
     * late but within the allowed lateness.
     */
    public OptionalLong recomputeFrom(Set<String> storedIds) {
      for (CanonicalEvent e : events) {
        if (!storedIds.contains(e.eventId()) && !afterWatermark(e) && !tooLate(e)) {
          return OptionalLong.of(e.eventTimeNanos());
        }
      }
      return OptionalLong.empty();
    }

    /** The state row key. */
    public String stateRow() {
      return RowKeyCodec.stateRowKeyUnder(entityPrefix);
    }
  }

  /**
   * Everything to write for one entity.
   *
   * @param stateCells     cells of the state row (family {@code s}); empty when nothing changed
   * @param derivedWrites  derived cells (family {@code d}) of new events and of rewritten stored events
   * @param applied        new events folded into the state
   * @param late           of those, events that arrived behind the watermark
   * @param tooLate        new events older than the allowed lateness
   * @param duplicates     events already stored or repeated in the batch
   * @param recomputed     events replayed for late events (stored and new), 0 on the in-order path
   * @param rewritten      stored events whose derived cells were rewritten
   * @param transitions    transitions the new events caused
   * @param stateAfter     the stored state once {@code stateCells} are written (what a cache of state rows keeps)
   */
  public record Result(String stateRow, List<CellValue> stateCells, List<RowWrite> derivedWrites, int applied,
      int late, int tooLate, int duplicates, int recomputed, int rewritten, List<Effect> transitions,
      StoredState stateAfter) {

    /** The transitions whose definition asks for a notification. */
    public List<Effect> notifications() {
      List<Effect> out = new ArrayList<>();
      for (Effect e : transitions) {
        if (e.fired().notifies()) {
          out.add(e);
        }
      }
      return out;
    }
  }

  /** First step: sort, drop repeated ids, find the watermark. */
  public Plan plan(String entityType, String entityId, StoredState state, Collection<CanonicalEvent> newEvents) {
    return plan(RowKeyCodec.entityPrefix(entityType, entityId), entityType, entityId, state, newEvents);
  }

  /**
   * {@link #plan(String, String, StoredState, Collection)} for a caller that has the entity's row-key prefix
   * ({@link RowKeyCodec#entityPrefix}) already, e.g. from a row key it decoded and checked: the entity is not hashed
   * again.
   */
  public Plan plan(String entityPrefix, String entityType, String entityId, StoredState state,
      Collection<CanonicalEvent> newEvents) {
    String wmId = null; // not stored: see Plan#needsWatermarkId
    if (state.watermark == null) {
      throw new IllegalStateException("state row " + RowKeyCodec.stateRowKeyUnder(entityPrefix) + ": cell s:"
          + StateColumns.LAST_NS + " is not a number: " + StateColumns.text(state.cells().get(StateColumns.LAST_NS)));
    }
    long wm = state.watermark;
    TypeRules rules = rules(entityType);
    if (!rules.applies()) {
      return new Plan(entityType, entityId, entityPrefix, state, wm, wmId, 0, List.of(), 0);
    }
    List<CanonicalEvent> sorted = new ArrayList<>(newEvents);
    sorted.sort(StateMachineEngine.EVENT_ORDER);
    Set<String> ids = new HashSet<>();
    List<CanonicalEvent> unique = new ArrayList<>(sorted.size());
    for (CanonicalEvent e : sorted) {
      if (!e.entityType().equals(entityType) || !e.entityId().equals(entityId)) {
        throw new IllegalArgumentException("event " + e.eventId() + " belongs to " + e.entity() + ", not to "
            + entityType + ":" + entityId);
      }
      if (ids.add(e.eventId())) {
        unique.add(e);
      }
    }
    return new Plan(entityType, entityId, entityPrefix, state, wm, wmId, rules.latenessNanos(), List.copyOf(unique),
        sorted.size() - unique.size());
  }

  /**
   * True if a stored event can be the starting point of a recompute: it was applied, it is one of the events that
   * keep a state snapshot ({@link EntityStateSpec#snapshotAt}), and its derived cells hold one. A snapshot cell on any
   * other event (left from a smaller {@code snapshotEvery}) is never trusted: it is not rewritten when a late event
   * changes the state after that event.
   */
  public boolean isSnapshot(StoredEvent stored) {
    if (!stored.applied() || !spec.snapshotAt(stored.event().eventId())) {
      return false;
    }
    TypeRules rules = rules(stored.event().entityType());
    for (MachineDefinition m : rules.machines()) {
      if (stored.derived().containsKey(machineColumns.get(m.name()).whole)) {
        return true;
      }
    }
    for (SessionSpec s : rules.sessions()) {
      if (stored.derived().containsKey(sessionColumns.get(s.name()).whole)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Second step.
   *
   * @param storedIds ids of the plan's events that are already stored (duplicates: left out)
   * @param snapshot  the newest stored event before {@link Plan#recomputeFrom} that {@link #isSnapshot} accepts, or
   *                  null if there is none (or no recompute is needed)
   * @param history   the stored events after the snapshot (from the entity's first event if there is none), in any
   *                  order; empty if no recompute is needed
   */
  public Result process(Plan plan, Set<String> storedIds, StoredEvent snapshot, List<StoredEvent> history) {
    String type = plan.entityType();
    String id = plan.entityId();
    String prefix = plan.entityPrefix(); // the entity is hashed once per entity and batch, or not at all
    String stateRow = RowKeyCodec.stateRowKeyUnder(prefix);
    if (plan.inert()) {
      return new Result(stateRow, List.of(), List.of(), 0, 0, 0, 0, 0, 0, List.of(), plan.state());
    }
    TypeRules rules = rules(type);
    List<MachineDefinition> machines = rules.machines();
    List<SessionSpec> sessions = rules.sessions();
    List<CanonicalEvent> inOrder = new ArrayList<>();
    List<CanonicalEvent> late = new ArrayList<>();
    List<CanonicalEvent> tooLate = new ArrayList<>();
    int duplicates = plan.batchDuplicates();
    for (CanonicalEvent e : plan.events()) {
      if (storedIds.contains(e.eventId())) {
        duplicates++;
      } else if (plan.afterWatermark(e)) {
        inOrder.add(e);
      } else if (plan.tooLate(e)) {
        tooLate.add(e);
      } else {
        late.add(e);
      }
    }
    Map<String, byte[]> cur = plan.state().cells();
    Map<String, EntityState> curMachines = new HashMap<>();
    for (MachineDefinition m : machines) {
      EntityState known = plan.state().machines.get(m.name());
      if (known == null) {
        Columns q = machineColumns.get(m.name());
        byte[] b = cur.get(q.whole);
        // the state row's machine cell holds neither the counters (cells of their own) nor the watermark, which is the
        // entity's (every machine of the entity applies every applied event): last_ns, with no recent ids
        known = b == null ? StateMachineEngine.initial(m) : withStoredCounters(cur, q, decodeMachine(stateRow, m, b))
            .withWatermark(plan.watermarkNanos(), List.of());
      }
      curMachines.put(m.name(), known);
    }
    Map<String, SessionState> curSessions = new HashMap<>();
    for (SessionSpec s : sessions) {
      SessionState known = plan.state().sessions.get(s.name());
      if (known == null) {
        byte[] b = cur.get(sessionColumns.get(s.name()).whole);
        known = b == null ? SessionState.initial() : decodeSession(stateRow, s, b);
      }
      curSessions.put(s.name(), known);
    }

    // derived cells per event row, in event order
    Map<String, RowWrite> derived = new LinkedHashMap<>();
    for (CanonicalEvent e : tooLate) {
      String row = rowOf(prefix, e);
      derived.put(row, new RowWrite(RowKeyCodec.toBytes(row), List.of(cell(StateColumns.DERIVED_FAMILY,
          StateColumns.TOO_LATE, EventRowCodec.cellTimestamp(e.eventTimeNanos()), StateColumns.utf8(StateColumns.FLAG)))));
    }

    Map<String, EntityState> finalMachines = new HashMap<>(curMachines);
    Map<String, SessionState> finalSessions = new HashMap<>(curSessions);
    List<Effect> effects = new ArrayList<>();
    int recomputed = 0;
    int rewritten = 0;
    Set<String> fresh = new HashSet<>();
    for (CanonicalEvent e : inOrder) {
      fresh.add(e.eventId());
    }
    for (CanonicalEvent e : late) {
      fresh.add(e.eventId());
    }
    Set<String> lateIds = new HashSet<>();
    for (CanonicalEvent e : late) {
      lateIds.add(e.eventId());
    }

    if (!inOrder.isEmpty() || !late.isEmpty()) {
      List<CanonicalEvent> fold;
      Map<String, EntityState> baseMachines;
      Map<String, SessionState> baseSessions;
      Map<String, StoredEvent> stored = new HashMap<>();
      if (late.isEmpty()) {
        fold = inOrder;
        baseMachines = curMachines;
        baseSessions = curSessions;
      } else {
        baseMachines = new HashMap<>();
        baseSessions = new HashMap<>();
        for (MachineDefinition m : machines) {
          byte[] b = snapshot == null ? null : snapshot.derived().get(machineColumns.get(m.name()).whole);
          baseMachines.put(m.name(), b == null ? StateMachineEngine.initial(m) : withoutIds(decodeMachine(stateRow, m, b)));
        }
        for (SessionSpec s : sessions) {
          byte[] b = snapshot == null ? null : snapshot.derived().get(sessionColumns.get(s.name()).whole);
          baseSessions.put(s.name(), b == null ? SessionState.initial() : decodeSession(stateRow, s, b));
        }
        fold = new ArrayList<>();
        for (StoredEvent h : history) {
          if (h.applied() && !fresh.contains(h.event().eventId())) {
            fold.add(h.event());
            stored.put(h.event().eventId(), h);
          }
        }
        fold.addAll(late);
        fold.addAll(inOrder);
        recomputed = fold.size();
      }
      // per event id: the derived cells after it
      Map<String, TreeMap<String, byte[]>> after = new HashMap<>();
      // replay returns one step per distinct id, in event order: aligned with these ids
      List<String> ids = sortedIds(fold);
      // notifications of the new events' transitions, kept on their rows (d:notify) for the sink to send
      Map<String, List<Notification>> notifyByEvent = new HashMap<>();
      Map<String, Long> eventTimes = new HashMap<>();
      for (CanonicalEvent e : fold) {
        eventTimes.put(e.eventId(), e.eventTimeNanos());
      }
      for (MachineDefinition m : machines) {
        Columns q = machineColumns.get(m.name());
        List<Step> steps = StateMachineEngine.replay(m, baseMachines.get(m.name()), fold);
        EntityState last = baseMachines.get(m.name());
        for (int i = 0; i < steps.size(); i++) {
          Step st = steps.get(i);
          last = st.state();
          String eventId = ids.get(i);
          TreeMap<String, byte[]> d = after.computeIfAbsent(eventId, k -> new TreeMap<>());
          if (spec.snapshotAt(eventId)) {
            d.put(q.whole, withoutIds(st.state()).toBytes());
          }
          d.put(q.text, StateColumns.utf8(st.state().path()));
          if (fresh.contains(eventId)) {
            for (Fired f : st.fired()) {
              effects.add(new Effect(m.name(), f));
              if (f.notifies()) {
                notifyByEvent.computeIfAbsent(eventId, k -> new ArrayList<>()).add(Notification.transition(type, id,
                    eventId, eventTimes.get(eventId), m.name(), f.from(), f.to(), f.trigger()));
              }
            }
          }
        }
        finalMachines.put(m.name(), withoutIds(last));
      }
      for (SessionSpec s : sessions) {
        Columns q = sessionColumns.get(s.name());
        SessionState last = baseSessions.get(s.name());
        for (SessionEngine.Assigned a : SessionEngine.replay(s, baseSessions.get(s.name()), fold)) {
          last = a.step().state();
          TreeMap<String, byte[]> d = after.computeIfAbsent(a.event().eventId(), k -> new TreeMap<>());
          if (spec.snapshotAt(a.event().eventId())) {
            d.put(q.whole, a.step().state().toBytes());
          }
          String sid = a.step().sessionId() != null ? a.step().sessionId() : a.step().state().sessionId();
          d.put(q.text, StateColumns.utf8(sid));
        }
        finalSessions.put(s.name(), last);
      }
      List<CanonicalEvent> order = new ArrayList<>(fold);
      order.sort(StateMachineEngine.EVENT_ORDER);
      Set<String> done = new HashSet<>();
      for (CanonicalEvent e : order) {
        if (!done.add(e.eventId())) {
          continue;
        }
        TreeMap<String, byte[]> d = after.getOrDefault(e.eventId(), new TreeMap<>());
        StoredEvent old = stored.get(e.eventId());
        if (old != null && sameDerived(old.derived(), d)) {
          continue;
        }
        if (old != null) {
          rewritten++;
        }
        long ts = EventRowCodec.cellTimestamp(e.eventTimeNanos());
        List<CellValue> cells = new ArrayList<>(d.size() + 1);
        for (Map.Entry<String, byte[]> c : d.entrySet()) {
          cells.add(cell(StateColumns.DERIVED_FAMILY, c.getKey(), ts, c.getValue()));
        }
        if (lateIds.contains(e.eventId())) {
          cells.add(cell(StateColumns.DERIVED_FAMILY, StateColumns.LATE, ts, StateColumns.utf8(StateColumns.FLAG)));
        }
        List<Notification> notes = notifyByEvent.get(e.eventId());
        if (notes != null) {
          cells.add(cell(StateColumns.DERIVED_FAMILY, StateColumns.NOTIFY, ts, Notification.encodeList(notes)));
        }
        String row = rowOf(prefix, e);
        derived.put(row, new RowWrite(RowKeyCodec.toBytes(row), cells));
      }
    }

    // state row
    List<CellValue> stateCells = new ArrayList<>();
    int applied = inOrder.size() + late.size();
    long wm = plan.watermarkNanos();
    if (!inOrder.isEmpty()) {
      wm = inOrder.get(inOrder.size() - 1).eventTimeNanos();
    }
    long ts = plan.state().timestamp();
    if (wm != EntityState.NO_TIME) {
      ts = Math.max(ts, EventRowCodec.cellTimestamp(wm));
    }
    // the state-row cells this write may change; only those whose bytes change are written
    List<Map.Entry<String, byte[]>> desired = new ArrayList<>(12);
    if (applied > 0) {
      want(desired, StateColumns.LAST_NS, StateColumns.utf8(Long.toString(wm)));
      want(desired, StateColumns.EVENTS, StateColumns.longBytes(counter(cur, StateColumns.EVENTS) + applied));
      // applied events per UTC day of their event time: exact, since every event id is applied once
      TreeMap<String, Long> perDay = new TreeMap<>();
      for (CanonicalEvent e : inOrder) {
        perDay.merge(StateColumns.day(e.eventTimeNanos()), 1L, Long::sum);
      }
      for (CanonicalEvent e : late) {
        perDay.merge(StateColumns.day(e.eventTimeNanos()), 1L, Long::sum);
      }
      for (Map.Entry<String, Long> d : perDay.entrySet()) {
        want(desired, d.getKey(), StateColumns.longBytes(counter(cur, d.getKey()) + d.getValue()));
      }
      for (MachineDefinition m : machines) {
        EntityState before = curMachines.get(m.name());
        EntityState now = finalMachines.get(m.name());
        Columns q = machineColumns.get(m.name());
        // the state row's machine cell leaves out the counters (cells of their own: about 350 bytes less per write for
        // the package machine) and the watermark (last_ns): it changes only when the machine's states do, not with
        // every event; snapshots in derived cells keep both (but no recent ids)
        want(desired, q.whole, now.withWatermark(EntityState.NO_TIME, List.of()).withCounters(Counters.NONE).toBytes());
        want(desired, q.text, StateColumns.utf8(now.path()));
        // the counters that changed (the state row's counter cells were written with the state they belong to)
        now.counters().forEachChange(before.counters(),
            (c, was, v) -> want(desired, q.counter(c), StateColumns.longBytes(v)));
      }
      for (SessionSpec ss : sessions) {
        SessionState now = finalSessions.get(ss.name());
        Columns q = sessionColumns.get(ss.name());
        want(desired, q.whole, now.toBytes());
        want(desired, q.text, StateColumns.utf8(now.sessionId()));
        want(desired, q.count, StateColumns.longBytes(now.sessionCount()));
      }
    }
    if (!tooLate.isEmpty()) {
      want(desired, StateColumns.TOO_LATE, StateColumns.longBytes(counter(cur, StateColumns.TOO_LATE) + tooLate.size()));
    }
    Map<String, byte[]> changed = new HashMap<>();
    for (Map.Entry<String, byte[]> c : desired) {
      if (!Arrays.equals(cur.get(c.getKey()), c.getValue())) {
        stateCells.add(cell(StateColumns.STATE_FAMILY, c.getKey(), ts, c.getValue()));
        changed.put(c.getKey(), c.getValue());
      }
    }
    // the states the cells encode, kept for the next write of the entity (equal to decoding the cells)
    StoredState stateAfter = plan.state().after(changed, ts, Map.copyOf(finalMachines), Map.copyOf(finalSessions));
    return new Result(stateRow, stateCells, new ArrayList<>(derived.values()), applied, late.size(), tooLate.size(),
        duplicates, recomputed, rewritten, effects, stateAfter);
  }

  private static List<String> sortedIds(List<CanonicalEvent> fold) {
    List<CanonicalEvent> sorted = new ArrayList<>(fold);
    sorted.sort(StateMachineEngine.EVENT_ORDER);
    Set<String> seen = new HashSet<>();
    List<String> out = new ArrayList<>(sorted.size());
    for (CanonicalEvent e : sorted) {
      if (seen.add(e.eventId())) {
        out.add(e.eventId());
      }
    }
    return out;
  }

  private static boolean sameDerived(SortedMap<String, byte[]> old, SortedMap<String, byte[]> now) {
    for (Map.Entry<String, byte[]> e : now.entrySet()) {
      if (!Arrays.equals(old.get(e.getKey()), e.getValue())) {
        return false;
      }
    }
    return true;
  }

  private static void want(List<Map.Entry<String, byte[]>> desired, String qualifier, byte[] value) {
    desired.add(Map.entry(qualifier, value));
  }

  private static long counter(Map<String, byte[]> cells, String q) {
    byte[] b = cells.get(q);
    return b == null ? 0L : StateColumns.toLong(b);
  }

  private static String rowOf(String entityPrefix, CanonicalEvent e) {
    return RowKeyCodec.eventRowKeyUnder(entityPrefix, e.eventTimeNanos(), e.eventId());
  }

  private static CellValue cell(String family, String qualifier, long ts, byte[] value) {
    return new CellValue(StateColumns.utf8(family), StateColumns.utf8(qualifier), ts, value);
  }

  /**
   * The machine state of a state row: the counters come from the {@code m.NAME.c.*} cells when the machine cell has
   * none (rows written before this layout keep them in both places, equal).
   */
  private static EntityState withStoredCounters(Map<String, byte[]> cells, Columns machine, EntityState st) {
    if (!st.counters().isZero()) {
      return st;
    }
    String prefix = machine.counterPrefix;
    TreeMap<String, Long> counters = new TreeMap<>();
    for (Map.Entry<String, byte[]> c : cells.entrySet()) {
      if (!c.getKey().startsWith(prefix)) {
        continue;
      }
      long v = StateColumns.toLong(c.getValue());
      if (v != 0) {
        counters.put(c.getKey().substring(prefix.length()), v);
      }
    }
    return counters.isEmpty() ? st : st.withCounters(Counters.of(counters));
  }

  /**
   * The state without its recent ids. The processor itself guarantees each event id once (stored rows, the watermark),
   * so the engine's dedupe window is not needed across writes; left in, the window would depend on how events were
   * batched, and so would the snapshot cells.
   */
  private static EntityState withoutIds(EntityState s) {
    return s.recentIds().isEmpty() ? s : s.withWatermark(s.lastEventTimeNanos(), List.of());
  }

  private static EntityState decodeMachine(String row, MachineDefinition m, byte[] b) {
    try {
      return EntityState.fromBytes(b);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(row + ": stored state of machine " + m.name() + " is unreadable: " + e.getMessage(), e);
    }
  }

  private static SessionState decodeSession(String row, SessionSpec s, byte[] b) {
    try {
      return SessionState.fromBytes(b);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(row + ": stored sessions " + s.name() + " are unreadable: " + e.getMessage(), e);
    }
  }
}
