package io.eventstate.core.state;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.rowkey.EventRowCodec.CellValue;
import io.eventstate.core.rowkey.EventRowCodec.RowWrite;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.state.EntityRows.ReplayWindow;
import io.eventstate.core.state.EntityStateProcessor.Result;
import io.eventstate.core.state.EntityStateProcessor.StoredEvent;
import io.eventstate.core.state.EntityStateProcessor.StoredState;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Predicate;
import java.util.Set;
import java.util.TreeMap;

/**
 * A store of event and state rows over sorted maps: the state protocol ({@link EntityStateProcessor#advance}) runs over
 * its {@link EntityRows} port exactly as it does over an HBase region, so that the processor's contract can be checked
 * in milliseconds. One version per cell, later writes replace earlier ones.
 */
final class InMemoryStateStore {

  /** row → "family:qualifier" → (timestamp, value). */
  final TreeMap<String, TreeMap<String, CellValue>> rows = new TreeMap<>();
  final TreeMap<String, CanonicalEvent> events = new TreeMap<>();
  private final EntityStateProcessor processor;
  private final Map<String, StoredState> cache = new java.util.HashMap<>();
  private int writes;
  final List<Result> results = new ArrayList<>();

  InMemoryStateStore(EntityStateProcessor processor) {
    this.processor = processor;
  }

  /** Forgets the cached state rows: the next writes read the state rows from the cells (after a test edits them). */
  void forgetCache() {
    cache.clear();
  }

