package io.eventstate.core.rowkey;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * Readable string row keys for the Eventstate table. Bytes leave core only through this
 * class and {@link EventRowCodec}; every conversion is UTF-8.
 *
 * <h2>Layout</h2>
 * <pre>
 *   entity prefix   SS:TYPE:ID|               e.g.  3f:user:alice|
 *   state row       SS:TYPE:ID|!state                3f:user:alice|!state
 *   event row       SS:TYPE:ID|TIME|EVENTID          3f:user:alice|1457741907959400112|e-17
 *   dead letter     ~dl:DIGEST                       ~dl:0c6f0e2d9a4b6d1e8f7a3c5b2e1d0f9a
 * </pre>
 * <ul>
 *   <li><b>Salt {@code SS}</b>: two lowercase hex digits, the first byte of the MD5 of the UTF-8 bytes of
 *       {@code entityType + ":" + entityId} (unescaped), so 256 buckets. MD5 is used because Hive and Impala
 *       both have {@code md5()}: a query computes the salt of an entity as
 *       {@code substr(md5(concat(type, ':', id)), 1, 2)} and can then push a row-key prefix down.
 *       The table is pre-split on salt boundaries ({@link TableSchema#splitPoints()}).</li>
 *   <li><b>Escaping</b>: in the type, the id and the event id, the characters {@code %}, {@code :}, {@code |},
 *       space and every ISO control character are written as {@code %XX} (the UTF-8 bytes
 *       in upper-case hex); an unpaired UTF-16 surrogate, which has no UTF-8 form, is written as
 *       {@code %uXXXX}. Everything else, non-ASCII letters included, stays readable. Escaping is injective,
 *       so two different entities never share a key, and an escaped part never contains {@code |}.</li>
 *   <li><b>The delimiter {@code |}</b> ends the entity prefix and occurs nowhere before it. The table's split
 *       restriction ({@code DelimitedKeyPrefix} with delimiter {@code |}) cuts every split point at its first
 *       {@code |}, so a split always falls on an entity boundary and every row of an entity stays in one
 *       region. Because the prefix ends with a character that no escaped part contains, no entity's prefix is
 *       a prefix of another entity's rows.</li>
 *   <li><b>Time</b>: nanoseconds since the epoch. A time {@code >= 0} is written as 19 zero-padded decimal
 *       digits (the width of {@link Long#MAX_VALUE}), so string order is time order. A time before 1970 is
 *       written as {@code -} followed by the 19-digit value of {@code time - Long.MIN_VALUE}: {@code -} sorts
 *       before every digit, and among negative times the offset keeps time order. Such keys are not readable
 *       as dates, which is the price of keeping sort order; pre-1970 events are rare.</li>
 *   <li><b>State row</b>: the entity prefix followed by {@code !state}. {@code !} sorts before {@code -} and
 *       before every digit, so the state row is the first row of its entity, right before its oldest event,
 *       and a scan from the entity prefix reads the state first.</li>
 *   <li><b>Dead letters</b>: {@code ~dl:} and 32 hex digits of a SHA-256 of the Flume event (headers and
 *       body), so a redelivered poison event lands on the same row. {@code ~} sorts after every salt, so dead
 *       letters gather at the end of the table and never interleave with entity rows.</li>
 * </ul>
 */
public final class RowKeyCodec {

  /** Ends the entity prefix; the table's split restriction delimiter. */
  public static final char DELIMITER = '|';
  /** Separates salt, entity type and entity id inside the entity prefix. */
  public static final char SEPARATOR = ':';
  /** Suffix of the state row after the entity prefix. */
  public static final String STATE_SUFFIX = "!state";
  /** Prefix of every dead-letter row. */
  public static final String DEAD_LETTER_PREFIX = "~dl:";
  /** Number of salt buckets: salts are {@code 00} to {@code ff}. */
  public static final int SALT_BUCKETS = 256;
  /** Width of a non-negative time field. */
  public static final int TIME_WIDTH = 19;

  private static final char[] HEX_UPPER = "0123456789ABCDEF".toCharArray();
  private static final char[] HEX_LOWER = "0123456789abcdef".toCharArray();

  private RowKeyCodec() {
  }

  /** What kind of row a key names. */
  public enum Kind { EVENT, STATE, DEAD_LETTER }

  /**
   * A decoded row key. For {@link Kind#STATE} the time is 0 and the event id null; for
   * {@link Kind#DEAD_LETTER} only {@code deadLetterDigest} is set.
   */
  public record DecodedKey(Kind kind, String salt, String entityType, String entityId, long eventTimeNanos,
      String eventId, String deadLetterDigest) {
  }

  /** The two-hex-digit salt of an entity. */
  public static String salt(String entityType, String entityId) {
    MessageDigest md5 = MD5.get(); // getInstance costs more than the hash of a short key
    byte[] hash = md5.digest((entityType + SEPARATOR + entityId).getBytes(StandardCharsets.UTF_8));
    int b = hash[0] & 0xff;
    return new String(new char[] {HEX_LOWER[b >>> 4], HEX_LOWER[b & 0xf]});
  }

  /** The entity prefix {@code SS:TYPE:ID|}: every row of the entity starts with it, and no other row does. */
  public static String entityPrefix(String entityType, String entityId) {
    requireText(entityType, "entityType");
    requireText(entityId, "entityId");
    StringBuilder sb = new StringBuilder(entityType.length() + entityId.length() + 8);
    sb.append(salt(entityType, entityId)).append(SEPARATOR);
    escape(entityType, sb);
    sb.append(SEPARATOR);
    escape(entityId, sb);
    return sb.append(DELIMITER).toString();
  }

  /** The state row of an entity. */
  public static String stateRowKey(String entityType, String entityId) {
    return entityPrefix(entityType, entityId) + STATE_SUFFIX;
  }

  /** The event row of one event. */
  public static String eventRowKey(String entityType, String entityId, long eventTimeNanos, String eventId) {
    return eventRowKeyUnder(entityPrefix(entityType, entityId), eventTimeNanos, eventId);
  }

  /** The state row under an entity prefix from {@link #entityPrefix} (saves hashing the entity again). */
  public static String stateRowKeyUnder(String entityPrefix) {
    return entityPrefix + STATE_SUFFIX;
  }

  /** The event row of one event under its entity's prefix from {@link #entityPrefix}. */
  public static String eventRowKeyUnder(String entityPrefix, long eventTimeNanos, String eventId) {
    requireText(eventId, "eventId");
    StringBuilder sb = new StringBuilder(entityPrefix.length() + 48 + eventId.length());
    sb.append(entityPrefix);
    appendTime(eventTimeNanos, sb);
    sb.append(DELIMITER);
    escape(eventId, sb);
    return sb.toString();
  }

  /** The dead-letter row for a digest (any bytes; the first 16 are used). */
  public static String deadLetterRowKey(byte[] digest) {
    if (digest.length < 16) {
      throw new IllegalArgumentException("dead-letter digest must have at least 16 bytes, got " + digest.length);
    }
    StringBuilder sb = new StringBuilder(DEAD_LETTER_PREFIX);
    for (int i = 0; i < 16; i++) {
      sb.append(HEX_LOWER[(digest[i] >>> 4) & 0xf]).append(HEX_LOWER[digest[i] & 0xf]);
    }
    return sb.toString();
  }

  /** The time field: 19 zero-padded digits, or {@code -} and 19 digits of the offset for pre-1970 times. */
  public static String timeField(long eventTimeNanos) {
    StringBuilder sb = new StringBuilder(TIME_WIDTH + 1);
    appendTime(eventTimeNanos, sb);
    return sb.toString();
  }

  /** Parses a time field written by {@link #timeField(long)}. */
  public static long parseTimeField(String field) {
    boolean negative = field.startsWith("-");
    String digits = negative ? field.substring(1) : field;
    if (digits.length() != TIME_WIDTH || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("time field '" + field + "' is not " + TIME_WIDTH + " digits");
    }
    if (negative) {
      // the offset is in [0, 2^63): parse as unsigned and shift back
      return Long.parseLong(digits) + Long.MIN_VALUE;
    }
    return Long.parseLong(digits);
  }

  private static void appendTime(long nanos, StringBuilder sb) {
    long value = nanos;
    if (nanos < 0) {
      sb.append('-');
      value = nanos - Long.MIN_VALUE; // in [0, 2^63 - 1]
    }
    String digits = Long.toString(value);
    for (int i = digits.length(); i < TIME_WIDTH; i++) {
      sb.append('0');
    }
    sb.append(digits);
  }

  /** UTF-8 bytes of a key. */
  public static byte[] toBytes(String key) {
    return key.getBytes(StandardCharsets.UTF_8);
  }

  /** A key from its UTF-8 bytes. */
  public static String fromBytes(byte[] key) {
    return new String(key, StandardCharsets.UTF_8);
  }

  /** True when {@code key} is a dead-letter row. */
  public static boolean isDeadLetter(String key) {
    return key.startsWith(DEAD_LETTER_PREFIX);
  }

  /**
   * Decodes any key this class writes.
   *
   * @throws IllegalArgumentException naming the key when it is not one of ours
   */
  public static DecodedKey decode(String key) {
    if (isDeadLetter(key)) {
      return new DecodedKey(Kind.DEAD_LETTER, null, null, null, 0L, null, key.substring(DEAD_LETTER_PREFIX.length()));
    }
    int end = key.indexOf(DELIMITER);
    if (end < 0) {
      throw bad(key, "no '" + DELIMITER + "' ends the entity prefix");
    }
    String prefix = key.substring(0, end);
    int s1 = prefix.indexOf(SEPARATOR);
    int s2 = s1 < 0 ? -1 : prefix.indexOf(SEPARATOR, s1 + 1);
    if (s1 != 2 || s2 < 0 || prefix.indexOf(SEPARATOR, s2 + 1) >= 0) {
      throw bad(key, "the entity prefix is not SS:TYPE:ID");
    }
    String salt = prefix.substring(0, 2);
    String type = unescape(prefix.substring(s1 + 1, s2));
    String id = unescape(prefix.substring(s2 + 1));
    if (!salt.equals(salt(type, id))) {
      throw bad(key, "salt " + salt + " does not match the entity, expected " + salt(type, id));
    }
    String rest = key.substring(end + 1);
    if (rest.equals(STATE_SUFFIX)) {
      return new DecodedKey(Kind.STATE, salt, type, id, 0L, null, null);
    }
    int d = rest.indexOf(DELIMITER);
    if (d < 0) {
      throw bad(key, "an event row needs TIME" + DELIMITER + "EVENTID after the entity prefix");
    }
    long time;
    try {
      time = parseTimeField(rest.substring(0, d));
    } catch (IllegalArgumentException e) {
      throw bad(key, e.getMessage());
    }
    String eventId = unescape(rest.substring(d + 1));
    if (eventId.isEmpty()) {
      throw bad(key, "the event id is empty");
    }
    return new DecodedKey(Kind.EVENT, salt, type, id, time, eventId, null);
  }

  private static IllegalArgumentException bad(String key, String why) {
    return new IllegalArgumentException("row key '" + key + "' is not an Eventstate key: " + why);
  }

  private static boolean mustEscape(char c) {
    return c == '%' || c == SEPARATOR || c == DELIMITER || c == ' ' || Character.isISOControl(c);
  }

  /** Escapes one key part: see the class documentation. */
  public static String escape(String part) {
    StringBuilder sb = new StringBuilder(part.length() + 8);
    escape(part, sb);
    return sb.toString();
  }

  private static void escape(String part, StringBuilder sb) {
    for (int i = 0; i < part.length(); i++) {
      char c = part.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < part.length() && Character.isLowSurrogate(part.charAt(i + 1))) {
        sb.append(c).append(part.charAt(++i));
      } else if (Character.isSurrogate(c)) {
        sb.append("%u").append(HEX_UPPER[(c >>> 12) & 0xf]).append(HEX_UPPER[(c >>> 8) & 0xf])
            .append(HEX_UPPER[(c >>> 4) & 0xf]).append(HEX_UPPER[c & 0xf]);
      } else if (mustEscape(c)) {
        // every escaped character is ASCII, so its UTF-8 form is one byte
        sb.append('%').append(HEX_UPPER[(c >>> 4) & 0xf]).append(HEX_UPPER[c & 0xf]);
      } else {
        sb.append(c);
      }
    }
  }

  /** Reverses {@link #escape(String)}. */
  public static String unescape(String escaped) {
    StringBuilder sb = new StringBuilder(escaped.length());
    for (int i = 0; i < escaped.length(); i++) {
      char c = escaped.charAt(i);
      if (c != '%') {
        sb.append(c);
        continue;
      }
      if (i + 1 < escaped.length() && escaped.charAt(i + 1) == 'u') {
        sb.append((char) hex(escaped, i + 2, 4));
        i += 5;
      } else {
        sb.append((char) hex(escaped, i + 1, 2));
        i += 2;
      }
    }
    return sb.toString();
  }

  private static int hex(String s, int from, int len) {
    if (from + len > s.length()) {
      throw new IllegalArgumentException("truncated escape in '" + s + "' at " + (from - 1));
    }
    try {
      return Integer.parseInt(s.substring(from, from + len), 16);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad escape in '" + s + "' at " + (from - 1));
    }
  }

  private static void requireText(String value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isEmpty()) {
      throw new IllegalArgumentException(name + " must be a non-empty string");
    }
  }

  private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(() -> digest("MD5"));

  static MessageDigest digest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no " + algorithm, e);
    }
  }
}
