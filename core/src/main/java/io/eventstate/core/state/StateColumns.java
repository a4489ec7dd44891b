package io.eventstate.core.state;

import io.eventstate.core.rowkey.TableSchema;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The column layout of the cells the coprocessor writes, defined once (docs/state-on-write.md prints the same tables).
 * Text is UTF-8; counters are 8-byte big-endian signed longs (Hive/Impala {@code #b} columns, HBase shell
 * {@code Bytes.toLong}). Machine and session names match {@code [a-z0-9][a-z0-9_-]*}, so they never contain a dot.
 *
 * <h2>State row</h2> family {@code s}, row {@code SS:TYPE:ID|!state}
 * <table>
 *   <caption>state-row cells</caption>
 *   <tr><th>qualifier</th><th>value</th></tr>
 *   <tr><td>{@code last_ns}</td><td>text: event time (ns) of the newest applied event (the watermark)</td></tr>
 *   <tr><td>{@code events}</td><td>long: events applied to the entity's state (duplicates and too-late excluded)</td></tr>
 *   <tr><td>{@code too_late}</td><td>long: events stored but older than the allowed lateness (absent until one)</td></tr>
 *   <tr><td>{@code m.NAME}</td><td>bytes: the machine's {@code EntityState} (format in that class) without its
 *       counters, which are the {@code m.NAME.c.*} cells, and without the watermark (last event time {@code NO_TIME},
 *       no recent ids: {@code last_ns} is every machine's watermark), so it changes only with the machine's
 *       states</td></tr>
 *   <tr><td>{@code m.NAME.state}</td><td>text: the current state path, e.g. {@code tracking/in_transit/moving}</td></tr>
 *   <tr><td>{@code m.NAME.c.COUNTER}</td><td>long: each counter of the machine; absent or 0 when zero</td></tr>
 *   <tr><td>{@code sess.NAME}</td><td>bytes: the full {@code SessionState}</td></tr>
 *   <tr><td>{@code sess.NAME.id}</td><td>text: the current session id</td></tr>
 *   <tr><td>{@code sess.NAME.count}</td><td>long: sessions so far</td></tr>
 *   <tr><td>{@code day.YYYY-MM-DD}</td><td>long: events applied whose event time falls on that UTC day</td></tr>
 * </table>
 * A write changes only the state cells whose bytes change, all at one timestamp: the newest applied event time in
 * milliseconds, never lower than the timestamp already stored (monotonic). A cell therefore carries the timestamp of
 * the write that last changed it, which depends on arrival order; the values do not.
 *
 * <h2>Derived cells</h2> family {@code d}, on each event row, at the event row's own cell timestamp (rewrites
 * after a late event replace them in place)
 * <table>
 *   <caption>derived cells</caption>
 *   <tr><th>qualifier</th><th>value</th></tr>
 *   <tr><td>{@code m.NAME}</td><td>bytes: the machine's {@code EntityState} right after this event, recent ids left
 *       out (a recompute
 *       restarts from it); only on snapshot events, about one in {@code eventstate.state.snapshotEvery}
 *       ({@link EntityStateSpec#snapshotAt})</td></tr>
 *   <tr><td>{@code m.NAME.state}</td><td>text: the state path after this event</td></tr>
 *   <tr><td>{@code sess.NAME}</td><td>bytes: the {@code SessionState} after this event; snapshot events only</td></tr>
 *   <tr><td>{@code sess.NAME.id}</td><td>text: the session the event belongs to</td></tr>
 *   <tr><td>{@code late}</td><td>text {@code 1}: the event arrived behind the watermark and was folded in by a
 *       recompute (the only cell that depends on arrival order)</td></tr>
 *   <tr><td>{@code too_late}</td><td>text {@code 1}: older than the allowed lateness; stored, not applied</td></tr>
 *   <tr><td>{@code notify}</td><td>text: JSON array of the notifications of the transitions this event caused
 *       that are marked {@code notify} ({@code io.eventstate.core.notify.Notification}); written once, with the
 *       event's first application, and sent by the sink</td></tr>
 * </table>
 */
public final class StateColumns {

  /** Family of the state-row cells. */
  public static final String STATE_FAMILY = TableSchema.FAMILY_STATE;
  /** Family of the per-event derived cells. */
  public static final String DERIVED_FAMILY = TableSchema.FAMILY_DERIVED;

  public static final String LAST_NS = "last_ns";
  public static final String EVENTS = "events";
  public static final String TOO_LATE = "too_late";
  public static final String LATE = "late";
  public static final String FLAG = "1";
  public static final String MACHINE_PREFIX = "m.";
  public static final String SESSION_PREFIX = "sess.";
  /** Derived cell: the notifications an event caused (JSON). */
  public static final String NOTIFY = "notify";
  /** Prefix of the per-day event counters of the state row. */
  public static final String DAY_PREFIX = "day.";

  private StateColumns() {
  }

  public static String machine(String name) {
    return MACHINE_PREFIX + name;
  }

  public static String machineState(String name) {
    return MACHINE_PREFIX + name + ".state";
  }

  public static String machineCounter(String name, String counter) {
    return MACHINE_PREFIX + name + ".c." + counter;
  }

  /** Prefix of all counter cells of a machine. */
  public static String machineCounterPrefix(String name) {
    return MACHINE_PREFIX + name + ".c.";
  }

  public static String session(String name) {
    return SESSION_PREFIX + name;
  }

  public static String sessionId(String name) {
    return SESSION_PREFIX + name + ".id";
  }

  public static String sessionCount(String name) {
    return SESSION_PREFIX + name + ".count";
  }

  /** The per-day counter qualifier of an event time: {@code day.YYYY-MM-DD} (UTC). */
  public static String day(long eventTimeNanos) {
    long epochDay = Math.floorDiv(eventTimeNanos, 86_400_000_000_000L);
    Day last = lastDay;
    if (last.epochDay != epochDay) { // most events of a stream fall on a few days: keep the last one's name
      last = new Day(epochDay, DAY_PREFIX + java.time.LocalDate.ofEpochDay(epochDay));
      lastDay = last;
    }
    return last.qualifier;
  }

  private record Day(long epochDay, String qualifier) {
  }

  private static volatile Day lastDay = new Day(Long.MIN_VALUE, "");

  /** 8-byte big-endian. */
  public static byte[] longBytes(long v) {
    byte[] b = new byte[Long.BYTES];
    for (int i = Long.BYTES - 1; i >= 0; i--) {
      b[i] = (byte) v;
      v >>>= 8;
    }
    return b;
  }

  /** Reads an 8-byte big-endian long. */
  public static long toLong(byte[] b) {
    if (b == null || b.length != Long.BYTES) {
      throw new IllegalArgumentException("a counter cell must hold 8 bytes, got " + (b == null ? "none" : b.length));
    }
    return ByteBuffer.wrap(b).getLong();
  }

  public static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  public static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
