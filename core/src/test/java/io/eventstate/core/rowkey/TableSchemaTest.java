package io.eventstate.core.rowkey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class TableSchemaTest {

  @Test
  void splitPointsAreSaltBoundaries() {
    assertEquals(List.of("40", "80", "c0"), new TableSchema("t", 4).splitPoints());
    assertEquals(List.of(), new TableSchema("t", 1).splitPoints());
    assertEquals(255, new TableSchema("t", 256).splitPoints().size());
    assertEquals(15, TableSchema.defaults().splitPoints().size());
  }

  @Test
  void restrictionDelimiterIsTheRowKeyDelimiter() {
    Map<String, String> v = TableSchema.defaults().tableValues();
    assertEquals("DelimitedKeyPrefix", v.get(TableSchema.SPLIT_RESTRICTION_TYPE_KEY));
    assertEquals(String.valueOf(RowKeyCodec.DELIMITER), v.get(TableSchema.SPLIT_RESTRICTION_DELIMITER_KEY));
    assertEquals(Integer.toString(TableSchema.SCHEMA_VERSION), v.get(TableSchema.MARKER_VERSION_KEY));
  }

  @Test
  void parsesKeys() {
    assertEquals(new TableSchema("ns:ev", 8), TableSchema.parse(Map.of("table", "ns:ev", "regions", "8")));
    assertEquals(TableSchema.defaults(), TableSchema.parse(Map.of()));
  }

  @Test
  void shouldRejectBadRegionsUnknownKeysAndBadNames() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TableSchema.parse(Map.of("regions", "6")));
    assertTrue(e.getMessage().contains("regions") && e.getMessage().contains("6") && e.getMessage().contains("power of two"));
    e = assertThrows(IllegalArgumentException.class, () -> TableSchema.parse(Map.of("regions", "many")));
    assertTrue(e.getMessage().contains("'many'"));
    e = assertThrows(IllegalArgumentException.class, () -> TableSchema.parse(Map.of("tabel", "x")));
    assertTrue(e.getMessage().contains("tabel") && e.getMessage().contains("valid keys"));
    e = assertThrows(IllegalArgumentException.class, () -> TableSchema.parse(Map.of("table", "bad name")));
    assertTrue(e.getMessage().contains("'bad name'"));
  }
}
