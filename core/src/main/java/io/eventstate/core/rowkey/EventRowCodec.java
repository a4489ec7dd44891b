package io.eventstate.core.rowkey;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.EventHeaders;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Events to cells: the pure function the sink (and any other writer) uses, so that what is written can be
 * tested without HBase. The sink only turns {@link RowWrite}s into {@code Put}s.
 *
 * <h2>Event row</h2> (row key {@link RowKeyCodec#eventRowKey}, family {@link TableSchema#FAMILY_EVENT})
 * <table>
 *   <caption>event row cells</caption>
 *   <tr><th>qualifier</th><th>value (UTF-8 text unless noted)</th></tr>
 *   <tr><td>{@code body}</td><td>the raw body bytes, verbatim</td></tr>
 *   <tr><td>{@code event_id}, {@code entity_type}, {@code entity_id}, {@code event_type}</td><td>the canonical fields</td></tr>
 *   <tr><td>{@code time_ns}</td><td>event time, decimal nanoseconds since the epoch (exact)</td></tr>
 *   <tr><td>{@code time_source}</td><td>{@code event}, {@code header} or {@code arrival}</td></tr>
 *   <tr><td>{@code tags}</td><td>comma-separated sorted tags (absent when there are none)</td></tr>
 *   <tr><td>{@code a.NAME}</td><td>one cell per attribute</td></tr>
 * </table>
 *
 * <p><b>Every cell timestamp is explicit and derived from the event</b>: the event time in milliseconds
 * (rounded down), or 0 for events before 1970 because HBase rejects negative timestamps. A replayed event
 * therefore writes byte-for-byte the same cells, and with one version per column the replay is invisible.
 * This is also why the families have no TTL: a TTL counts from the cell timestamp, so it would delete
 * historical events as soon as they were written.
 *
 * <h2>State-row touch</h2> One cell {@code s:touch} on the entity's state row, holding the newest event time
 * (decimal nanoseconds) of the write, at that time's millisecond timestamp. The sink writes it in the same
 * atomic operation as the entity's events so that a RegionObserver sees events and state row together, under the
 * state row's lock. The state coprocessor drops the cell from the write (it only took the lock) and writes the
 * entity's state cells instead.
 *
 * <h2>Dead letter</h2> Row {@link RowKeyCodec#deadLetterRowKey}, family {@code e}: {@code body} (raw),
 * {@code reason}, {@code stage} and one {@code h.NAME} cell per Flume header. The timestamp is Flume's
 * {@code timestamp} header when it is a non-negative number, else 0, so a redelivered poison event writes
 * the same cells again.
 */
public final class EventRowCodec {

  public static final String Q_BODY = "body";
  public static final String Q_EVENT_ID = "event_id";
  public static final String Q_ENTITY_TYPE = "entity_type";
  public static final String Q_ENTITY_ID = "entity_id";
  public static final String Q_EVENT_TYPE = "event_type";
  public static final String Q_TIME_NS = "time_ns";
  public static final String Q_TIME_SOURCE = "time_source";
  public static final String Q_TAGS = "tags";
  /** Prefix of attribute qualifiers. */
  public static final String Q_ATTRIBUTE_PREFIX = "a.";
  /** The state-row touch qualifier in family {@code s}. */
  public static final String Q_TOUCH = "touch";
  public static final String Q_REASON = "reason";
  public static final String Q_STAGE = "stage";
  /** Prefix of the header qualifiers of a dead letter. */
  public static final String Q_HEADER_PREFIX = "h.";

  private static final byte[] EVENT = utf8(TableSchema.FAMILY_EVENT);
  private static final byte[] STATE = utf8(TableSchema.FAMILY_STATE);
  // the fixed qualifiers, encoded once (cells share them as they share the family arrays; nothing writes into them)
  private static final byte[] BODY = utf8(Q_BODY);
  private static final byte[] EVENT_ID = utf8(Q_EVENT_ID);
  private static final byte[] ENTITY_TYPE = utf8(Q_ENTITY_TYPE);
  private static final byte[] ENTITY_ID = utf8(Q_ENTITY_ID);
  private static final byte[] EVENT_TYPE = utf8(Q_EVENT_TYPE);
  private static final byte[] TIME_NS = utf8(Q_TIME_NS);
  private static final byte[] TIME_SOURCE = utf8(Q_TIME_SOURCE);
  private static final byte[] TAGS = utf8(Q_TAGS);
  private static final byte[] TOUCH = utf8(Q_TOUCH);

  private EventRowCodec() {
  }

  /** One cell to write. */
  public record CellValue(byte[] family, byte[] qualifier, long timestamp, byte[] value) {
    public CellValue {
      Objects.requireNonNull(family, "family");
      Objects.requireNonNull(qualifier, "qualifier");
      Objects.requireNonNull(value, "value");
      if (timestamp < 0) {
        throw new IllegalArgumentException("cell timestamp must be >= 0, got " + timestamp);
      }
    }

    public String familyString() {
      return new String(family, StandardCharsets.UTF_8);
    }

    public String qualifierString() {
      return new String(qualifier, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof CellValue c && timestamp == c.timestamp && Arrays.equals(family, c.family)
          && Arrays.equals(qualifier, c.qualifier) && Arrays.equals(value, c.value);
    }

    @Override
    public int hashCode() {
      return ((Arrays.hashCode(family) * 31 + Arrays.hashCode(qualifier)) * 31 + Long.hashCode(timestamp)) * 31
          + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
      return familyString() + ":" + qualifierString() + "@" + timestamp + "=" + value.length + "B";
    }
  }

  /** The cells of one row. */
  public record RowWrite(byte[] row, List<CellValue> cells) {
    public RowWrite {
      Objects.requireNonNull(row, "row");
      cells = List.copyOf(cells);
    }

    public String rowString() {
      return RowKeyCodec.fromBytes(row);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof RowWrite r && Arrays.equals(row, r.row) && cells.equals(r.cells);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(row) * 31 + cells.hashCode();
    }

    @Override
    public String toString() {
      return rowString() + cells;
    }
  }

  /** HBase's longest row key in bytes ({@code HConstants.MAX_ROW_LENGTH}). */
  public static final int MAX_ROW_BYTES = Short.MAX_VALUE;
  /** HBase's default largest cell ({@code hbase.client.keyvalue.maxsize}): 10 MiB. */
  public static final long DEFAULT_MAX_CELL_BYTES = 10L * 1024 * 1024;
  /** What a serialized cell adds to its row, family, qualifier and value (lengths, timestamp, type). */
  private static final int CELL_OVERHEAD_BYTES = 20;

  /**
   * Why HBase would refuse a row as data, whatever the number of tries: a row key longer than {@link #MAX_ROW_BYTES}, or
   * a cell whose serialized size is over {@code maxCellBytes} ({@code hbase.client.keyvalue.maxsize}; 0 or less: no
   * cell limit). Null when the row is within both limits.
   */
  public static String overHBaseLimits(RowWrite r, long maxCellBytes) {
    if (r.row().length > MAX_ROW_BYTES) {
      return "limit: row key of " + r.row().length + " bytes is over HBase's limit of " + MAX_ROW_BYTES + " bytes";
    }
    if (maxCellBytes > 0) {
      for (CellValue c : r.cells()) {
        long size = (long) r.row().length + c.family().length + c.qualifier().length + c.value().length
            + CELL_OVERHEAD_BYTES;
        if (size > maxCellBytes) {
          return "limit: cell " + c.qualifierString() + " of " + size + " bytes is over hbase.client.keyvalue.maxsize="
              + maxCellBytes;
        }
      }
    }
    return null;
  }

  /** The cell timestamp for an event time: milliseconds rounded down, 0 before 1970. */
  public static long cellTimestamp(long eventTimeNanos) {
    return Math.max(0L, Math.floorDiv(eventTimeNanos, 1_000_000L));
  }

  /** The event row of one event. */
  public static RowWrite eventRow(CanonicalEvent e) {
    return eventRowUnder(RowKeyCodec.entityPrefix(e.entityType(), e.entityId()), e);
  }

  /** The event row of one event under its entity's prefix from {@link RowKeyCodec#entityPrefix}. */
  static RowWrite eventRowUnder(String entityPrefix, CanonicalEvent e) {
    long ts = cellTimestamp(e.eventTimeNanos());
    List<CellValue> cells = new ArrayList<>(8 + e.attributes().size());
    cells.add(new CellValue(EVENT, BODY, ts, e.body()));
    cells.add(new CellValue(EVENT, EVENT_ID, ts, utf8(e.eventId())));
    cells.add(new CellValue(EVENT, ENTITY_TYPE, ts, utf8(e.entityType())));
    cells.add(new CellValue(EVENT, ENTITY_ID, ts, utf8(e.entityId())));
    cells.add(new CellValue(EVENT, EVENT_TYPE, ts, utf8(e.eventType())));
    cells.add(new CellValue(EVENT, TIME_NS, ts, utf8(Long.toString(e.eventTimeNanos()))));
    cells.add(new CellValue(EVENT, TIME_SOURCE, ts, utf8(e.timeSource().label())));
    if (!e.tags().isEmpty()) {
      cells.add(new CellValue(EVENT, TAGS, ts, utf8(String.join(",", e.tags()))));
    }
    for (Map.Entry<String, String> a : e.attributes().entrySet()) {
      cells.add(new CellValue(EVENT, utf8(Q_ATTRIBUTE_PREFIX + a.getKey()), ts, utf8(a.getValue())));
    }
    String key = RowKeyCodec.eventRowKeyUnder(entityPrefix, e.eventTimeNanos(), e.eventId());
    return new RowWrite(RowKeyCodec.toBytes(key), cells);
  }

  /**
   * The touch of the state row of the entity of {@code events}, all of which must belong to one entity.
   *
   * @throws IllegalArgumentException when {@code events} is empty or spans entities
   */
  public static RowWrite stateTouch(List<CanonicalEvent> events) {
    if (events.isEmpty()) {
      throw new IllegalArgumentException("a state touch needs at least one event");
    }
    return stateTouchUnder(RowKeyCodec.entityPrefix(events.get(0).entityType(), events.get(0).entityId()), events);
  }

  /** {@link #stateTouch} under the entity's prefix from {@link RowKeyCodec#entityPrefix}. */
  private static RowWrite stateTouchUnder(String entityPrefix, List<CanonicalEvent> events) {
    CanonicalEvent first = events.get(0);
    long newest = Long.MIN_VALUE;
    for (CanonicalEvent e : events) {
      if (!e.entityType().equals(first.entityType()) || !e.entityId().equals(first.entityId())) {
        throw new IllegalArgumentException("a state touch covers one entity, got " + first.entity() + " and " + e.entity());
      }
      newest = Math.max(newest, e.eventTimeNanos());
    }
    String key = RowKeyCodec.stateRowKeyUnder(entityPrefix);
    CellValue touch = new CellValue(STATE, TOUCH, cellTimestamp(newest), utf8(Long.toString(newest)));
    return new RowWrite(RowKeyCodec.toBytes(key), List.of(touch));
  }

  /**
   * A dead-letter row for a Flume event that could not be stored as an event row.
   *
   * @param headers the Flume headers as received
   * @param body    the raw body
   * @param stage   where it failed, e.g. {@code sink-encode} or {@code sink-rejected}
   * @param reason  why, in words
   */
  public static RowWrite deadLetter(Map<String, String> headers, byte[] body, String stage, String reason) {
    TreeMap<String, String> sorted = new TreeMap<>(headers);
    long ts = 0L;
    String flumeTs = sorted.get(EventHeaders.FLUME_TIMESTAMP);
    if (flumeTs != null) {
      try {
        ts = Math.max(0L, Long.parseLong(flumeTs.trim()));
      } catch (NumberFormatException ignored) {
        // an unparseable timestamp header is part of what may be wrong with a poison event
      }
    }
    List<CellValue> cells = new ArrayList<>(sorted.size() + 3);
    cells.add(new CellValue(EVENT, BODY, ts, body));
    cells.add(new CellValue(EVENT, utf8(Q_REASON), ts, utf8(reason == null ? "unknown" : reason)));
    cells.add(new CellValue(EVENT, utf8(Q_STAGE), ts, utf8(stage)));
    for (Map.Entry<String, String> h : sorted.entrySet()) {
      cells.add(new CellValue(EVENT, utf8(Q_HEADER_PREFIX + h.getKey()), ts, utf8(String.valueOf(h.getValue()))));
    }
    return new RowWrite(RowKeyCodec.toBytes(RowKeyCodec.deadLetterRowKey(digest(sorted, body))), cells);
  }

  /**
   * The same dead letter with every value cut to {@code maxValueBytes} and the reason extended by
   * {@code note}: the last resort when HBase refuses the full dead letter (e.g. a body over the client's
   * {@code hbase.client.keyvalue.maxsize}), so that a poison event is still stored and never retried forever.
   */
  public static RowWrite truncated(RowWrite deadLetter, int maxValueBytes, String note) {
    List<CellValue> cells = new ArrayList<>(deadLetter.cells().size());
    for (CellValue c : deadLetter.cells()) {
      byte[] v = c.value();
      if (Q_REASON.equals(c.qualifierString())) {
        String reason = new String(v, java.nio.charset.StandardCharsets.UTF_8) + " [dead letter truncated: " + note + "]";
        v = utf8(reason);
      }
      if (v.length > maxValueBytes) {
        v = Arrays.copyOf(v, maxValueBytes);
      }
      cells.add(new CellValue(c.family(), c.qualifier(), c.timestamp(), v));
    }
    return new RowWrite(deadLetter.row(), cells);
  }

  /** SHA-256 over length-prefixed sorted headers and the body: equal Flume events, equal digests. */
  static byte[] digest(TreeMap<String, String> sortedHeaders, byte[] body) {
    MessageDigest sha = RowKeyCodec.digest("SHA-256");
    for (Map.Entry<String, String> h : sortedHeaders.entrySet()) {
      update(sha, utf8(h.getKey()));
      update(sha, utf8(String.valueOf(h.getValue())));
    }
    update(sha, body);
    return sha.digest();
  }

  private static void update(MessageDigest sha, byte[] bytes) {
    sha.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
    sha.update(bytes);
  }

  /**
   * One entity's share of a batch: its event rows followed by the touch of its state row, to be written in
   * one atomic operation.
   */
  public record EntityWrite(String entityPrefix, List<CanonicalEvent> events, List<RowWrite> rows) {
    public EntityWrite {
      events = List.copyOf(events);
      rows = List.copyOf(rows);
    }

    /** The state row key of the entity. */
    public byte[] stateRow() {
      return rows.get(rows.size() - 1).row();
    }
  }

  /** Groups events by entity, in order of first appearance; each group ends with its state-row touch. */
  public static List<EntityWrite> entityWrites(List<CanonicalEvent> events) {
    Map<EntityKey, List<CanonicalEvent>> byEntity = new java.util.LinkedHashMap<>();
    for (CanonicalEvent e : events) {
      byEntity.computeIfAbsent(new EntityKey(e.entityType(), e.entityId()), k -> new ArrayList<>()).add(e);
    }
    List<EntityWrite> writes = new ArrayList<>(byEntity.size());
    for (Map.Entry<EntityKey, List<CanonicalEvent>> g : byEntity.entrySet()) {
      String prefix = RowKeyCodec.entityPrefix(g.getKey().type(), g.getKey().id()); // hashed once per entity
      List<RowWrite> rows = new ArrayList<>(g.getValue().size() + 1);
      for (CanonicalEvent e : g.getValue()) {
        rows.add(eventRowUnder(prefix, e));
      }
      rows.add(stateTouchUnder(prefix, g.getValue()));
      writes.add(new EntityWrite(prefix, g.getValue(), rows));
    }
    return writes;
  }

  private record EntityKey(String type, String id) {
  }

  /** The rows of several events, unchanged order; a convenience for tests and tools. */
  public static List<RowWrite> eventRows(List<CanonicalEvent> events) {
    List<RowWrite> rows = new ArrayList<>(events.size());
    for (CanonicalEvent e : events) {
      rows.add(eventRow(e));
    }
    return Collections.unmodifiableList(rows);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
