package io.eventstate.core.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JsonPayloadSplitterTest {

  private static List<String> split(Map<String, String> props, String payload) {
    JsonPayloadSplitter.Result r = new JsonPayloadSplitter(SplitterSpec.parse(props)).split(payload.getBytes(StandardCharsets.UTF_8));
    assertTrue(r.isOk(), r.reason());
    List<String> out = new ArrayList<>();
    for (byte[] b : r.events()) {
      out.add(new String(b, StandardCharsets.UTF_8));
    }
    return out;
  }

  private static String reject(Map<String, String> props, String payload) {
    JsonPayloadSplitter.Result r = new JsonPayloadSplitter(SplitterSpec.parse(props)).split(
        payload == null ? null : payload.getBytes(StandardCharsets.UTF_8));
    assertFalse(r.isOk(), payload);
    assertTrue(r.events().isEmpty());
    return r.reason();
  }

  @Test
  void oneObjectIsPassedThroughByteForByte() {
    String o = "{ \"a\" : 1.50 ,\n \"b\": [1, {\"c\": \"x\"}] }";
    assertEquals(List.of(o), split(Map.of(), "  " + o + "\n"));
  }

  @Test
  void arrayOfObjects() {
    assertEquals(List.of("{\"a\":1}", "{ \"b\" : \"é\" }"), split(Map.of(), "[{\"a\":1}, { \"b\" : \"é\" }]"));
  }

  @Test
  void ndjsonAndConcatenatedObjects() {
    assertEquals(List.of("{\"a\":1}", "{\"a\":2}", "{\"a\":3}"), split(Map.of(), "{\"a\":1}\n{\"a\":2}\r\n\n{\"a\":3}"));
    assertEquals(List.of("{\"a\":1}", "{\"a\":2}"), split(Map.of(), "{\"a\":1}{\"a\":2}"));
  }

  @Test
  void explodeCopiesParentFieldsWithExactNumbers() {
    Map<String, String> p = Map.of("explode.path", "/events", "explode.copy", "session:/session, ver:/meta/v, missing:/nope");
    List<String> out = split(p, "{\"events\":[{\"aid\":1517085,\"ts\":1659304800025,\"type\":\"clicks\"},"
        + "{\"aid\":2,\"ts\":1.50,\"type\":\"carts\",\"session\":\"own\"}],\"session\":12345678901234567890,\"meta\":{\"v\":[1,{\"x\":null}]}}");
    assertEquals(List.of(
        "{\"aid\":1517085,\"ts\":1659304800025,\"type\":\"clicks\",\"session\":12345678901234567890,\"ver\":[1,{\"x\":null}]}",
        "{\"aid\":2,\"ts\":1.50,\"type\":\"carts\",\"session\":\"own\",\"ver\":[1,{\"x\":null}]}"), out);
  }

  @Test
  void explodeCopiesStringsAndNestedPaths() {
    Map<String, String> p = Map.of("explode.path", "/object/tracking_details",
        "explode.copy", "tracking_code:/object/tracking_code, carrier:/object/carrier, first:/_source/f");
    List<String> out = split(p, "{\"_source\":{\"f\":1},\"object\":{\"tracking_code\":\"EZ4000000004\",\"tracking_details\":"
        + "[{\"status\":\"pre_transit\",\"datetime\":\"2020-04-08T05:01:22Z\"},{\"status\":\"delivered\",\"msg\":\"a\\\"b\\u00e9\"}],"
        + "\"carrier\":\"USPS\"}}");
    assertEquals(2, out.size());
    assertEquals("{\"status\":\"pre_transit\",\"datetime\":\"2020-04-08T05:01:22Z\",\"tracking_code\":\"EZ4000000004\","
        + "\"carrier\":\"USPS\",\"first\":1}", out.get(0));
    assertEquals("{\"status\":\"delivered\",\"msg\":\"a\\\"bé\",\"tracking_code\":\"EZ4000000004\",\"carrier\":\"USPS\","
        + "\"first\":1}", out.get(1));
  }

  @Test
  void explodeOverAnArrayPayloadAndNdjson() {
    Map<String, String> p = Map.of("explode.path", "/e", "explode.copy", "s:/s");
    assertEquals(List.of("{\"x\":1,\"s\":1}", "{\"x\":2,\"s\":1}", "{\"x\":3,\"s\":2}"),
        split(p, "[{\"s\":1,\"e\":[{\"x\":1},{\"x\":2}]},{\"s\":2,\"e\":[{\"x\":3}]}]"));
    assertEquals(List.of("{\"x\":1,\"s\":true}", "{\"x\":3,\"s\":false}"),
        split(p, "{\"s\":true,\"e\":[{\"x\":1}]}\n{\"e\":[{\"x\":3}],\"s\":false}\n"));
  }

  @Test
  void objectWithoutTheArrayIsPassedThroughWholeAndAnEmptyArrayGivesNoEventButIsCounted() {
    Map<String, String> p = Map.of("explode.path", "/e");
    assertEquals(List.of("{\"s\":1}", "{\"e\":{\"x\":1}}"), split(p, "{\"s\":1}\n{\"e\":[]}\n{\"e\":{\"x\":1}}"));
    JsonPayloadSplitter.Result r = new JsonPayloadSplitter(SplitterSpec.parse(p))
        .split("{\"e\":[]}\n{\"e\":[]}".getBytes(StandardCharsets.UTF_8));
    assertTrue(r.isOk());
    assertEquals(0, r.events().size());
    assertEquals(2, r.emptyArrays());
  }

  @Test
  void explodesThroughSeveralLevelsWithFieldsOfEveryParentLevel() {
    Map<String, String> p = Map.of("explode.path", "/data/items[]/checkpoints[]",
        "explode.copy", "code:/meta/code, item:/data/items[]/id, slug:/data/items[]/slug");
    String payload = "{\"meta\":{\"code\":200},\"data\":{\"items\":[{\"id\":\"a\",\"slug\":\"ups\",\"checkpoints\":"
        + "[{\"t\":1},{\"t\":2,\"slug\":\"own\"}]},{\"id\":\"b\",\"checkpoints\":[]},{\"id\":\"c\",\"checkpoints\":"
        + "[{\"t\":3.50}]}]}}";
    JsonPayloadSplitter.Result r = new JsonPayloadSplitter(SplitterSpec.parse(p)).split(payload.getBytes(StandardCharsets.UTF_8));
    assertTrue(r.isOk(), r.reason());
    List<String> got = r.events().stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
    assertEquals(List.of("{\"t\":1,\"item\":\"a\",\"slug\":\"ups\",\"code\":200}",
        "{\"t\":2,\"slug\":\"own\",\"item\":\"a\",\"code\":200}", "{\"t\":3.50,\"item\":\"c\",\"code\":200}"), got);
    assertEquals(1, r.emptyArrays());
  }

  @Test
  void copyPointersMustLieInAParentLevel() {
    assertThrows(io.eventstate.core.config.ConfigException.class, () -> SplitterSpec.parse(Map.of("explode.path",
        "/data/items[]/checkpoints", "explode.copy", "x:/other[]/id")));
    assertThrows(io.eventstate.core.config.ConfigException.class, () -> SplitterSpec.parse(Map.of("explode.path",
        "/data/items[]/checkpoints", "explode.copy", "x:/data/items[]/checkpoints/0/t")));
  }

  @Test
  void malformedPayloadsAreRejectedWhole() {
    assertTrue(reject(Map.of(), "").contains("empty payload"));
    assertTrue(reject(Map.of(), "[]").contains("empty payload"));
    assertTrue(reject(Map.of(), " [ ]\n").contains("empty payload"));
    assertTrue(reject(Map.of(), null).contains("no payload"));
    assertTrue(reject(Map.of(), "{\"a\":1}\n{\"a\":").contains("malformed JSON"));
    assertTrue(reject(Map.of(), "{\"a\":1}\n42").contains("top-level value 1 is a number"));
    assertTrue(reject(Map.of(), "[{\"a\":1}, 2]").contains("element 1 of the top-level array is a number"));
    assertTrue(reject(Map.of(), "[{\"a\":1}] {}").contains("content after the top-level array"));
    assertTrue(reject(Map.of(), "[{\"a\":1},").contains("malformed JSON"));
    assertTrue(reject(Map.of("explode.path", "/e"), "{\"e\":[{\"x\":1}, \"y\"]}").contains("element 1 of /e is a string"));
    assertTrue(reject(Map.of("limits.maxEvents", "2"), "{}{}{}").contains("limits.maxEvents=2"));
    assertTrue(reject(Map.of("limits.maxPayloadBytes", "5"), "{\"a\":1}").contains("limits.maxPayloadBytes=5"));
    assertTrue(reject(Map.of(), "{\"a\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}").contains("limit"));
    byte[] utf16 = "{\"a\":1}".getBytes(StandardCharsets.UTF_16BE);
    assertFalse(new JsonPayloadSplitter(SplitterSpec.defaults()).split(utf16).isOk());
    byte[] latin1 = "{\"a\":\"é\"}".getBytes(StandardCharsets.ISO_8859_1);
    assertFalse(new JsonPayloadSplitter(SplitterSpec.defaults()).split(latin1).isOk());
  }

  @Test
  void shouldRejectUnknownSplitterKey() {
    String m = assertThrows(IllegalArgumentException.class, () -> SplitterSpec.parse(Map.of("explode.paht", "/e"))).getMessage();
    assertTrue(m.contains("unknown key 'explode.paht'") && m.contains("explode.path"), m);
  }

  @Test
  void shouldRejectBadExplodePath() {
    String m = assertThrows(IllegalArgumentException.class, () -> SplitterSpec.parse(Map.of("explode.path", "events"))).getMessage();
    assertTrue(m.contains("key 'explode.path'") && m.contains("'events'") && m.contains("JSON pointer"), m);
  }

  @Test
  void shouldRejectCopyWithoutExplode() {
    String m = assertThrows(IllegalArgumentException.class, () -> SplitterSpec.parse(Map.of("explode.copy", "s:/s"))).getMessage();
    assertTrue(m.contains("key 'explode.copy'") && m.contains("explode.path"), m);
  }

  @Test
  void shouldRejectBadCopyItem() {
    Map<String, String> p = new HashMap<>();
    p.put("explode.path", "/e");
    p.put("explode.copy", "/s");
    String m = assertThrows(IllegalArgumentException.class, () -> SplitterSpec.parse(p)).getMessage();
    assertTrue(m.contains("key 'explode.copy'") && m.contains("'/s'"), m);
  }

  @Test
  void shouldRejectCopyFromInsideTheExplodedArray() {
    String m = assertThrows(IllegalArgumentException.class, () -> SplitterSpec.parse(
        Map.of("explode.path", "/e", "explode.copy", "x:/e/0/x"))).getMessage();
    assertTrue(m.contains("key 'explode.copy'") && m.contains("/e/0/x") && m.contains("inside"), m);
  }

  @Test
  void shouldRejectBadSplitterLimits() {
    String m = assertThrows(IllegalArgumentException.class, () -> SplitterSpec.parse(Map.of("limits.maxEvents", "0"))).getMessage();
    assertTrue(m.contains("key 'limits.maxEvents'") && m.contains("'0'"), m);
    m = assertThrows(IllegalArgumentException.class, () -> SplitterSpec.parse(Map.of("limits.maxPayloadDepth", "x"))).getMessage();
    assertTrue(m.contains("key 'limits.maxPayloadDepth'") && m.contains("whole number"), m);
  }

  @Test
  void shouldRejectUnknownMappingKeyListingBothKeySets() {
    String m = assertThrows(IllegalArgumentException.class, () -> JsonMapping.parse(Map.of("explode.paht", "/e"))).getMessage();
    assertTrue(m.contains("unknown key 'explode.paht'") && m.contains("explode.path") && m.contains("time.paths"), m);
  }
}
