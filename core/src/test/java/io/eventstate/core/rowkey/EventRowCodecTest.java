package io.eventstate.core.rowkey;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.TimeSource;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

class EventRowCodecTest {

  private static CanonicalEvent event(String id, String entity, long nanos) {
    TreeMap<String, String> attrs = new TreeMap<>();
    attrs.put("carrier", "USPS");
    attrs.put("geo.city", "Zürich");
    return new CanonicalEvent(id, "package", entity, "in_transit", nanos, TimeSource.EVENT, attrs,
        new TreeSet<>(List.of("late", "b2b")), ("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8));
  }

  private static Map<String, String> cellsAsText(EventRowCodec.RowWrite w) {
    Map<String, String> m = new LinkedHashMap<>();
    for (EventRowCodec.CellValue c : w.cells()) {
      m.put(c.familyString() + ":" + c.qualifierString(), new String(c.value(), StandardCharsets.UTF_8));
    }
    return m;
  }

  @Test
  void eventRowHasExplicitEventTimeTimestampsAndTextCells() {
    CanonicalEvent e = event("ev-1", "EZ100", 1_457_741_907_959_400_112L);
    EventRowCodec.RowWrite w = EventRowCodec.eventRow(e);
    assertEquals(RowKeyCodec.eventRowKey("package", "EZ100", 1_457_741_907_959_400_112L, "ev-1"), w.rowString());
    for (EventRowCodec.CellValue c : w.cells()) {
      assertEquals(1_457_741_907_959L, c.timestamp(), c.toString());
      assertEquals("e", c.familyString());
    }
    Map<String, String> cells = cellsAsText(w);
    assertEquals("{\"id\":\"ev-1\"}", cells.get("e:body"));
    assertEquals("ev-1", cells.get("e:event_id"));
    assertEquals("package", cells.get("e:entity_type"));
    assertEquals("EZ100", cells.get("e:entity_id"));
    assertEquals("in_transit", cells.get("e:event_type"));
    assertEquals("1457741907959400112", cells.get("e:time_ns"));
    assertEquals("event", cells.get("e:time_source"));
    assertEquals("b2b,late", cells.get("e:tags"));
    assertEquals("Zürich", cells.get("e:a.geo.city"));
    assertEquals("USPS", cells.get("e:a.carrier"));
  }

  @Test
  void replayIsByteIdentical() {
    CanonicalEvent a = event("ev-1", "EZ100", 1_457_741_907_959_400_112L);
    CanonicalEvent b = event("ev-1", "EZ100", 1_457_741_907_959_400_112L);
    assertEquals(EventRowCodec.eventRow(a), EventRowCodec.eventRow(b));
    assertEquals(EventRowCodec.stateTouch(List.of(a)), EventRowCodec.stateTouch(List.of(b)));
  }

  @Test
  void preEpochEventsGetTimestampZero() {
    EventRowCodec.RowWrite w = EventRowCodec.eventRow(event("old", "x", -5_000_000_000L));
    assertTrue(w.cells().stream().allMatch(c -> c.timestamp() == 0L));
    assertEquals(0L, EventRowCodec.cellTimestamp(-1));
    assertEquals(0L, EventRowCodec.cellTimestamp(999_999));
    assertEquals(1L, EventRowCodec.cellTimestamp(1_000_000));
  }

  @Test
  void stateTouchCarriesNewestEventTimeOfTheEntity() {
    CanonicalEvent a = event("1", "E", 3_000_000_000L);
    CanonicalEvent b = event("2", "E", 7_000_000_001L);
    EventRowCodec.RowWrite t = EventRowCodec.stateTouch(List.of(b, a));
    assertEquals(RowKeyCodec.stateRowKey("package", "E"), t.rowString());
    assertEquals(1, t.cells().size());
    EventRowCodec.CellValue c = t.cells().get(0);
    assertEquals("s:touch", c.familyString() + ":" + c.qualifierString());
    assertEquals("7000000001", new String(c.value(), StandardCharsets.UTF_8));
    assertEquals(7_000L, c.timestamp());
    assertThrows(IllegalArgumentException.class, () -> EventRowCodec.stateTouch(List.of(a, event("3", "F", 1))));
    assertThrows(IllegalArgumentException.class, () -> EventRowCodec.stateTouch(List.of()));
  }

  @Test
  void deadLetterIsDeterministicAndKeepsBodyHeadersAndReason() {
    Map<String, String> headers = new TreeMap<>(Map.of("timestamp", "1700000000000", "es.eventId", "x"));
    byte[] body = {(byte) 0xff, 0, 1};
    EventRowCodec.RowWrite a = EventRowCodec.deadLetter(headers, body, "sink-encode", "header es.entityType is missing");
    EventRowCodec.RowWrite b = EventRowCodec.deadLetter(new LinkedHashMap<>(headers), body.clone(), "sink-encode",
        "header es.entityType is missing");
    assertEquals(a, b);
    assertTrue(RowKeyCodec.isDeadLetter(a.rowString()));
    Map<String, EventRowCodec.CellValue> byName = a.cells().stream()
        .collect(Collectors.toMap(c -> c.qualifierString(), c -> c));
    assertArrayEquals(body, byName.get("body").value());
    assertEquals("header es.entityType is missing", new String(byName.get("reason").value(), StandardCharsets.UTF_8));
    assertEquals("x", new String(byName.get("h.es.eventId").value(), StandardCharsets.UTF_8));
    assertEquals(1_700_000_000_000L, byName.get("body").timestamp());
    EventRowCodec.RowWrite other = EventRowCodec.deadLetter(headers, new byte[] {1}, "sink-encode", "r");
    assertNotEquals(a.rowString(), other.rowString());
    EventRowCodec.RowWrite noTs = EventRowCodec.deadLetter(Map.of("timestamp", "soon"), body, "sink-encode", "r");
    assertEquals(0L, noTs.cells().get(0).timestamp());
  }

  @Test
  void entityWritesGroupEventsAndEndWithTheStateTouch() {
    CanonicalEvent a1 = event("1", "A", 10_000_000L);
    CanonicalEvent b1 = event("2", "B", 20_000_000L);
    CanonicalEvent a2 = event("3", "A", 30_000_000L);
    List<EventRowCodec.EntityWrite> w = EventRowCodec.entityWrites(List.of(a1, b1, a2));
    assertEquals(2, w.size());
    assertEquals(List.of(a1, a2), w.get(0).events());
    assertEquals(3, w.get(0).rows().size());
    assertEquals(RowKeyCodec.stateRowKey("package", "A"), RowKeyCodec.fromBytes(w.get(0).stateRow()));
    assertEquals(EventRowCodec.eventRow(a2), w.get(0).rows().get(1));
    assertEquals(List.of(b1), w.get(1).events());
    assertTrue(w.get(0).rows().stream().allMatch(r -> r.rowString().startsWith(w.get(0).entityPrefix())));
    // the grouped rows are the rows each event and each entity's touch get alone
    assertEquals(List.of(EventRowCodec.eventRow(a1), EventRowCodec.eventRow(a2),
        EventRowCodec.stateTouch(List.of(a1, a2))), w.get(0).rows());
    assertEquals(List.of(EventRowCodec.eventRow(b1), EventRowCodec.stateTouch(List.of(b1))), w.get(1).rows());
    assertEquals(RowKeyCodec.entityPrefix("package", "B"), w.get(1).entityPrefix());
  }

  @Test
  void truncatedDeadLetterKeepsRowAndCutsValues() {
    EventRowCodec.RowWrite dl = EventRowCodec.deadLetter(Map.of(), new byte[5000], "sink-encode", "no headers");
    EventRowCodec.RowWrite cut = EventRowCodec.truncated(dl, 100, "too large");
    assertEquals(dl.rowString(), cut.rowString());
    assertTrue(cut.cells().stream().allMatch(c -> c.value().length <= 100));
    String reason = cut.cells().stream().filter(c -> c.qualifierString().equals("reason"))
        .map(c -> new String(c.value(), StandardCharsets.UTF_8)).findFirst().orElseThrow();
    assertEquals("no headers [dead letter truncated: too large]", reason);
  }

  @Test
  void rowsOverHBaseLimitsAreNamedWithTheLimit() {
    assertEquals(null, EventRowCodec.overHBaseLimits(EventRowCodec.eventRow(event("e1", "EZ1", 1L)),
        EventRowCodec.DEFAULT_MAX_CELL_BYTES));
    String reason = EventRowCodec.overHBaseLimits(EventRowCodec.eventRow(event("e1", "E".repeat(33_000), 1L)),
        EventRowCodec.DEFAULT_MAX_CELL_BYTES);
    assertTrue(reason.startsWith("limit: row key of ") && reason.contains("32767"), reason);
    CanonicalEvent big = new CanonicalEvent("e2", "package", "EZ1", "x", 1L, TimeSource.EVENT, new TreeMap<>(),
        new TreeSet<>(), new byte[2000]);
    reason = EventRowCodec.overHBaseLimits(EventRowCodec.eventRow(big), 1000);
    assertTrue(reason.contains("cell body") && reason.contains("hbase.client.keyvalue.maxsize=1000"), reason);
    assertEquals(null, EventRowCodec.overHBaseLimits(EventRowCodec.eventRow(big), 0), "0: no cell limit");
  }
}
