package io.eventstate.core.session;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The session state of one entity: the current session and the watermark. Immutable.
 *
 * @param sessionId          the current session's id ("" before the first event)
 * @param startNanos         the current session's first event time
 * @param lastEventTimeNanos the newest applied event time (the current session's end); {@link #NO_TIME} before
 * @param dayEndNanos        the first local midnight after the session started ({@link Long#MAX_VALUE} without
 *                           {@code split_at_midnight}); kept so the time-zone rules are consulted once per session
 * @param eventCount         events in the current session
 * @param sessionCount       sessions the entity has had, the current one included
 * @param splitValue         the current session's {@code split_on_attribute} value ("" if none yet)
 * @param recentIds          the newest applied event ids, oldest first; the last one is the watermark's id
 *
 * <h2>Byte format, version 1</h2>
 * Big-endian; {@code str} = unsigned 16-bit length + UTF-8 bytes.
 * <pre>
 *   u8  version = 1
 *   str sessionId
 *   i64 startNanos, lastEventTimeNanos, dayEndNanos, eventCount, sessionCount
 *   str splitValue
 *   u8  k;  str recentIds[k]
 * </pre>
 */
public record SessionState(String sessionId, long startNanos, long lastEventTimeNanos, long dayEndNanos,
    long eventCount, long sessionCount, String splitValue, List<String> recentIds) {

  public static final byte FORMAT_VERSION = 1;
  public static final long NO_TIME = Long.MIN_VALUE;

  public SessionState {
    Objects.requireNonNull(sessionId, "sessionId");
    Objects.requireNonNull(splitValue, "splitValue");
    recentIds = List.copyOf(recentIds);
  }

  /** The state of an entity without events. */
  public static SessionState initial() {
    return new SessionState("", NO_TIME, NO_TIME, Long.MAX_VALUE, 0, 0, "", List.of());
  }

  public boolean started() {
    return lastEventTimeNanos != NO_TIME;
  }

  public String lastEventId() {
    return recentIds.isEmpty() ? null : recentIds.get(recentIds.size() - 1);
  }

  /** Duration of the current session: last event time minus first. */
  public long durationNanos() {
    return started() ? lastEventTimeNanos - startNanos : 0;
  }

  public boolean hasSeen(String id) {
    int h = id.hashCode();
    for (int i = recentIds.size() - 1; i >= 0; i--) {
      String seen = recentIds.get(i);
      if (seen.hashCode() == h && seen.equals(id)) { // the hash is kept in the String: no byte compare for others
        return true;
      }
    }
    return false;
  }

  public byte[] toBytes() {
    // written straight into one array of the exact size: the state row's session cell is encoded on every write
    int size = 1 + utf8Length(sessionId) + 5 * Long.BYTES + utf8Length(splitValue) + 1;
    for (String id : recentIds) {
      size += utf8Length(id);
    }
    byte[] out = new byte[size];
    int at = 0;
    out[at++] = FORMAT_VERSION;
    at = writeStr(out, at, sessionId);
    at = writeLong(out, at, startNanos);
    at = writeLong(out, at, lastEventTimeNanos);
    at = writeLong(out, at, dayEndNanos);
    at = writeLong(out, at, eventCount);
    at = writeLong(out, at, sessionCount);
    at = writeStr(out, at, splitValue);
    out[at++] = (byte) recentIds.size();
    for (String id : recentIds) {
      at = writeStr(out, at, id);
    }
    return out;
  }

  /** The encoded size of a string: 2 length bytes and its UTF-8 bytes. */
  private static int utf8Length(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        n = s.getBytes(StandardCharsets.UTF_8).length;
        break;
      }
      n++;
    }
    if (n > 0xffff) {
      throw new IllegalStateException("string too long to encode: " + n + " bytes");
    }
    return 2 + n;
  }

  /**
   * Decodes {@link #toBytes()} output.
   *
   * @throws IllegalArgumentException for another version or corrupt bytes
   */
  public static SessionState fromBytes(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      throw new IllegalArgumentException("empty session state cell");
    }
    if (bytes[0] != FORMAT_VERSION) {
      throw new IllegalArgumentException("session state format version " + bytes[0] + " is not supported (this build reads "
          + FORMAT_VERSION + "); upgrade Eventstate on every region server");
    }
    try {
      ByteBuffer b = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
      String id = readStr(b);
      long start = b.getLong();
      long last = b.getLong();
      long dayEnd = b.getLong();
      long count = b.getLong();
      long sessions = b.getLong();
      String split = readStr(b);
      int k = b.get() & 0xff;
      List<String> ids = new ArrayList<>(k);
      for (int i = 0; i < k; i++) {
        ids.add(readStr(b));
      }
      if (b.hasRemaining()) {
        throw new IllegalArgumentException(b.remaining() + " trailing bytes");
      }
      return new SessionState(id, start, last, dayEnd, count, sessions, split, ids);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("corrupt session state cell (" + bytes.length + " bytes): " + e, e);
    }
  }

  private static int writeStr(byte[] out, int at, String s) {
    boolean ascii = true;
    for (int i = 0; i < s.length() && ascii; i++) {
      ascii = s.charAt(i) < 0x80;
    }
    byte[] b = ascii ? null : s.getBytes(StandardCharsets.UTF_8);
    int len = ascii ? s.length() : b.length;
    out[at++] = (byte) (len >>> 8);
    out[at++] = (byte) len;
    if (ascii) {
      for (int i = 0; i < len; i++) {
        out[at++] = (byte) s.charAt(i);
      }
    } else {
      System.arraycopy(b, 0, out, at, len);
      at += len;
    }
    return at;
  }

  private static int writeLong(byte[] out, int at, long v) {
    for (int s = 56; s >= 0; s -= 8) {
      out[at++] = (byte) (v >>> s);
    }
    return at;
  }

  private static String readStr(ByteBuffer b) {
    byte[] out = new byte[b.getShort() & 0xffff];
    b.get(out);
    return new String(out, StandardCharsets.UTF_8);
  }
}
