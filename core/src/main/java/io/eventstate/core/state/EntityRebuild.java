package io.eventstate.core.state;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.fsm.EntityState;
import io.eventstate.core.fsm.MachineDefinition;
import io.eventstate.core.rowkey.EventRowCodec;
import io.eventstate.core.rowkey.EventRowCodec.CellValue;
import io.eventstate.core.rowkey.EventRowCodec.RowWrite;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.session.SessionSpec;
import io.eventstate.core.state.EntityStateProcessor.StoredEvent;
import io.eventstate.core.state.EntityStateProcessor.StoredState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Re-derives one entity's state from every event it has stored, with the current definitions: the state row and the
 * derived cells the live path ({@link EntityStateProcessor#advance}) would have written had every stored event arrived
 * in event order under these definitions. The fold is the processor's own ({@link EntityStateProcessor#process} over an
 * empty state), so a rebuild and the live path cannot disagree; this class only compares the result with what is
 * stored and decides the cells to write and to delete.
 *
 * <ul>
 *   <li>Events flagged {@code too_late} stay out of the state, unless {@link Options#latenessNanos()} is set: then
 *       those no more than that behind the entity's newest applied event are applied and lose the flag
 *       (a late backfill). Events stored without derived cells (written before the coprocessor was loaded) are
 *       applied.</li>
 *   <li>Arrival facts are kept as they are: {@code d:late} and {@code d:notify} (a rebuild notifies nobody).</li>
 *   <li>Deleted: the state-row and derived cells of machines and sessions that no longer apply to the entity type
 *       (removed definitions), the one-cell-per-counter cells of an old layout, the sink's {@code s:touch} cell (left
 *       by a table without the coprocessor), snapshot cells on events that no longer keep a snapshot, and
 *       {@code too_late} flags of re-applied events.</li>
 *   <li>Counters are exact: {@code events} is the number of applied events, {@code too_late} the number of events
 *       still flagged (absent when none is), per-day counters recounted; the state row is exactly the one the live
 *       path writes for these events arriving in order into an empty table.</li>
 *   <li>State cells are written at one timestamp, at or above every stored one; when cells are deleted it is one
 *       millisecond above, and {@code last_ns} is written with it, so that a delete marker never hides a later write
 *       of the live path.</li>
 * </ul>
 * The rebuild of an entity whose stored state is already right writes nothing (idempotent).
 */
public final class EntityRebuild {

  private final EntityStateProcessor processor;

  public EntityRebuild(EntityStateProcessor processor) {
    this.processor = Objects.requireNonNull(processor, "processor");
  }

  /**
   * What a rebuild does.
   *
   * @param machine       only this machine's or session spec's cells are written (null: every one, and the entity's
   *                      own counters)
   * @param latenessNanos re-apply stored too-late events no more than this behind the entity's newest applied event
   *                      (-1: keep them flagged)
   */
  public record Options(String machine, long latenessNanos) {
    public static final Options ALL = new Options(null, -1);
  }

  /**
   * One definition whose state changes for the entity.
   *
   * @param name the machine's or session spec's name
   * @param from the stored state path ({@code sessions=N} for a session spec; {@code (none)} when absent)
   * @param to   the rebuilt one ({@code (removed)} when the definition no longer applies)
   */
  public record Change(String name, String from, String to) {
  }

  /**
   * A row's derived cells to delete.
   *
   * @param row        the event row
   * @param qualifiers family {@code d}
   */
  public record RowDelete(byte[] row, List<String> qualifiers) {
    public String rowString() {
      return RowKeyCodec.fromBytes(row);
    }
  }

  /**
   * Everything a rebuild of one entity writes.
   *
   * @param stateRow       the state row key
   * @param stateCells     state-row cells to write (family {@code s}), only those whose bytes change
   * @param stateDeletes   state-row qualifiers to delete (family {@code s})
   * @param derivedWrites  derived cells to write (family {@code d}), only those whose bytes change
   * @param derivedDeletes derived cells to delete
   * @param events         stored events read
   * @param applied        of those, events in the state
   * @param tooLate        events that stay flagged too late
   * @param changes        the definitions whose state changes (from the stored to the rebuilt)
   */
  public record Result(String stateRow, List<CellValue> stateCells, List<String> stateDeletes,
      List<RowWrite> derivedWrites, List<RowDelete> derivedDeletes, int events, int applied, int tooLate,
      List<Change> changes) {

    /** True if the rebuild writes or deletes anything. */
    public boolean writes() {
      return !stateCells.isEmpty() || !stateDeletes.isEmpty() || !derivedWrites.isEmpty() || !derivedDeletes.isEmpty();
    }
  }

  /** Rebuilds one entity, reading what it has stored through {@code history}. */
  public Result rebuild(String entityType, String entityId, EntityHistory history, Options options)
      throws IOException {
    return rebuild(RowKeyCodec.entityPrefix(entityType, entityId), entityType, entityId, history.stateRow(),
        history.events(), options);
  }

  /** {@link #rebuild(String, String, EntityHistory, Options)} over the stored rows read already. */
  public Result rebuild(String entityPrefix, String entityType, String entityId, StoredState stored,
      List<StoredEvent> storedEvents, Options options) {
    String stateRow = RowKeyCodec.stateRowKeyUnder(entityPrefix);
    EntityStateSpec spec = processor.spec();
    List<String> names = new ArrayList<>(); // machines, then sessions: the definitions that apply now
    for (MachineDefinition m : spec.machinesFor(entityType)) {
      names.add(StateColumns.machine(m.name()));
    }
    for (SessionSpec s : spec.sessionsFor(entityType)) {
      names.add(StateColumns.session(s.name()));
    }
    boolean applies = !names.isEmpty();

    // which stored events go into the state
    long newest = EntityState.NO_TIME;
    for (StoredEvent se : storedEvents) {
      if (!flaggedTooLate(se)) {
        newest = Math.max(newest, se.event().eventTimeNanos());
      }
    }
    List<CanonicalEvent> apply = new ArrayList<>(storedEvents.size());
    Map<String, StoredEvent> byId = new HashMap<>();
    int tooLate = 0;
    TreeSet<String> unflag = new TreeSet<>();
    for (StoredEvent se : storedEvents) {
      CanonicalEvent e = se.event();
      if (byId.putIfAbsent(e.eventId(), se) != null) {
        continue; // one id twice (at two times): the live path applies the first to arrive; keep the first read
      }
      if (flaggedTooLate(se)) {
        if (options.latenessNanos() >= 0 && newest != EntityState.NO_TIME
            && e.eventTimeNanos() >= newest - options.latenessNanos()) {
          unflag.add(e.eventId());
        } else {
          tooLate++;
          continue;
        }
      }
      apply.add(e);
    }

    // the state from scratch: the processor's fold over an empty state row, every event in order
    List<CellValue> fresh = List.of();
    Map<String, List<CellValue>> freshDerived = new HashMap<>();
    if (applies && !apply.isEmpty()) {
      EntityStateProcessor.Plan plan = processor.plan(entityPrefix, entityType, entityId, StoredState.EMPTY, apply);
      EntityStateProcessor.Result r = processor.process(plan, java.util.Set.of(), null, List.of());
      fresh = r.stateCells();
      for (RowWrite w : r.derivedWrites()) {
        String row = w.rowString();
        freshDerived.put(row, w.cells());
      }
    }

    // state row
    TreeMap<String, byte[]> want = new TreeMap<>();
    for (CellValue c : fresh) {
      want.put(c.qualifierString(), c.value());
    }
    Map<String, byte[]> have = stored.cells();
    if (applies && tooLate > 0) {
      want.put(StateColumns.TOO_LATE, StateColumns.longBytes(tooLate));
    }
    String only = options.machine();
    TreeMap<String, byte[]> writeState = new TreeMap<>();
    for (Map.Entry<String, byte[]> w : want.entrySet()) {
      if (selected(w.getKey(), only) && !Arrays.equals(have.get(w.getKey()), w.getValue())) {
        writeState.put(w.getKey(), w.getValue());
      }
    }
    List<String> stateDeletes = new ArrayList<>();
    for (String q : new TreeSet<>(have.keySet())) {
      if (!want.containsKey(q) && selected(q, only)) {
        stateDeletes.add(q);
      }
    }
    long stamp = stored.timestamp();
    if (newest != EntityState.NO_TIME) {
      stamp = Math.max(stamp, EventRowCodec.cellTimestamp(newest));
    }
    if (!stateDeletes.isEmpty()) {
      stamp = stamp + 1; // above every delete marker: a later write of the live path is never hidden
      byte[] lastNs = want.get(StateColumns.LAST_NS);
      if (lastNs != null) { // the live path's next stamp starts from last_ns's timestamp
        writeState.put(StateColumns.LAST_NS, lastNs);
      }
    }
    List<CellValue> stateCells = new ArrayList<>(writeState.size());
    for (Map.Entry<String, byte[]> w : writeState.entrySet()) {
      stateCells.add(cell(StateColumns.STATE_FAMILY, w.getKey(), stamp, w.getValue()));
    }

    // derived cells of every event row
    List<RowWrite> derivedWrites = new ArrayList<>();
    List<RowDelete> derivedDeletes = new ArrayList<>();
    for (StoredEvent se : byId.values()) {
      CanonicalEvent e = se.event();
      byte[] rowBytes = RowKeyCodec.eventRowKeyBytesUnder(entityPrefix, e.eventTimeNanos(), e.eventId());
      String row = RowKeyCodec.fromBytes(rowBytes);
      List<CellValue> cells = freshDerived.getOrDefault(row, List.of());
      TreeMap<String, CellValue> wanted = new TreeMap<>();
      for (CellValue c : cells) {
        String q = c.qualifierString();
        if (!q.equals(StateColumns.NOTIFY) && !q.equals(StateColumns.LATE)) { // arrival facts: kept as they are
          wanted.put(q, c);
        }
      }
      boolean keepFlag = flaggedTooLate(se) && !unflag.contains(e.eventId());
      List<CellValue> write = new ArrayList<>();
      for (CellValue c : wanted.values()) {
        if (selected(c.qualifierString(), only) && !Arrays.equals(se.derived().get(c.qualifierString()), c.value())) {
          write.add(c);
        }
      }
      List<String> delete = new ArrayList<>();
      for (String q : se.derived().keySet()) {
        boolean keep = wanted.containsKey(q) || q.equals(StateColumns.NOTIFY) || q.equals(StateColumns.LATE)
            || (q.equals(StateColumns.TOO_LATE) && keepFlag);
        if (!keep && (q.equals(StateColumns.TOO_LATE) ? only == null : selected(q, only))) {
          delete.add(q);
        }
      }
      if (!write.isEmpty()) {
        derivedWrites.add(new RowWrite(rowBytes, write));
      }
      if (!delete.isEmpty()) {
        derivedDeletes.add(new RowDelete(rowBytes, delete));
      }
    }

    // what changes, definition by definition
    List<Change> changes = new ArrayList<>();
    TreeSet<String> storedNames = new TreeSet<>();
    for (String q : have.keySet()) {
      String n = definitionCell(q);
      if (n != null) {
        storedNames.add(n);
      }
    }
    TreeSet<String> all = new TreeSet<>(storedNames);
    all.addAll(names);
    for (String n : all) {
      String name = n.substring(n.indexOf('.') + 1);
      if (only != null && !only.equals(name)) {
        continue;
      }
      boolean changed = false;
      for (String q : writeState.keySet()) {
        changed |= n.equals(definitionCell(q));
      }
      for (String q : stateDeletes) {
        changed |= n.equals(definitionCell(q));
      }
      if (changed) {
        boolean machine = n.startsWith(StateColumns.MACHINE_PREFIX);
        changes.add(new Change(name, describe(have, name, machine), names.contains(n)
            ? describe(want, name, machine) : "(removed)"));
      }
    }
    derivedWrites.sort((a, b) -> Arrays.compare(a.row(), b.row()));
    derivedDeletes.sort((a, b) -> Arrays.compare(a.row(), b.row()));
    return new Result(stateRow, stateCells, stateDeletes, derivedWrites, derivedDeletes, byId.size(),
        apply.size(), tooLate, changes);
  }

  private static boolean flaggedTooLate(StoredEvent se) {
    return se.derived().containsKey(StateColumns.TOO_LATE);
  }

  /**
   * The definition a state-row or derived qualifier belongs to ({@code m.NAME} or {@code sess.NAME}), or null for the
   * entity's own cells. Names never contain a dot ({@link StateColumns}).
   */
  static String definitionCell(String qualifier) {
    String prefix;
    if (qualifier.startsWith(StateColumns.MACHINE_PREFIX)) {
      prefix = StateColumns.MACHINE_PREFIX;
    } else if (qualifier.startsWith(StateColumns.SESSION_PREFIX)) {
      prefix = StateColumns.SESSION_PREFIX;
    } else {
      return null;
    }
    int dot = qualifier.indexOf('.', prefix.length());
    return dot < 0 ? qualifier : qualifier.substring(0, dot);
  }

  /** True if the qualifier is written when only {@code machine} is rebuilt (null: every qualifier). */
  private static boolean selected(String qualifier, String machine) {
    if (machine == null) {
      return true;
    }
    String n = definitionCell(qualifier);
    return n != null && n.substring(n.indexOf('.') + 1).equals(machine);
  }

  private static String describe(Map<String, byte[]> cells, String name, boolean machine) {
    if (machine) {
      byte[] path = cells.get(StateColumns.machineState(name));
      return path == null ? "(none)" : StateColumns.text(path);
    }
    byte[] count = cells.get(StateColumns.sessionCount(name));
    return count == null ? "(none)" : "sessions=" + StateColumns.toLong(count);
  }

  private static CellValue cell(String family, String qualifier, long ts, byte[] value) {
    return new CellValue(StateColumns.nameBytes(family), StateColumns.nameBytes(qualifier), ts, value);
  }
}
