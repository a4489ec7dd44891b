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
 *       counters and without the watermark (last event time {@code NO_TIME}, no recent ids: {@code last_ns} is every
 *       machine's watermark), so it changes only with the machine's states</td></tr>
 *   <tr><td>{@code m.NAME.state}</td><td>text: the current state path, e.g. {@code tracking/in_transit/moving}</td></tr>
 *   <tr><td>{@code m.NAME.c}</td><td>text: every non-zero counter of the machine in one cell
 *       ({@link #encodeCounters}), e.g. {@code event.in_transit=3,state.delivered=1}; the machine's count of all
 *       events is {@code events}. Rows written before this cell existed keep one 8-byte cell per counter,
 *       {@code m.NAME.c.COUNTER}, which are still read when {@code m.NAME.c} is absent</td></tr>
 *   <tr><td>{@code m.NAME.v}</td><td>text: the version of the machine's definition that produced this state
 *       ({@code DefinitionVersion}); written when it changes</td></tr>
 *   <tr><td>{@code sess.NAME}</td><td>bytes: the full {@code SessionState}</td></tr>
 *   <tr><td>{@code sess.NAME.v}</td><td>text: the version of the session spec, as {@code m.NAME.v}</td></tr>
 *   <tr><td>{@code sess.NAME.id}</td><td>text: the current session id</td></tr>
 *   <tr><td>{@code sess.NAME.count}</td><td>long: sessions so far</td></tr>
 *   <tr><td>{@code day.YYYY-MM-DD}</td><td>long: events applied whose event time falls on that UTC day; only for
 *       entity types with a definition that asks for them ({@code "counters": {"per_day": true}})</td></tr>
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
 *       that are marked {@code notify} ({@code io.eventstate.core.state.Notification}); written once, with the
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

  /** The version of the definition that produced a machine's state: {@code m.NAME.v}. */
  public static String machineVersion(String name) {
    return MACHINE_PREFIX + name + ".v";
  }

  /** The version of the session spec that produced a session state: {@code sess.NAME.v}. */
  public static String sessionVersion(String name) {
    return SESSION_PREFIX + name + ".v";
  }

  /** The cell that holds every counter of a machine: {@code m.NAME.c} ({@link #encodeCounters}). */
  public static String machineCounters(String name) {
    return MACHINE_PREFIX + name + ".c";
  }

  /**
   * Prefix of the one-cell-per-counter cells ({@code m.NAME.c.COUNTER}, 8-byte longs) of rows written before
   * {@link #machineCounters}; read, never written.
   */
  public static String machineCounterPrefix(String name) {
    return MACHINE_PREFIX + name + ".c.";
  }

  /**
   * The text of a machine's counter cell, version 1: the non-zero counters sorted by name, each {@code NAME=VALUE}
   * (the value in decimal), separated by commas, e.g. {@code event.delivered=1,event.in_transit=3,state.delivered=1};
   * empty when every counter is zero. In a name, {@code %}, {@code ,} and {@code =} are written {@code %25},
   * {@code %2C} and {@code %3D}. A later version will start with {@code #} and its number, which version 1 never
   * does. From SQL: {@code CAST(regexp_extract(counters, '(^|,)event[.]delivered=(-?[0-9]+)', 2) AS BIGINT)}
   * (NULL when the counter is zero), or in Hive {@code str_to_map(counters, ',', '=')}.
   *
   * @param skip a counter left out (null: none)
   */
  public static byte[] encodeCounters(io.eventstate.core.fsm.Counters counters, String skip) {
    CounterText out = COUNTER_TEXT.get();
    out.reset();
    counters.forEachNonZero((name, value) -> {
      if (!name.equals(skip)) {
        out.add(name, value);
      }
    });
    return out.toBytes();
  }

  private static final ThreadLocal<CounterText> COUNTER_TEXT = ThreadLocal.withInitial(CounterText::new);

  /** A reusable buffer for {@link #encodeCounters}: one exact-size array per call. */
  private static final class CounterText {
    private byte[] buf = new byte[512];
    private int len;

    void reset() {
      len = 0;
    }

    void add(String name, long value) {
      ensure(name.length() * 9 + 24); // escapes and any UTF-8 width fit
      if (len > 0) {
        buf[len++] = ',';
      }
      for (int i = 0; i < name.length(); i++) {
        char c = name.charAt(i);
        if (c == '%' || c == ',' || c == '=') {
          buf[len++] = '%';
          buf[len++] = (byte) HEX[c >>> 4];
          buf[len++] = (byte) HEX[c & 0xf];
        } else if (c < 0x80) {
          buf[len++] = (byte) c;
        } else {
          byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
          if (Character.isHighSurrogate(c) && i + 1 < name.length()) {
            b = name.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
            i++;
          }
          System.arraycopy(b, 0, buf, len, b.length);
          len += b.length;
        }
      }
      buf[len++] = '=';
      if (value < 0) {
        buf[len++] = '-';
      }
      int start = len;
      long v = value;
      do {
        int digit = (int) Math.abs(v % 10);
        buf[len++] = (byte) ('0' + digit);
        v /= 10;
      } while (v != 0);
      for (int a = start, b = len - 1; a < b; a++, b--) {
        byte t = buf[a];
        buf[a] = buf[b];
        buf[b] = t;
      }
    }

    private void ensure(int more) {
      if (len + more > buf.length) {
        buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
      }
    }

    byte[] toBytes() {
      return java.util.Arrays.copyOf(buf, len);
    }
  }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  /**
   * Reads a machine's counter cell written by {@link #encodeCounters}.
   *
   * @throws IllegalArgumentException if the text is not version 1 of the format
   */
  public static java.util.SortedMap<String, Long> decodeCounters(byte[] cell) {
    String text = text(cell);
    java.util.TreeMap<String, Long> out = new java.util.TreeMap<>();
    if (text.isEmpty()) {
      return out;
    }
    if (text.charAt(0) == '#') {
      throw new IllegalArgumentException("counters written in format " + text.substring(0, Math.min(text.length(), 8))
          + ", newer than this version reads (1)");
    }
    int from = 0;
    while (from <= text.length()) {
      int end = text.indexOf(',', from);
      if (end < 0) {
        end = text.length();
      }
      int eq = text.indexOf('=', from);
      if (eq < 0 || eq > end) {
        throw new IllegalArgumentException("counter '" + text.substring(from, end) + "' has no '='");
      }
      try {
        out.put(unescapeCounterName(text.substring(from, eq)), Long.parseLong(text.substring(eq + 1, end)));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("counter '" + text.substring(from, end) + "' has no whole-number value");
      }
      from = end + 1;
    }
    return out;
  }

  private static void appendCounterName(String name, StringBuilder sb) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      switch (c) {
        case '%' -> sb.append("%25");
        case ',' -> sb.append("%2C");
        case '=' -> sb.append("%3D");
        default -> sb.append(c);
      }
    }
  }

  private static String unescapeCounterName(String name) {
    if (name.indexOf('%') < 0) {
      return name;
    }
    return name.replace("%2C", ",").replace("%3D", "=").replace("%25", "%");
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

  private static final java.util.concurrent.ConcurrentHashMap<String, byte[]> NAME_BYTES =
      new java.util.concurrent.ConcurrentHashMap<>();
  private static final int MAX_NAME_BYTES = 4096;

  /**
   * The UTF-8 bytes of a family or qualifier, shared: the same few names are written on every write (callers must not
   * change the array).
   */
  public static byte[] nameBytes(String name) {
    byte[] b = NAME_BYTES.get(name);
    if (b == null) {
      b = utf8(name);
      if (NAME_BYTES.size() < MAX_NAME_BYTES) { // per-day qualifiers keep coming: the map stays bounded
        NAME_BYTES.put(name, b);
      }
    }
    return b;
  }

  public static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  public static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
