package io.eventstate.core.fsm;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The state of one entity in one machine: a small immutable value the coprocessor stores in one HBase cell.
 *
 * @param path               the current leaf state's path, e.g. {@code in_transit/at_facility}
 * @param enteredAt          when each state on the path was entered, outermost first (length = depth + 1),
 *                           nanoseconds since the epoch; {@link #NO_TIME} before the first event
 * @param lastEventTimeNanos time of the newest applied event, {@link #NO_TIME} before the first
 * @param recentIds          ids of the newest applied events, oldest first, newest last (at most
 *                           {@code max(1, dedupe_window)}); the last one and {@code lastEventTimeNanos} form the
 *                           watermark: events at or before it are not applied by {@link StateMachineEngine#step}
 * @param counters           the entity's counters
 *
 * <h2>Byte format, version 1</h2>
 * All integers big-endian; {@code str} = unsigned 16-bit byte length followed by that many UTF-8 bytes.
 * <pre>
 *   u8   version            = 1
 *   str  path
 *   u8   n                  = depth + 1
 *   i64  enteredAt[n]
 *   i64  lastEventTimeNanos
 *   u8   k
 *   str  recentIds[k]       oldest first
 *   u16  c
 *   { str name; i64 value } [c]   non-zero counters only, sorted by name (UTF-16 order of String.compareTo)
 * </pre>
 * <p>{@code enteredAt} is shared between successive states for speed: treat it as read-only.
 *
 * <p>A delivered package after nine scans (36-byte ids, window 4, 14 non-zero counters) is 623 bytes. Equal states give
 * equal bytes; {@link #fromBytes} rejects any other version with a message, so a future version can be added
 * without misreading old cells.
 */
public record EntityState(String path, long[] enteredAt, long lastEventTimeNanos, List<String> recentIds,
    Counters counters) {

  /** The version byte written by {@link #toBytes()}. */
  public static final byte FORMAT_VERSION = 1;
  /** "No time yet": the entity has seen no event. */
  public static final long NO_TIME = Long.MIN_VALUE;

  public EntityState {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(enteredAt, "enteredAt");
    recentIds = List.copyOf(recentIds);
    Objects.requireNonNull(counters, "counters");
  }

  /** The same state with other counters. */
  public EntityState withCounters(Counters c) {
    return new EntityState(path, enteredAt, lastEventTimeNanos, recentIds, c);
  }

  /** The same state with another watermark: newest applied event time and recent ids. */
  public EntityState withWatermark(long lastEventTimeNanos, List<String> recentIds) {
    return new EntityState(path, enteredAt, lastEventTimeNanos, recentIds, counters);
  }

  /** True once an event has been applied. */
  public boolean started() {
    return lastEventTimeNanos != NO_TIME;
  }

  /** The id of the newest applied event, or null. */
  public String lastEventId() {
    return recentIds.isEmpty() ? null : recentIds.get(recentIds.size() - 1);
  }

  /** When the current leaf state was entered. */
  public long leafEnteredAt() {
    return enteredAt[enteredAt.length - 1];
  }

  /** True if the event id is among the recent ids. */
  public boolean hasSeen(String eventId) {
    int h = eventId.hashCode();
    for (int i = recentIds.size() - 1; i >= 0; i--) {
      String seen = recentIds.get(i);
      if (seen.hashCode() == h && seen.equals(eventId)) { // the hash is kept in the String: no byte compare for others
        return true;
      }
    }
    return false;
  }

  /** The value of a counter (0 if absent). */
  public long counter(String name) {
    return counters.get(name);
  }

  /** Encodes the state (see the class Javadoc for the format). */
  public byte[] toBytes() {
    if (enteredAt.length > 255 || recentIds.size() > 255) {
      throw new IllegalStateException("state too deep or id window too large to encode");
    }
    byte[] p = utf8(path);
    byte[][] ids = new byte[recentIds.size()][];
    int size = 1 + 2 + p.length + 1 + 8 * enteredAt.length + 8 + 1 + 2;
    for (int i = 0; i < ids.length; i++) {
      ids[i] = utf8(recentIds.get(i));
      size += 2 + ids[i].length;
    }
    String[] names = counters.layout();
    long[] values = counters.values();
    byte[][] nameBytes = new byte[names.length][];
    int nonZero = 0;
    for (int i = 0; i < names.length; i++) {
      if (values[i] != 0) {
        nameBytes[i] = counters.utf8Name(i);
        if (nameBytes[i].length > 0xffff) {
          throw new IllegalStateException("counter name too long to encode: " + names[i]);
        }
        size += 2 + nameBytes[i].length + 8;
        nonZero++;
      }
    }
    if (nonZero > 0xffff) {
      throw new IllegalStateException("too many counters to encode: " + nonZero);
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    b.put(FORMAT_VERSION);
    putStr(b, p);
    b.put((byte) enteredAt.length);
    for (long t : enteredAt) {
      b.putLong(t);
    }
    b.putLong(lastEventTimeNanos);
    b.put((byte) ids.length);
    for (byte[] id : ids) {
      putStr(b, id);
    }
    b.putShort((short) nonZero);
    for (int i = 0; i < names.length; i++) {
      if (values[i] != 0) {
        putStr(b, nameBytes[i]);
        b.putLong(values[i]);
      }
    }
    return b.array();
  }

  /**
   * Decodes bytes written by {@link #toBytes()}.
   *
   * @throws IllegalArgumentException for another version or truncated/corrupt bytes
   */
  public static EntityState fromBytes(byte[] bytes) {
    return decode(bytes, null);
  }

  /**
   * Decodes bytes written by {@link #toBytes()} straight into the definition's counter layout (faster: no string per
   * counter). Counters the definition does not declare are dropped, as the next {@link StateMachineEngine#step}
   * would drop them.
   *
   * @throws IllegalArgumentException for another version or truncated/corrupt bytes
   */
  public static EntityState fromBytes(byte[] bytes, MachineDefinition def) {
    return decode(bytes, def);
  }

  private static EntityState decode(byte[] bytes, MachineDefinition def) {
    if (bytes == null || bytes.length == 0) {
      throw new IllegalArgumentException("empty entity state cell");
    }
    if (bytes[0] != FORMAT_VERSION) {
      throw new IllegalArgumentException("entity state format version " + bytes[0] + " is not supported (this build reads "
          + FORMAT_VERSION + "); upgrade Eventstate on every region server");
    }
    try {
      ByteBuffer b = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
      String path = readStr(b);
      int n = b.get() & 0xff;
      long[] entered = new long[n];
      for (int i = 0; i < n; i++) {
        entered[i] = b.getLong();
      }
      long last = b.getLong();
      int k = b.get() & 0xff;
      String[] ids = new String[k];
      for (int i = 0; i < k; i++) {
        ids[i] = readStr(b);
      }
      int c = b.getShort() & 0xffff;
      Counters counters = def == null ? readCounters(b, c) : readCounters(b, c, def);
      if (b.hasRemaining()) {
        throw new IllegalArgumentException(b.remaining() + " trailing bytes");
      }
      return new EntityState(path, entered, last, Arrays.asList(ids), counters);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("corrupt entity state cell (" + bytes.length + " bytes): " + e, e);
    }
  }

  private static Counters readCounters(ByteBuffer b, int c) {
    String[] names = new String[c];
    long[] values = new long[c];
    for (int i = 0; i < c; i++) {
      names[i] = readStr(b);
      values[i] = b.getLong();
      if (i > 0 && names[i - 1].compareTo(names[i]) >= 0) {
        throw new IllegalArgumentException("counter names out of order at '" + names[i] + "'");
      }
    }
    return new Counters(names, values);
  }

  private static Counters readCounters(ByteBuffer b, int c, MachineDefinition def) {
    byte[][] layout = def.counterNameBytes();
    long[] values = new long[layout.length];
    byte[] a = b.array();
    int cursor = 0;
    for (int i = 0; i < c; i++) {
      int len = b.getShort() & 0xffff;
      if (len > b.remaining() - 8) {
        throw new IllegalArgumentException("counter name of " + len + " bytes runs past the end");
      }
      int from = b.arrayOffset() + b.position();
      b.position(b.position() + len);
      long v = b.getLong();
      // Both lists are sorted, so the match is usually at the cursor; fall back to a full scan.
      int k = find(layout, cursor, layout.length, a, from, len);
      if (k < 0) {
        k = find(layout, 0, cursor, a, from, len);
      }
      if (k >= 0) {
        values[k] = v;
        cursor = k + 1;
      }
    }
    return new Counters(def.counterLayout(), values, layout);
  }

  private static int find(byte[][] layout, int from, int to, byte[] a, int off, int len) {
    for (int k = from; k < to; k++) {
      if (Arrays.equals(layout[k], 0, layout[k].length, a, off, off + len)) {
        return k;
      }
    }
    return -1;
  }

  private static byte[] utf8(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > 0xffff) {
      throw new IllegalStateException("string too long to encode: " + b.length + " bytes");
    }
    return b;
  }

  private static void putStr(ByteBuffer b, byte[] s) {
    b.putShort((short) s.length);
    b.put(s);
  }

  private static String readStr(ByteBuffer b) {
    int len = b.getShort() & 0xffff;
    if (len > b.remaining()) {
      throw new IllegalArgumentException("string of " + len + " bytes runs past the end");
    }
    String s = new String(b.array(), b.arrayOffset() + b.position(), len, StandardCharsets.UTF_8);
    b.position(b.position() + len);
    return s;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EntityState s && path.equals(s.path) && Arrays.equals(enteredAt, s.enteredAt)
        && lastEventTimeNanos == s.lastEventTimeNanos && recentIds.equals(s.recentIds) && counters.equals(s.counters);
  }

  @Override
  public int hashCode() {
    return Objects.hash(path, Arrays.hashCode(enteredAt), lastEventTimeNanos, recentIds, counters);
  }

  @Override
  public String toString() {
    return "EntityState{" + path + " entered=" + Arrays.toString(enteredAt) + " last=" + lastEventTimeNanos
        + " ids=" + recentIds + " counters=" + counters + "}";
  }
}
