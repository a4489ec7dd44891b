package io.eventstate.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ConfigReaderTest {

  private static ConfigReader reader(String... kv) {
    Map<String, String> m = new java.util.HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return new ConfigReader("Thing 't'", m);
  }

  private static void rejects(Runnable read, String... mustMention) {
    ConfigException e = assertThrows(ConfigException.class, read::run);
    for (String part : mustMention) {
      assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' should mention " + part);
    }
  }

  @Test
  void declaredKeysPrefixesAndHostKeysPassUnknownOnesAreRejectedInSortedOrder() {
    reader("a", "1", "hbase.x", "2", "type", "t").keys("a").prefix("hbase.").ignore("type").rejectUnknown();
    ConfigException e = assertThrows(ConfigException.class,
        () -> reader("zz", "1", "b", "2", "a", "3").keys("a").prefix("hbase.").ignore("type").rejectUnknown());
    assertEquals("Thing 't': unknown key 'b' (value '2'); valid keys are [a, hbase.*]; check the spelling (keys are"
        + " case-sensitive)", e.getMessage());
    assertEquals("Thing 't'", e.component());
    assertEquals("b", e.key());
  }

  @Test
  void badValueAndMissingKeyHaveOneShape() {
    assertEquals("Thing 't': key 'n' value was set to 'x': must be a whole number from 1 to 9 (default 2)",
        assertThrows(ConfigException.class, () -> reader("n", "x").intValue("n", 2, 1, 9)).getMessage());
    assertEquals("Thing 't': key 'host' is missing: name the host",
        assertThrows(ConfigException.class, () -> reader().required("host", "name the host")).getMessage());
  }

  @Test
  void longValuesAreCutInMessages() {
    String big = "x".repeat(1000);
    String m = assertThrows(ConfigException.class, () -> reader("b", big).bool("b", false)).getMessage();
    assertTrue(m.length() < 400 && m.contains("xxx...'"), m);
  }

  @Test
  void numbersHaveDefaultsAndRanges() {
    assertEquals(2, reader().intValue("n", 2, 1, 9));
    assertEquals(9, reader("n", " 9 ").intValue("n", 2, 1, 9));
    rejects(() -> reader("n", "10").intValue("n", 2, 1, 9), "'10'", "from 1 to 9");
    rejects(() -> reader("n", "0").longValue("n", 2, 1, 9), "'0'", "from 1 to 9");
    rejects(() -> reader("n", "1.5").intValue("n", 2, 1, 9), "whole number");
    assertEquals(70_000, reader("p", "70000").requiredInt("p", 1, 70_000, "fix"));
    rejects(() -> reader().requiredInt("p", 1, 65_535, "set the port"), "key 'p' is missing: set the port");
  }

  @Test
  void booleansTextAndChoices() {
    assertTrue(reader("b", "TRUE").bool("b", false));
    assertFalse(reader().bool("b", false));
    rejects(() -> reader("b", "yes").bool("b", false), "'yes'", "true or false");
    assertEquals("d", reader().text("t", "d"));
    assertNull(reader().optional("t"));
    rejects(() -> reader("t", "  ").text("t", "d"), "must not be empty", "default d");
    assertEquals("SYNC_WAL", reader("d", "sync_wal").oneOf("d", "X", List.of("SKIP_WAL", "SYNC_WAL", "FSYNC_WAL")));
    rejects(() -> reader("f", "xml").oneOf("f", null, List.of("csv", "json")), "must be csv or json");
    rejects(() -> reader("d", "x").oneOf("d", "A", List.of("A", "B", "C")), "must be one of A, B, C (default A)");
    assertEquals(List.of("a", "b"), reader("l", " a, ,b ").list("l"));
    assertEquals(List.of("a", "b", "c"), reader("l", "a b,c").tokens("l"));
    assertEquals(List.of(), reader().list("l"));
  }

  @Test
  void durationsMillisAndSizes() {
    assertEquals(90L * 60_000_000_000L, reader("d", "1h30m").durationNanos("d", 1, 1, Long.MAX_VALUE));
    assertEquals(0, reader("d", "0").durationNanos("d", 1, 0, Long.MAX_VALUE));
    rejects(() -> reader("d", "0").durationNanos("d", 5, 1, Long.MAX_VALUE), "'0'", "from");
    rejects(() -> reader("d", "soon").durationNanos("d", 5, 1, Long.MAX_VALUE), "'soon'", "e.g. 30m");
    assertEquals(500, reader("t", "500").millis("t", 1, 0, 60_000));
    assertEquals(5_000, reader("t", "5s").millis("t", 1, 0, 60_000));
    rejects(() -> reader("t", "2m").millis("t", 1, 0, 60_000), "'2m'", "from 0 ms to 60000 ms");
    rejects(() -> reader("t", "fast").millis("t", 1, 0, 60_000), "'fast'", "duration such as 5s");
    assertEquals(16L << 20, reader("s", "16MiB").sizeBytes("s", 1, 1, 1L << 31));
    assertEquals(64L << 10, reader("s", "64 kib").sizeBytes("s", 1, 1, 1L << 31));
    assertEquals(1024, reader("s", "1024").sizeBytes("s", 1, 1, 1L << 31));
    rejects(() -> reader("s", "3GiB").sizeBytes("s", 1, 1, 1L << 31), "'3GiB'", "bytes");
    rejects(() -> reader("s", "16MB").sizeBytes("s", 1, 1, 1L << 31), "'16MB'", "KiB, MiB or GiB");
  }

  @Test
  void underReturnsPassThroughKeys() {
    assertEquals(Map.of("hbase.a", "1", "hbase.b", "2"), reader("hbase.a", "1", "hbase.b", "2", "c", "3").under("hbase."));
  }
}