  void write(List<CanonicalEvent> batch) {
    Map<String, List<CanonicalEvent>> byEntity = new LinkedHashMap<>();
    for (CanonicalEvent e : batch) {
      byEntity.computeIfAbsent(RowKeyCodec.entityPrefix(e.entityType(), e.entityId()), k -> new ArrayList<>()).add(e);
    }
    for (Map.Entry<String, List<CanonicalEvent>> en : byEntity.entrySet()) {
      String prefix = en.getKey();
      List<CanonicalEvent> es = en.getValue();
      CanonicalEvent first = es.get(0);
      String stateRow = RowKeyCodec.stateRowKeyUnder(prefix);
      // like a cache of state rows: the previous write's stateAfter (decoded states kept) on every other write, the
      // state read back from the cells on the others, so that both paths meet in every test
      StoredState fromCells = storedState(stateRow);
      StoredState cached = cache.get(stateRow);
      if (cached != null) {
        assertEquals(hex(fromCells.cells()), hex(cached.cells()), "stateAfter must equal the cells written");
      }
      StoredState current = cached != null && (writes++ & 1) == 0 ? cached : fromCells;
      Rows port = new Rows(prefix, current);
      Result res;
      try {
        // both ways in: hashing the entity, or with the prefix a caller decoded from a row key
        res = (writes & 2) == 0 ? processor.advance(first.entityType(), first.entityId(), es, port)
            : processor.advance(prefix, first.entityType(), first.entityId(), es, port);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      results.add(res);
      for (CanonicalEvent e : es) {
        events.put(rowOf(e), e);
      }
      for (RowWrite w : res.derivedWrites()) {
        apply(w.rowString(), w.cells());
      }
      apply(res.stateRow(), res.stateCells());
      cache.put(stateRow, res.stateAfter());
    }
  }

  /** The port over the maps, for one entity; every range comes from {@link RowKeyCodec}. */
  private final class Rows implements EntityRows {
    private final String prefix;
    private final StoredState state;

    Rows(String prefix, StoredState state) {
      this.prefix = prefix;
      this.state = state;
    }

    @Override
    public StoredState stateRow() {
      return state;
    }

    @Override
    public Set<String> storedIds(List<CanonicalEvent> candidates) {
      Set<String> stored = new HashSet<>();
      for (CanonicalEvent e : candidates) {
        if (events.containsKey(RowKeyCodec.eventRowKeyUnder(prefix, e.eventTimeNanos(), e.eventId()))) {
          stored.add(e.eventId());
        }
      }
      return stored;
    }

    @Override
    public String greatestIdAt(long timeNanos) {
      RowKeyCodec.KeyRange at = RowKeyCodec.eventsAt(prefix, timeNanos);
      String max = null;
      for (CanonicalEvent e : events.subMap(at.start(), at.stop()).values()) {
        if (max == null || e.eventId().compareTo(max) > 0) {
          max = e.eventId();
        }
      }
      return max;
    }

    @Override
    public ReplayWindow replayWindow(long fromNanos, Predicate<StoredEvent> isSnapshot) {
      RowKeyCodec.KeyRange before = RowKeyCodec.eventsBefore(prefix, fromNanos);
      StoredEvent snapshot = null;
      List<StoredEvent> window = new ArrayList<>();
      for (Map.Entry<String, CanonicalEvent> r : events.subMap(before.start(), true, before.stop(), false).descendingMap()
          .entrySet()) {
        StoredEvent se = new StoredEvent(r.getValue(), derived(r.getKey()));
        if (isSnapshot.test(se)) {
          snapshot = se;
          break;
        }
        window.add(se);
      }
      RowKeyCodec.KeyRange from = RowKeyCodec.eventsFrom(prefix, fromNanos);
      for (Map.Entry<String, CanonicalEvent> r : events.subMap(from.start(), from.stop()).entrySet()) {
        window.add(new StoredEvent(r.getValue(), derived(r.getKey())));
      }
      return new ReplayWindow(snapshot, window);
    }
  }

  private void apply(String row, List<CellValue> cells) {
    TreeMap<String, CellValue> r = rows.computeIfAbsent(row, k -> new TreeMap<>());
    for (CellValue c : cells) {
      String k = c.familyString() + ":" + c.qualifierString();
      CellValue old = r.get(k);
      if (old == null || old.timestamp() <= c.timestamp()) {
        r.put(k, c);
      }
    }
  }

  private static TreeMap<String, String> hex(Map<String, byte[]> cells) {
    TreeMap<String, String> out = new TreeMap<>();
    cells.forEach((k, v) -> out.put(k, java.util.HexFormat.of().formatHex(v)));
    return out;
  }

  StoredState storedState(String stateRow) {
    TreeMap<String, byte[]> cells = new TreeMap<>();
    long ts = 0;
    for (CellValue c : rows.getOrDefault(stateRow, new TreeMap<>()).values()) {
      if (c.familyString().equals(StateColumns.STATE_FAMILY)) {
        cells.put(c.qualifierString(), c.value());
        if (c.qualifierString().equals(StateColumns.LAST_NS)) {
          ts = c.timestamp();
        }
      }
    }
    return new StoredState(cells, ts);
  }

  TreeMap<String, byte[]> derived(String row) {
    TreeMap<String, byte[]> d = new TreeMap<>();
    for (CellValue c : rows.getOrDefault(row, new TreeMap<>()).values()) {
      if (c.familyString().equals(StateColumns.DERIVED_FAMILY)) {
        d.put(c.qualifierString(), c.value());
      }
    }
    return d;
  }

  /**
   * Every written cell as text, except the arrival-dependent d:late and d:notify (notifications belong to the
   * delivery that applied the event); zero counters read as absent; state cells without
   * their timestamp.
   */
  TreeMap<String, String> snapshot() {
    TreeMap<String, String> out = new TreeMap<>();
    for (Map.Entry<String, TreeMap<String, CellValue>> r : rows.entrySet()) {
      for (Map.Entry<String, CellValue> c : r.getValue().entrySet()) {
        CellValue v = c.getValue();
        if (c.getKey().equals("d:" + StateColumns.LATE) || c.getKey().equals("d:" + StateColumns.NOTIFY)) {
          continue;
        }
        if (v.qualifierString().contains(".c.") && StateColumns.toLong(v.value()) == 0) {
          continue;
        }
        // state cells keep the timestamp of the write that last changed them (arrival-dependent by design)
        String ts = v.familyString().equals(StateColumns.STATE_FAMILY) ? "" : Long.toString(v.timestamp());
        out.put(r.getKey() + " " + c.getKey(), ts + "=" + java.util.HexFormat.of().formatHex(v.value()));
      }
    }
    return out;
  }

  /** Every cell, with its timestamp, nothing left out. */
  TreeMap<String, String> rawSnapshot() {
    TreeMap<String, String> out = new TreeMap<>();
    for (Map.Entry<String, TreeMap<String, CellValue>> r : rows.entrySet()) {
      for (Map.Entry<String, CellValue> c : r.getValue().entrySet()) {
        CellValue v = c.getValue();
        out.put(r.getKey() + " " + c.getKey(), v.timestamp() + "=" + java.util.HexFormat.of().formatHex(v.value()));
      }
    }
    return out;
  }

  static String rowOf(CanonicalEvent e) {
    return RowKeyCodec.eventRowKey(e.entityType(), e.entityId(), e.eventTimeNanos(), e.eventId());
  }
}
