package io.eventstate.core.state;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.rowkey.EventRowCodec.CellValue;
import io.eventstate.core.rowkey.EventRowCodec.RowWrite;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.state.EntityStateProcessor.Plan;
import io.eventstate.core.state.EntityStateProcessor.Result;
import io.eventstate.core.state.EntityStateProcessor.StoredEvent;
import io.eventstate.core.state.EntityStateProcessor.StoredState;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * The coprocessor's protocol over sorted maps instead of a region: what EntityStateObserver does with HBase, so that
 * the processor's contract can be checked in milliseconds. One version per cell, later writes replace earlier ones.
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

  void write(List<CanonicalEvent> batch) {
    Map<String, List<CanonicalEvent>> byEntity = new LinkedHashMap<>();
    for (CanonicalEvent e : batch) {
      byEntity.computeIfAbsent(RowKeyCodec.entityPrefix(e.entityType(), e.entityId()), k -> new ArrayList<>()).add(e);
    }
    for (List<CanonicalEvent> es : byEntity.values()) {
      CanonicalEvent first = es.get(0);
      String stateRow = RowKeyCodec.stateRowKey(first.entityType(), first.entityId());
      // as EntityStateObserver's cache of state rows: the previous write's stateAfter (decoded states kept) on every
      // other write, the state read back from the cells on the others, so that both paths meet in every test
      StoredState fromCells = storedState(stateRow);
      StoredState cached = cache.get(stateRow);
      if (cached != null) {
        assertEquals(hex(fromCells.cells()), hex(cached.cells()), "stateAfter must equal the cells written");
      }
      StoredState current = cached != null && (writes++ & 1) == 0 ? cached : fromCells;
      // both ways of planning: hashing the entity, or with the prefix a caller decoded from a row key
      Plan plan = (writes & 2) == 0 ? processor.plan(first.entityType(), first.entityId(), current, es)
          : processor.plan(RowKeyCodec.entityPrefix(first.entityType(), first.entityId()), first.entityType(),
              first.entityId(), current, es);
      if (plan.needsWatermarkId()) {
        // as EntityStateObserver: the greatest id among the stored events at the watermark's time
        String timePrefix = RowKeyCodec.entityPrefix(first.entityType(), first.entityId())
            + RowKeyCodec.timeField(plan.watermarkNanos()) + RowKeyCodec.DELIMITER;
        String max = null;
        for (Map.Entry<String, CanonicalEvent> r : events.tailMap(timePrefix, true).entrySet()) {
          if (!r.getKey().startsWith(timePrefix)) {
            break;
          }
          if (max == null || r.getValue().eventId().compareTo(max) > 0) {
            max = r.getValue().eventId();
          }
        }
        plan = plan.withWatermarkId(max);
      }
      Set<String> stored = new HashSet<>();
      for (CanonicalEvent e : plan.atOrBeforeWatermark()) {
        if (events.containsKey(rowOf(e))) {
          stored.add(e.eventId());
        }
      }
      OptionalLong from = plan.recomputeFrom(stored);
      StoredEvent snapshot = null;
      List<StoredEvent> history = new ArrayList<>();
      if (from.isPresent()) {
        // as EntityStateObserver: back from the late event's time to the newest snapshot, then everything after it
        String prefix = RowKeyCodec.entityPrefix(first.entityType(), first.entityId());
        String start = prefix + RowKeyCodec.timeField(from.getAsLong());
        for (Map.Entry<String, CanonicalEvent> r : events.headMap(start, false).descendingMap().entrySet()) {
          if (!r.getKey().startsWith(prefix)) {
            break;
          }
          StoredEvent se = new StoredEvent(r.getValue(), derived(r.getKey()));
          if (processor.isSnapshot(se)) {
            snapshot = se;
            break;
          }
          history.add(se);
        }
        for (Map.Entry<String, CanonicalEvent> r : events.tailMap(start, true).entrySet()) {
          if (!r.getKey().startsWith(prefix)) {
            break;
          }
          history.add(new StoredEvent(r.getValue(), derived(r.getKey())));
        }
      }
      Result res = processor.process(plan, stored, snapshot, history);
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
