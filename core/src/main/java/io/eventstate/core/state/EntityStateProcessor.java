package io.eventstate.core.state;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.fsm.EntityState;
import io.eventstate.core.fsm.Fired;
import io.eventstate.core.fsm.MachineDefinition;
import io.eventstate.core.fsm.StateMachineEngine;
import io.eventstate.core.rowkey.EventRowCodec;
import io.eventstate.core.rowkey.EventRowCodec.CellValue;
import io.eventstate.core.rowkey.EventRowCodec.RowWrite;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.session.SessionSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * The state-advance protocol: what happens to one entity's state when some of its events are written. Pure and
 * deterministic; it reads the stored rows only through the {@link EntityRows} port, so the HBase coprocessor (over
 * its region), tests (over a sorted map) and any other writer run the very same protocol by calling
 * {@link #advance}, and write the cells it returns ({@link StateColumns} is the layout).
 *
 * <h2>Steps of {@link #advance}</h2>
 * <ol>
 *   <li>{@link #plan}: sorts the entity's new events in event order and drops repeated ids. Events after the
 *       entity's watermark (newest applied event time, then id) cannot have been stored before, because every
 *       stored event passed through here and moved the watermark past itself; only events at or before it
 *       ({@link Plan#atOrBeforeWatermark()}) are checked against the stored rows ({@link EntityRows#storedIds}). The
 *       state row keeps the watermark's time only; if a new event has exactly that time
 *       ({@link Plan#needsWatermarkId()}), the watermark's id is looked up ({@link EntityRows#greatestIdAt}).</li>
 *   <li>{@link Plan#recomputeFrom(Set)}: if an event that is not stored lies behind the watermark but within the
 *       allowed lateness, the stored events from the newest state snapshot before it ({@link #isSnapshot}; about one
 *       event in {@code snapshotEvery} keeps one) are read ({@link EntityRows#replayWindow}).</li>
 *   <li>{@link #process}: in order events are folded into the stored state by every {@link Recognizer} that applies
 *       to the entity type (its machines and session specs); late ones make every recognizer replay from the
 *       snapshot, and the derived cells of stored events whose state or session changed are rewritten. Events older
 *       than the allowed lateness are flagged {@code too_late}, counted, and change nothing else.</li>
 * </ol>
 * The state after any set of events within the allowed lateness is the same whatever order they arrive in (and
 * so are all cells except the arrival flag {@code d:late}); see the tests.
 */
public final class EntityStateProcessor {

  private final EntityStateSpec spec;
  /** The recognizer of each machine and session spec, built once (qualifiers are the same Strings on every write). */
  private final Map<String, MachineRecognizer> machineRecognizers = new HashMap<>();
  private final Map<String, SessionRecognizer> sessionRecognizers = new HashMap<>();
  /** The definitions of each entity type seen, built once (at most {@link #MAX_TYPES} kept). */
  private final Map<String, TypeRules> byType = new java.util.concurrent.ConcurrentHashMap<>();
  private static final int MAX_TYPES = 1024;

  public EntityStateProcessor(EntityStateSpec spec) {
    this.spec = Objects.requireNonNull(spec, "spec");
    for (MachineDefinition m : spec.machines()) {
      machineRecognizers.put(m.name(), new MachineRecognizer(m));
    }
    for (SessionSpec ss : spec.sessions()) {
      sessionRecognizers.put(ss.name(), new SessionRecognizer(ss));
    }
  }

  /** The recognizers (machines first, then sessions, in key order), lateness and per-day counting of one entity type. */
  private record TypeRules(List<Recognizer<?>> recognizers, long latenessNanos, boolean perDay) {
    boolean applies() {
      return !recognizers.isEmpty();
    }
  }

  private TypeRules rules(String entityType) {
    TypeRules r = byType.get(entityType);
    if (r == null) {
      List<Recognizer<?>> list = new ArrayList<>();
      for (MachineDefinition m : spec.machinesFor(entityType)) {
        list.add(machineRecognizers.get(m.name()));
      }
      for (SessionSpec s : spec.sessionsFor(entityType)) {
        list.add(sessionRecognizers.get(s.name()));
      }
      r = new TypeRules(List.copyOf(list), spec.latenessNanos(entityType), spec.perDayCounters(entityType));
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

  public EntityStateSpec spec() {
    return spec;
  }

  /**
   * The stored state row: its cells (family {@code s}, qualifier → value) and the timestamp of its {@code last_ns}
   * cell (0 when there is none). A state produced by {@link Result#stateAfter()} also keeps the recognizers' states it
   * was encoded from (by {@link Recognizer#stateQualifier()}), so that the next write of the entity (the coprocessor
   * caches the row) does not decode them again; they are equal to what the cells decode to.
   */
  public static final class StoredState {
    private static final String[] NO_KEYS = new String[0];
    private static final Object[] NO_STATES = new Object[0];
    public static final StoredState EMPTY = new StoredState(Map.of(), 0L);

    private final StateCells cells;
    private final long timestamp;
    /** {@code last_ns} parsed ({@link EntityState#NO_TIME} when absent); null if it is not a number. */
    private final Long watermark;
    /** Recognizer state qualifier → the state the cells hold, for the recognizers of the write that made this row. */
    private final String[] decodedKeys;
    private final Object[] decodedStates;

    public StoredState(Map<String, byte[]> cells, long timestamp) {
      this(StateCells.of(cells), timestamp, parseWatermark(cells.get(StateColumns.LAST_NS)), NO_KEYS, NO_STATES);
    }

    private StoredState(StateCells cells, long timestamp, Long watermark, String[] decodedKeys,
        Object[] decodedStates) {
      this.cells = cells;
      this.timestamp = timestamp;
      this.watermark = watermark;
      this.decodedKeys = decodedKeys;
      this.decodedStates = decodedStates;
    }

    /** Family {@code s}, qualifier → value (unordered, unmodifiable). */
    public Map<String, byte[]> cells() {
      return cells;
    }

    /** The timestamp of the stored {@code last_ns} cell, 0 when there is none. */
    public long timestamp() {
      return timestamp;
    }

    /** The state a recognizer decoded from these cells before, or null. */
    Object decoded(String stateQualifier) {
      for (int i = 0; i < decodedKeys.length; i++) {
        if (decodedKeys[i] == stateQualifier) { // the recognizers' own Strings
          return decodedStates[i];
        }
      }
      return null;
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
     * The state after writing {@code n} cells (family {@code s}, all at {@code writtenAt}) over this one, with the
     * watermark they hold and the states they encode.
     */
    StoredState after(String[] keys, byte[][] values, int n, long writtenAt, long watermarkNanos,
        String[] stateKeys, Object[] states) {
      if (n == 0 && states.length == 0) {
        return this;
      }
      boolean wroteWatermark = false;
      for (int i = 0; i < n; i++) {
        if (keys[i] == StateColumns.LAST_NS) {
          wroteWatermark = true;
        }
      }
      return new StoredState(cells.with(keys, values, n), wroteWatermark ? writtenAt : timestamp,
          wroteWatermark ? Long.valueOf(watermarkNanos) : watermark, stateKeys, states);
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
    if (newEvents.size() == 1) { // the common case when entities are many: nothing to sort or repeat
      CanonicalEvent e = newEvents.iterator().next();
      requireEntity(e, entityType, entityId);
      return new Plan(entityType, entityId, entityPrefix, state, wm, wmId, rules.latenessNanos(), List.of(e), 0);
    }
    List<CanonicalEvent> sorted = new ArrayList<>(newEvents);
    sorted.sort(StateMachineEngine.EVENT_ORDER);
    Set<String> ids = new HashSet<>();
    List<CanonicalEvent> unique = new ArrayList<>(sorted.size());
    for (CanonicalEvent e : sorted) {
      requireEntity(e, entityType, entityId);
      if (ids.add(e.eventId())) {
        unique.add(e);
      }
    }
    return new Plan(entityType, entityId, entityPrefix, state, wm, wmId, rules.latenessNanos(), List.copyOf(unique),
        sorted.size() - unique.size());
  }

  private static void requireEntity(CanonicalEvent e, String entityType, String entityId) {
    if (!e.entityType().equals(entityType) || !e.entityId().equals(entityId)) {
      throw new IllegalArgumentException("event " + e.eventId() + " belongs to " + e.entity() + ", not to "
          + entityType + ":" + entityId);
    }
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
    for (Recognizer<?> r : rules(stored.event().entityType()).recognizers()) {
      if (stored.derived().containsKey(r.stateQualifier())) {
        return true;
      }
    }
    return false;
  }

  /**
   * The whole protocol for one entity: reads what it needs through {@code rows} and decides every cell to write. The
   * caller holds the entity's state-row lock and writes {@link Result#stateCells()} and {@link Result#derivedWrites()}
   * atomically with the events.
   *
   * @param entityPrefix the entity's row-key prefix ({@link RowKeyCodec#entityPrefix}), e.g. from a row key the caller
   *                     decoded and checked
   * @param events       the entity's new events, any order, repeats allowed
   */
  public Result advance(String entityPrefix, String entityType, String entityId, Collection<CanonicalEvent> events,
      EntityRows rows) throws IOException {
    Plan plan = plan(entityPrefix, entityType, entityId, rows.stateRow(), events);
    if (plan.inert()) {
      return process(plan, Set.of(), null, List.of());
    }
    if (plan.needsWatermarkId()) {
      plan = plan.withWatermarkId(rows.greatestIdAt(plan.watermarkNanos()));
    }
    List<CanonicalEvent> candidates = plan.atOrBeforeWatermark();
    Set<String> stored = candidates.isEmpty() ? Set.of() : rows.storedIds(candidates);
    OptionalLong from = plan.recomputeFrom(stored);
    EntityRows.ReplayWindow window = from.isPresent()
        ? rows.replayWindow(from.getAsLong(), this::isSnapshot) : EntityRows.ReplayWindow.NONE;
    return process(plan, stored, window.snapshot(), window.events());
  }

  /** {@link #advance(String, String, String, Collection, EntityRows)}, hashing the entity for its prefix. */
  public Result advance(String entityType, String entityId, Collection<CanonicalEvent> events, EntityRows rows)
      throws IOException {
    return advance(RowKeyCodec.entityPrefix(entityType, entityId), entityType, entityId, events, rows);
  }

  /**
   * The decision, once the stored rows are known ({@link #advance} gathers them).
   *
   * @param storedIds ids of the plan's events that are already stored (duplicates: left out)
   * @param snapshot  the newest stored event before {@link Plan#recomputeFrom} that {@link #isSnapshot} accepts, or
   *                  null if there is none (or no recompute is needed)
   * @param history   the stored events after the snapshot (from the entity's first event if there is none), in any
   *                  order; empty if no recompute is needed
   */
  public Result process(Plan plan, Set<String> storedIds, StoredEvent snapshot, List<StoredEvent> history) {
    String prefix = plan.entityPrefix(); // the entity is hashed once per entity and batch, or not at all
    String stateRow = RowKeyCodec.stateRowKeyUnder(prefix);
    if (plan.inert()) {
      return new Result(stateRow, List.of(), List.of(), 0, 0, 0, 0, 0, 0, List.of(), plan.state());
    }
    TypeRules rules = rules(plan.entityType());
    List<Recognizer<?>> recognizers = rules.recognizers();
    int n = recognizers.size();
    List<CanonicalEvent> inOrder = new ArrayList<>(plan.events().size());
    List<CanonicalEvent> late = List.of();
    List<CanonicalEvent> tooLate = List.of();
    int duplicates = plan.batchDuplicates();
    for (CanonicalEvent e : plan.events()) {
      if (!storedIds.isEmpty() && storedIds.contains(e.eventId())) {
        duplicates++;
      } else if (plan.afterWatermark(e)) {
        inOrder.add(e);
      } else if (plan.tooLate(e)) {
        tooLate = add(tooLate, e);
      } else {
        late = add(late, e);
      }
    }
    Map<String, byte[]> cur = plan.state().cells();
    Object[] current = new Object[n];
    for (int i = 0; i < n; i++) {
      Recognizer<?> r = recognizers.get(i);
      Object known = plan.state().decoded(r.stateQualifier());
      current[i] = known != null ? known : r.fromStateRow(stateRow, cur, plan.watermarkNanos());
    }

    List<RowWrite> derived = new ArrayList<>(inOrder.size() + late.size() + tooLate.size());
    for (CanonicalEvent e : tooLate) {
      derived.add(new RowWrite(rowOf(prefix, e), List.of(cell(StateColumns.DERIVED_FAMILY,
          StateColumns.TOO_LATE, EventRowCodec.cellTimestamp(e.eventTimeNanos()), FLAG_BYTES))));
    }

    Object[] last = current.clone();
    List<Effect> effects = List.of();
    int recomputed = 0;
    int rewritten = 0;
    if (!inOrder.isEmpty() || !late.isEmpty()) {
      List<CanonicalEvent> fold; // sorted, each id once
      Object[] base;
      Map<String, StoredEvent> stored = Map.of();
      Set<String> lateIds = Set.of();
      if (late.isEmpty()) {
        fold = inOrder;
        base = current;
      } else {
        Set<String> fresh = new HashSet<>();
        lateIds = new HashSet<>();
        for (CanonicalEvent e : inOrder) {
          fresh.add(e.eventId());
        }
        for (CanonicalEvent e : late) {
          fresh.add(e.eventId());
          lateIds.add(e.eventId());
        }
        base = new Object[n];
        for (int i = 0; i < n; i++) {
          Recognizer<?> r = recognizers.get(i);
          base[i] = r.fromSnapshot(stateRow, snapshot == null ? null : snapshot.derived().get(r.stateQualifier()));
        }
        stored = new HashMap<>();
        fold = new ArrayList<>();
        for (StoredEvent h : history) {
          if (h.applied() && !fresh.contains(h.event().eventId()) && stored.put(h.event().eventId(), h) == null) {
            fold.add(h.event());
          }
        }
        fold.addAll(late);
        fold.addAll(inOrder);
        fold.sort(StateMachineEngine.EVENT_ORDER);
        recomputed = fold.size();
      }
      // the derived cells after each event of the fold, recognizer by recognizer
      int events = fold.size();
      @SuppressWarnings("unchecked")
      List<CellValue>[] after = new List[events];
      long[] ts = new long[events];
      boolean[] snap = new boolean[events];
      for (int j = 0; j < events; j++) {
        CanonicalEvent e = fold.get(j);
        ts[j] = EventRowCodec.cellTimestamp(e.eventTimeNanos());
        snap[j] = spec.snapshotAt(e.eventId());
        after[j] = new ArrayList<>(2 * n + 2);
      }
      Map<String, List<Notification>> notifyByEvent = null;
      for (int i = 0; i < n; i++) {
        FoldOut out = foldOne(recognizers.get(i), base[i], fold, stored, plan, after, ts, snap);
        last[i] = out.last;
        for (int k = 0; k < out.effects.size(); k++) {
          Effect ef = out.effects.get(k);
          if (effects.isEmpty()) {
            effects = new ArrayList<>();
          }
          effects.add(ef);
          if (ef.fired().notifies()) {
            if (notifyByEvent == null) {
              notifyByEvent = new HashMap<>();
            }
            CanonicalEvent e = fold.get(out.effectEvent.get(k));
            notifyByEvent.computeIfAbsent(e.eventId(), x -> new ArrayList<>()).add(Notification.transition(
                plan.entityType(), plan.entityId(), e.eventId(), e.eventTimeNanos(), ef.machine(), ef.fired().from(),
                ef.fired().to(), ef.fired().trigger()));
          }
        }
      }
      for (int j = 0; j < events; j++) {
        CanonicalEvent e = fold.get(j);
        List<CellValue> cells = after[j];
        StoredEvent old = stored.isEmpty() ? null : stored.get(e.eventId());
        if (old != null && sameDerived(old.derived(), cells)) {
          continue;
        }
        if (old != null) {
          rewritten++;
        }
        if (lateIds.contains(e.eventId())) {
          cells.add(cell(StateColumns.DERIVED_FAMILY, StateColumns.LATE, ts[j], FLAG_BYTES));
        }
        List<Notification> notes = notifyByEvent == null ? null : notifyByEvent.get(e.eventId());
        if (notes != null) {
          cells.add(cell(StateColumns.DERIVED_FAMILY, StateColumns.NOTIFY, ts[j], Notification.encodeList(notes)));
        }
        derived.add(new RowWrite(rowOf(prefix, e), cells));
      }
    }

    // state row: the cells this write may change; only those whose bytes change are written
    int applied = inOrder.size() + late.size();
    long wm = plan.watermarkNanos();
    if (!inOrder.isEmpty()) {
      wm = inOrder.get(inOrder.size() - 1).eventTimeNanos();
    }
    long stamp = plan.state().timestamp();
    if (wm != EntityState.NO_TIME) {
      stamp = Math.max(stamp, EventRowCodec.cellTimestamp(wm));
    }
    StateRowWrite w = new StateRowWrite(cur, stamp, 8 + 3 * n);
    String[] stateKeys = NO_KEYS;
    Object[] states = NO_STATES;
    if (applied > 0) {
      w.accept(StateColumns.LAST_NS, StateColumns.utf8(Long.toString(wm)));
      w.accept(StateColumns.EVENTS, StateColumns.longBytes(counter(cur, StateColumns.EVENTS) + applied));
      if (rules.perDay()) {
        // applied events per UTC day of their event time: exact, since every event id is applied once
        TreeMap<String, Long> perDay = new TreeMap<>();
        for (CanonicalEvent e : inOrder) {
          perDay.merge(StateColumns.day(e.eventTimeNanos()), 1L, Long::sum);
        }
        for (CanonicalEvent e : late) {
          perDay.merge(StateColumns.day(e.eventTimeNanos()), 1L, Long::sum);
        }
        for (Map.Entry<String, Long> d : perDay.entrySet()) {
          w.accept(d.getKey(), StateColumns.longBytes(counter(cur, d.getKey()) + d.getValue()));
        }
      }
      stateKeys = new String[n];
      states = new Object[n];
      for (int i = 0; i < n; i++) {
        stateCells(recognizers.get(i), current[i], last[i], cur, w);
        stateKeys[i] = recognizers.get(i).stateQualifier();
        states[i] = last[i];
      }
    }
    if (!tooLate.isEmpty()) {
      w.accept(StateColumns.TOO_LATE, StateColumns.longBytes(counter(cur, StateColumns.TOO_LATE) + tooLate.size()));
    }
    // the states the cells encode, kept for the next write of the entity (equal to decoding the cells)
    StoredState stateAfter = plan.state().after(w.keys, w.values, w.size, stamp, wm, stateKeys, states);
    List<CellValue> stateCells = w.cells();
    return new Result(stateRow, stateCells, derived, applied, late.size(), tooLate.size(), duplicates, recomputed,
        rewritten, effects, stateAfter);
  }

  private static final String[] NO_KEYS = new String[0];
  private static final Object[] NO_STATES = new Object[0];

  /** The state-row cells of one write: those whose bytes differ from the stored ones, all at one timestamp. */
  private static final class StateRowWrite implements BiConsumer<String, byte[]> {
    final Map<String, byte[]> stored;
    final long timestamp;
    String[] keys;
    byte[][] values;
    int size;

    StateRowWrite(Map<String, byte[]> stored, long timestamp, int capacity) {
      this.stored = stored;
      this.timestamp = timestamp;
      this.keys = new String[capacity];
      this.values = new byte[capacity][];
    }

    @Override
    public void accept(String qualifier, byte[] value) {
      if (Arrays.equals(stored.get(qualifier), value)) {
        return;
      }
      if (size == keys.length) {
        keys = Arrays.copyOf(keys, size * 2);
        values = Arrays.copyOf(values, size * 2);
      }
      keys[size] = qualifier;
      values[size++] = value;
    }

    List<CellValue> cells() {
      List<CellValue> out = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        out.add(cell(StateColumns.STATE_FAMILY, keys[i], timestamp, values[i]));
      }
      return out;
    }
  }

  /** What one recognizer's fold gives: its last state and the effects of the new events (with their index). */
  private record FoldOut(Object last, List<Effect> effects, List<Integer> effectEvent) {
  }

  /**
   * Folds the events through one recognizer from {@code base}, adding each event's derived cells (text, and the
   * snapshot on snapshot events) to {@code after}; transitions of events not in {@code stored} are effects.
   */
  @SuppressWarnings("unchecked")
  private static <S> FoldOut foldOne(Recognizer<S> r, Object base, List<CanonicalEvent> fold,
      Map<String, StoredEvent> stored, Plan plan, List<CellValue>[] after, long[] ts, boolean[] snap) {
    S state = (S) base;
    List<Effect> effects = List.of();
    List<Integer> at = List.of();
    byte[] lastText = null;
    String lastTextString = null;
    for (int j = 0; j < fold.size(); j++) {
      CanonicalEvent e = fold.get(j);
      Recognizer.Stepped<S> st = r.step(state, e);
      state = st.state();
      if (snap[j]) {
        after[j].add(cell(StateColumns.DERIVED_FAMILY, r.stateQualifier(), ts[j], r.snapshot(state)));
      }
      if (!st.text().equals(lastTextString)) { // most events leave the text as it was: encode it once
        lastTextString = st.text();
        lastText = StateColumns.utf8(lastTextString);
      }
      after[j].add(cell(StateColumns.DERIVED_FAMILY, r.textQualifier(), ts[j], lastText));
      if (!st.fired().isEmpty() && (stored.isEmpty() || !stored.containsKey(e.eventId()))) {
        if (effects.isEmpty()) {
          effects = new ArrayList<>();
          at = new ArrayList<>();
        }
        for (Fired f : st.fired()) {
          effects.add(new Effect(r.name(), f));
          at.add(j);
        }
      }
    }
    return new FoldOut(state, effects, at);
  }

  @SuppressWarnings("unchecked")
  private static <S> void stateCells(Recognizer<S> r, Object before, Object now, Map<String, byte[]> stored,
      BiConsumer<String, byte[]> want) {
    r.stateCells((S) before, (S) now, stored, want);
  }

  private static <T> List<T> add(List<T> list, T item) {
    List<T> out = list.isEmpty() ? new ArrayList<>() : list;
    out.add(item);
    return out;
  }

  private static final byte[] FLAG_BYTES = StateColumns.utf8(StateColumns.FLAG);

  private static boolean sameDerived(SortedMap<String, byte[]> old, List<CellValue> now) {
    for (CellValue c : now) {
      if (!Arrays.equals(old.get(c.qualifierString()), c.value())) {
        return false;
      }
    }
    return true;
  }

  private static long counter(Map<String, byte[]> cells, String q) {
    byte[] b = cells.get(q);
    return b == null ? 0L : StateColumns.toLong(b);
  }

  private static byte[] rowOf(String entityPrefix, CanonicalEvent e) {
    return RowKeyCodec.eventRowKeyBytesUnder(entityPrefix, e.eventTimeNanos(), e.eventId());
  }

  private static CellValue cell(String family, String qualifier, long ts, byte[] value) {
    return new CellValue(StateColumns.nameBytes(family), StateColumns.nameBytes(qualifier), ts, value);
  }

}
