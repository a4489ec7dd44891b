package io.eventstate.hbase.coprocessor;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.rowkey.EventRowCodec;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.rowkey.RowKeyCodec.DecodedKey;
import io.eventstate.core.rowkey.RowKeyCodec.KeyRange;
import io.eventstate.core.rowkey.TableSchema;
import io.eventstate.core.state.EntityRows;
import io.eventstate.core.state.EntityStateProcessor.StoredEvent;
import io.eventstate.core.state.EntityStateProcessor.StoredState;
import io.eventstate.core.state.EventRowReader;
import io.eventstate.core.state.StateColumns;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.hadoop.hbase.Cell;
import org.apache.hadoop.hbase.CellUtil;
import org.apache.hadoop.hbase.client.Get;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.regionserver.Region;
import org.apache.hadoop.hbase.util.Bytes;

/**
 * The state protocol's storage port ({@link EntityRows}) over the region that holds one entity: the entity's rows are
 * contiguous there, and the caller holds the entity's state-row lock. Ranges come from {@link RowKeyCodec}.
 */
final class RegionEntityRows implements EntityRows {

  private static final byte[] E = Bytes.toBytes(TableSchema.FAMILY_EVENT);
  private static final byte[] D = Bytes.toBytes(TableSchema.FAMILY_DERIVED);
  private static final byte[] S = Bytes.toBytes(TableSchema.FAMILY_STATE);
  private static final byte[] Q_EVENT_ID = Bytes.toBytes(EventRowCodec.Q_EVENT_ID);

  private final Region region;
  private final String prefix;
  private final String stateRow;
  private final StoredState cached;

  /**
   * @param cached the entity's state row as this region last wrote it, or null to read it
   */
  RegionEntityRows(Region region, String entityPrefix, String stateRow, StoredState cached) {
    this.region = region;
    this.prefix = entityPrefix;
    this.stateRow = stateRow;
    this.cached = cached;
  }

  @Override
  public StoredState stateRow() throws IOException {
    if (cached != null) {
      return cached;
    }
    Result state = region.get(new Get(Bytes.toBytes(stateRow)).addFamily(S));
    Map<String, byte[]> cells = new HashMap<>();
    long ts = 0;
    for (Cell cell : state.rawCells()) {
      String q = Bytes.toString(CellUtil.cloneQualifier(cell));
      if (q.equals(EventRowCodec.Q_TOUCH)) {
        continue;
      }
      cells.put(q, CellUtil.cloneValue(cell));
      if (q.equals(StateColumns.LAST_NS)) {
        ts = cell.getTimestamp();
      }
    }
    return new StoredState(cells, ts);
  }

  @Override
  public Set<String> storedIds(List<CanonicalEvent> candidates) throws IOException {
    Set<String> stored = new HashSet<>();
    for (CanonicalEvent e : candidates) {
      byte[] row = RowKeyCodec.toBytes(RowKeyCodec.eventRowKeyUnder(prefix, e.eventTimeNanos(), e.eventId()));
      if (!region.get(new Get(row).addColumn(E, Q_EVENT_ID)).isEmpty()) {
        stored.add(e.eventId());
      }
    }
    return stored;
  }

  @Override
  public String greatestIdAt(long timeNanos) throws IOException {
    KeyRange at = RowKeyCodec.eventsAt(prefix, timeNanos);
    Scan scan = new Scan().withStartRow(at.startBytes(), true).withStopRow(at.stopBytes(), false)
        .addColumn(E, Q_EVENT_ID);
    String[] max = new String[1];
    RegionCells.forEachRow(region, scan, cells -> {
      for (Cell cell : cells) {
        String id = Bytes.toString(CellUtil.cloneValue(cell));
        if (max[0] == null || id.compareTo(max[0]) > 0) {
          max[0] = id;
        }
      }
      return true;
    });
    return max[0];
  }

  @Override
  public ReplayWindow replayWindow(long fromNanos, Predicate<StoredEvent> isSnapshot) throws IOException {
    // back from the late event's time to the newest state snapshot, then forward to the entity's last event
    KeyRange before = RowKeyCodec.eventsBefore(prefix, fromNanos);
    Scan reverse = new Scan().withStartRow(before.stopBytes(), false).withStopRow(before.startBytes(), true)
        .setReversed(true).addFamily(E).addFamily(D);
    List<StoredEvent> window = new ArrayList<>();
    StoredEvent[] snapshot = new StoredEvent[1];
    RegionCells.forEachRow(region, reverse, cells -> {
      StoredEvent se = storedEvent(cells);
      if (se != null && isSnapshot.test(se)) {
        snapshot[0] = se;
        return false;
      }
      if (se != null) {
        window.add(se);
      }
      return true;
    });
    KeyRange from = RowKeyCodec.eventsFrom(prefix, fromNanos);
    RegionCells.forEachRow(region, new Scan().withStartRow(from.startBytes(), true).withStopRow(from.stopBytes(), false)
        .addFamily(E).addFamily(D), cells -> {
          StoredEvent se = storedEvent(cells);
          if (se != null) {
            window.add(se);
          }
          return true;
        });
    return new ReplayWindow(snapshot[0], window);
  }

  private static StoredEvent storedEvent(List<Cell> cells) {
    String row = Bytes.toString(CellUtil.cloneRow(cells.get(0)));
    DecodedKey key;
    try {
      key = RowKeyCodec.decode(row);
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (key.kind() != RowKeyCodec.Kind.EVENT) {
      return null;
    }
    Map<String, byte[]> e = new HashMap<>();
    TreeMap<String, byte[]> d = new TreeMap<>();
    for (Cell cell : cells) {
      String q = Bytes.toString(CellUtil.cloneQualifier(cell));
      if (CellUtil.matchingFamily(cell, E)) {
        e.put(q, CellUtil.cloneValue(cell));
      } else if (CellUtil.matchingFamily(cell, D)) {
        d.put(q, CellUtil.cloneValue(cell));
      }
    }
    if (e.isEmpty()) {
      return null;
    }
    return new StoredEvent(EventRowReader.read(row, key, e), d);
  }
}
