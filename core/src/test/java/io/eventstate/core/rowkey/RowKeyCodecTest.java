package io.eventstate.core.rowkey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** Property tests over random entities, including every character the key structure uses. */
class RowKeyCodecTest {

  /** HBase orders rows by unsigned bytes. */
  private static final Comparator<String> HBASE_ORDER =
      (a, b) -> Arrays.compareUnsigned(RowKeyCodec.toBytes(a), RowKeyCodec.toBytes(b));

  private static final String NASTY = "%:|! ~-0a\u0000\u007f\u00e9\u4e2d\ud83d\ude00";

  private static String randomPart(Random r) {
    int len = 1 + r.nextInt(6);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < len; i++) {
      int pick = r.nextInt(10);
      if (pick < 5) {
        sb.append(NASTY.charAt(r.nextInt(NASTY.length())));
      } else if (pick < 6) {
        sb.append((char) (0xD800 + r.nextInt(0x800))); // lone surrogates too
      } else {
        sb.append((char) ('a' + r.nextInt(3)));
      }
    }
    return sb.toString();
  }

  private static long randomTime(Random r) {
    switch (r.nextInt(5)) {
      case 0: return r.nextLong();
      case 1: return -1L - r.nextInt(1000);
      case 2: return r.nextInt(1000);
      case 3: return r.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE;
      default: return 1_457_741_907_959_400_112L + r.nextInt(1_000_000);
    }
  }

  @Test
  void readableKeysForPlainEntities() {
    String key = RowKeyCodec.eventRowKey("user", "alice", 1_457_741_907_959_400_112L, "e-17");
    String salt = RowKeyCodec.salt("user", "alice");
    assertEquals(salt + ":user:alice|1457741907959400112|e-17", key);
    assertEquals(salt + ":user:alice|!state", RowKeyCodec.stateRowKey("user", "alice"));
    assertTrue(salt.matches("[0-9a-f]{2}"));
  }

  @Test
  void escapesDelimitersInsteadOfRejecting() {
    String key = RowKeyCodec.eventRowKey("a:b", "x|y z%", 5L, "id|1");
    assertTrue(key.endsWith(":a%3Ab:x%7Cy%20z%25|0000000000000000005|id%7C1"), key);
    assertEquals(2, key.chars().filter(c -> c == ':').count(), "exactly two separators in the prefix: " + key);
  }

  @Test
  void saltIsMd5FirstByteOfTypeColonId() throws Exception {
    byte[] md5 = java.security.MessageDigest.getInstance("MD5").digest("user:alice".getBytes("UTF-8"));
    assertEquals(String.format("%02x", md5[0] & 0xff), RowKeyCodec.salt("user", "alice"));
  }

  @Test
  void timeFieldRoundTripsAndSortsAcrossZero() {
    long[] times = {Long.MIN_VALUE, -1_000_000_000L, -1L, 0L, 1L, 1_457_741_907_959_400_112L, Long.MAX_VALUE};
    for (int i = 0; i < times.length; i++) {
      assertEquals(times[i], RowKeyCodec.parseTimeField(RowKeyCodec.timeField(times[i])));
      if (i > 0) {
        assertTrue(HBASE_ORDER.compare(RowKeyCodec.timeField(times[i - 1]), RowKeyCodec.timeField(times[i])) < 0,
            times[i - 1] + " before " + times[i]);
      }
    }
    assertEquals("0000000000000000000", RowKeyCodec.timeField(0));
    assertEquals("-9223372036854775807", RowKeyCodec.timeField(-1));
  }

  @Test
  void roundTripDecode() {
    Random r = new Random(42);
    for (int i = 0; i < 20_000; i++) {
      String type = randomPart(r);
      String id = randomPart(r);
      String eventId = randomPart(r);
      long t = randomTime(r);
      RowKeyCodec.DecodedKey d = RowKeyCodec.decode(RowKeyCodec.eventRowKey(type, id, t, eventId));
      assertEquals(new RowKeyCodec.DecodedKey(RowKeyCodec.Kind.EVENT, RowKeyCodec.salt(type, id), type, id, t, eventId,
          null), d);
      RowKeyCodec.DecodedKey s = RowKeyCodec.decode(RowKeyCodec.stateRowKey(type, id));
      assertEquals(RowKeyCodec.Kind.STATE, s.kind());
      assertEquals(type, s.entityType());
      assertEquals(id, s.entityId());
      assertEquals(type, RowKeyCodec.unescape(RowKeyCodec.escape(type)));
    }
  }

  @Test
  void noCollisionAndNoEntityPrefixIsAPrefixOfAnotherEntitysRow() {
    Random r = new Random(7);
    List<String[]> entities = new ArrayList<>();
    Map<String, String> prefixToEntity = new HashMap<>();
    for (int i = 0; i < 600; i++) {
      String[] e = {randomPart(r), randomPart(r)};
      String prefix = RowKeyCodec.entityPrefix(e[0], e[1]);
      String previous = prefixToEntity.put(prefix, e[0] + "\u0001" + e[1]);
      if (previous != null) {
        assertEquals(previous, e[0] + "\u0001" + e[1], "two entities share prefix " + prefix);
      } else {
        entities.add(e);
      }
    }
    // Adversarial neighbours: one entity's id is another's id plus characters, or the split moves across ':'.
    entities.add(new String[] {"u", "a"});
    entities.add(new String[] {"u", "a|"});
    entities.add(new String[] {"u", "a:b"});
    entities.add(new String[] {"u:a", "b"});
    entities.add(new String[] {"u", "ab"});
    for (String[] a : entities) {
      String pa = RowKeyCodec.entityPrefix(a[0], a[1]);
      assertEquals(pa.length() - 1, pa.indexOf(RowKeyCodec.DELIMITER), "the delimiter ends the prefix and only there");
      for (String[] b : entities) {
        if (a == b || (a[0].equals(b[0]) && a[1].equals(b[1]))) {
          continue;
        }
        String rowOfB = RowKeyCodec.eventRowKey(b[0], b[1], 12L, "x");
        assertFalse(rowOfB.startsWith(pa), pa + " is a prefix of " + rowOfB);
        assertFalse(RowKeyCodec.stateRowKey(b[0], b[1]).startsWith(pa));
        assertNotEquals(pa, RowKeyCodec.entityPrefix(b[0], b[1]));
      }
    }
  }

  @Test
  void entityRowsAreContiguousTimeOrderedAndStateRowComesFirst() {
    Random r = new Random(99);
    List<String[]> entities = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      entities.add(new String[] {randomPart(r), randomPart(r)});
    }
    entities.add(new String[] {"u", "a"});
    entities.add(new String[] {"u", "a|"});
    entities.add(new String[] {"u", "ab"});
    List<String> keys = new ArrayList<>();
    Map<String, String> keyToEntity = new HashMap<>();
    Map<String, Long> keyToTime = new HashMap<>();
    for (String[] e : entities) {
      String entity = RowKeyCodec.entityPrefix(e[0], e[1]);
      String state = RowKeyCodec.stateRowKey(e[0], e[1]);
      keys.add(state);
      keyToEntity.put(state, entity);
      for (int j = 0; j < 20; j++) {
        long t = randomTime(r);
        String k = RowKeyCodec.eventRowKey(e[0], e[1], t, "ev" + j);
        keys.add(k);
        keyToEntity.put(k, entity);
        keyToTime.put(k, t);
      }
    }
    keys.sort(HBASE_ORDER);
    Map<String, Integer> lastIndex = new HashMap<>();
    String previousEntity = null;
    for (int i = 0; i < keys.size(); i++) {
      String k = keys.get(i);
      String entity = keyToEntity.get(k);
      if (!entity.equals(previousEntity)) {
        assertFalse(lastIndex.containsKey(entity), "rows of " + entity + " are not contiguous");
        assertTrue(k.endsWith(RowKeyCodec.STATE_SUFFIX), "the first row of an entity is its state row: " + k);
      } else {
        long t = keyToTime.get(k);
        String prev = keys.get(i - 1);
        if (keyToTime.containsKey(prev)) {
          assertTrue(keyToTime.get(prev) <= t, "time order broken between " + prev + " and " + k);
        }
      }
      lastIndex.put(entity, i);
      previousEntity = entity;
    }
  }

  @Test
  void splitPointCutAtDelimiterFallsOnEntityBoundary() {
    // What the DelimitedKeyPrefix restriction does: cut a split point at its first '|'.
    Random r = new Random(5);
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String type = randomPart(r);
      String id = randomPart(r);
      keys.add(RowKeyCodec.stateRowKey(type, id));
      keys.add(RowKeyCodec.eventRowKey(type, id, randomTime(r), "e"));
      keys.add(RowKeyCodec.eventRowKey(type, id, randomTime(r), "f"));
    }
    for (String splitAt : keys) {
      String cut = splitAt.substring(0, splitAt.indexOf(RowKeyCodec.DELIMITER));
      Map<String, Boolean> sideOfEntity = new HashMap<>();
      for (String k : keys) {
        String entity = k.substring(0, k.indexOf(RowKeyCodec.DELIMITER) + 1);
        boolean below = HBASE_ORDER.compare(k, cut) < 0;
        Boolean seen = sideOfEntity.putIfAbsent(entity, below);
        assertTrue(seen == null || seen == below, "split " + cut + " cuts entity " + entity);
      }
      assertFalse(sideOfEntity.get(splitAt.substring(0, splitAt.indexOf(RowKeyCodec.DELIMITER) + 1)),
          "the entity of the requested split point starts the upper region");
    }
  }

  @Test
  void deadLetterKeysSortAfterEverySaltAndDecode() {
    byte[] digest = new byte[32];
    digest[0] = (byte) 0xab;
    String key = RowKeyCodec.deadLetterRowKey(digest);
    assertEquals("~dl:ab000000000000000000000000000000", key);
    assertTrue(HBASE_ORDER.compare("ff:zzz:zzz|", key) < 0);
    assertEquals(RowKeyCodec.Kind.DEAD_LETTER, RowKeyCodec.decode(key).kind());
  }

  @Test
  void shouldRejectKeysThatAreNotOurs() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RowKeyCodec.decode("hello"));
    assertTrue(e.getMessage().contains("'hello'"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> RowKeyCodec.decode("00:user:alice|!state"));
    assertThrows(IllegalArgumentException.class, () -> RowKeyCodec.decode(
        RowKeyCodec.entityPrefix("u", "a") + "123|x"));
    assertThrows(IllegalArgumentException.class, () -> RowKeyCodec.eventRowKey("", "a", 1, "x"));
  }
}
