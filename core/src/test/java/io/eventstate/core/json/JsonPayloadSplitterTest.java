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

  private static JsonPayloadSplitter.Result result(Map<String, String> props, byte[] payload) {
    return new JsonPayloadSplitter(SplitterSpec.parse(props)).split(payload);
  }

  private static List<String> events(JsonPayloadSplitter.Result r) {
    assertTrue(r.isOk(), r.reason());
    return r.events().stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
  }

  @Test
  void threeLevelsTakeFieldsOfEveryLevelTheNearestWinning() {
    Map<String, String> p = Map.of("explode.path", "/a[]/b[]/c",
        "explode.copy", "top:/top, s:/s, ay:/a[]/y, s:/a[]/s, bz:/a[]/b[]/z");
    String payload = "{\"top\":{\"v\":1},\"s\":\"root\",\"a\":[{\"y\":\"y0\",\"s\":\"a0\",\"b\":[{\"z\":true,\"c\":"
        + "[{\"t\":1},{\"t\":2,\"s\":\"own\"}]},{\"z\":false,\"c\":[]}]},{\"y\":\"y1\",\"b\":[]},{\"b\":[{\"c\":[{\"t\":3}]}]}]}";
    JsonPayloadSplitter.Result r = result(p, payload.getBytes(StandardCharsets.UTF_8));
    // copies follow the element's own fields: the nearest level first, each level in the configured order
    assertEquals(List.of("{\"t\":1,\"bz\":true,\"ay\":\"y0\",\"s\":\"a0\",\"top\":{\"v\":1}}",
        "{\"t\":2,\"s\":\"own\",\"bz\":true,\"ay\":\"y0\",\"top\":{\"v\":1}}",
        "{\"t\":3,\"top\":{\"v\":1},\"s\":\"root\"}"), events(r));
    assertEquals(2, r.emptyArrays(), "a[0].b[1].c and a[1].b");
  }

  @Test
  void emptyArraysAtEveryLevelAreCounted() {
    Map<String, String> p = Map.of("explode.path", "/a[]/b[]/c", "explode.copy", "s:/s, bk:/a[]/b[]/k/0");
    JsonPayloadSplitter.Result r = result(p, ("{\"a\":[]}\n"
        + "{\"s\":1,\"a\":[{\"y\":2,\"b\":[]},{\"b\":[{\"z\":3,\"c\":[]},{\"c\":[{\"t\":4}],\"k\":[5]}]}]}\n"
        + "{\"a\":[{\"b\":[]}]}").getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of("{\"t\":4,\"bk\":5,\"s\":1}"), events(r));
    assertEquals(4, r.emptyArrays());
  }

  @Test
  void aPathThatIsNoArrayPassesTheObjectThroughAtEveryLevel() {
    Map<String, String> p = Map.of("explode.path", "/a[]/b[]/c",
        "explode.copy", "s:/s, ay:/a[]/y, ax:/a[]/nested/x, bz:/a[]/b[]/z");
    String top = "{ \"a\" : {\"x\": 1} , \"s\":0 }";
    JsonPayloadSplitter.Result r = result(p, (top + "\n{\"s\":1,\"a\":[{\"y\":\"y\",\"nested\":{\"x\":9},\"b\":\"str\"},"
        + "{\"y\":\"y2\"},{\"y\":\"y3\",\"b\":[{\"z\":\"z\",\"c\":null,\"k\":1},{\"k\":2,\"c\":{\"t\":1}}]}]}")
        .getBytes(StandardCharsets.UTF_8));
    // top level: byte for byte; below: compact, with the parents' copies (not the element's own level's)
    assertEquals(List.of(top, "{\"y\":\"y\",\"nested\":{\"x\":9},\"b\":\"str\",\"s\":1}", "{\"y\":\"y2\",\"s\":1}",
        "{\"z\":\"z\",\"c\":null,\"k\":1,\"ay\":\"y3\",\"s\":1}", "{\"k\":2,\"c\":{\"t\":1},\"ay\":\"y3\",\"s\":1}"), events(r));
    assertEquals(0, r.emptyArrays());
  }

  @Test
  void anElementThatIsNoObjectRejectsThePayloadAtEveryLevel() {
    Map<String, String> p = Map.of("explode.path", "/a[]/b[]/c");
    assertEquals("element 1 of /a is a number, explode.path must point to an array of objects",
        reject(p, "{\"a\":[{\"b\":[]}, 1]}"));
    assertEquals("element 1 of /b is a string, explode.path must point to an array of objects",
        reject(p, "{\"a\":[{\"b\":[{\"c\":[]},\"x\"]}]}"));
    assertEquals("element 1 of /c is a number, explode.path must point to an array of objects",
        reject(p, "{\"a\":[{\"b\":[{\"c\":[{\"t\":1}, 7]}]}]}"));
    assertEquals("element 0 of /c is an array, explode.path must point to an array of objects",
        reject(p, "{\"a\":[{\"b\":[{\"c\":[[{\"t\":1}]]}]}]}"));
  }

  @Test
  void badJsonAnywhereInAnObjectWinsOverAnElementThatIsNoObjectBeforeIt() {
    Map<String, String> p = Map.of("explode.path", "/a[]/b[]/c");
    assertEquals("malformed JSON: Unrecognized token 'tru': was expecting (JSON String, Number, Array, Object or token "
        + "'null', 'true' or 'false') at line 1, column 37", reject(p, "{\"a\":[{\"b\":[{\"c\":[7]}]}], \"zz\": tru}"));
    // the events of earlier elements count before a later element is looked at
    String twoThenNull = "{\"a\":[{\"b\":[{\"c\":[{\"t\":1},{\"t\":2}]}]},{\"b\":[{\"c\":[null]}]}]}";
    assertEquals("payload gives more than limits.maxEvents=1 events",
        reject(Map.of("explode.path", "/a[]/b[]/c", "limits.maxEvents", "1"), twoThenNull));
    assertEquals("element 0 of /c is null, explode.path must point to an array of objects", reject(p, twoThenNull));
    // an earlier top-level object's events are kept count of before the next object is read
    assertEquals("payload gives more than limits.maxEvents=1 events",
        reject(Map.of("explode.path", "/a[]/b[]/c", "limits.maxEvents", "1"), twoThenNull + "\n{\"a\":"));
  }

  @Test
  void badJsonInsideAnExplodedElementNamesThePayloadsLineAndColumn() {
    Map<String, String> p = Map.of("explode.path", "/a[]/b[]/c", "explode.copy", "s:/s");
    assertEquals("malformed JSON: Unrecognized character escape 'q' (code 113) at line 3, column 31",
        reject(p, "{\"a\":[\n  {\"b\":[\n    {\"c\":[{\"t\":1}, {\"t\":\"bad \\q\"}]}]}]}"));
    byte[] badUtf8 = "{\"s\":1,\"a\":[\n  {\"b\":[\n    {\"c\":[{\"t\":\"é\"}, {\"t\":\"bad ?( \"}]}]}]}"
        .getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < badUtf8.length; i++) {
      if (badUtf8[i] == '?') {
        badUtf8[i] = (byte) 0xC3; // a two-byte sequence cut short by '('
      }
    }
    JsonPayloadSplitter.Result r = result(p, badUtf8);
    assertFalse(r.isOk());
    assertEquals("malformed JSON: Invalid UTF-8 middle byte 0x28 at line 3, column 35", r.reason());
    String cut = reject(p, "{\"s\":1,\"a\":[{\"b\":[{\"c\":[{\"t\":1}]}, {\"c\":[{\"t\":2}");
    assertTrue(cut.startsWith("malformed JSON: Unexpected end-of-input") && cut.endsWith(" at line 1, column 49"), cut);
  }

  @Test
  void numbersKeepTheirExactTextInElementsAndCopiesOfEveryLevel() {
    Map<String, String> p = Map.of("explode.path", "/a[]/c", "explode.copy", "big:/big, f:/a[]/f, e:/a[]/e");
    List<String> out = split(p, "{\"big\":12345678901234567890,\"a\":[{\"f\":3.141592653589793238462643,\"e\":1E+2,"
        + "\"c\":[{\"n\":[1.50,1e5,-0,-0.0,0.1,-2.5E-3]},{\"n\":9007199254740993}]}]}");
    assertEquals(List.of("{\"n\":[1.50,1e5,-0,-0.0,0.1,-2.5E-3],\"f\":3.141592653589793238462643,\"e\":1E+2,"
        + "\"big\":12345678901234567890}",
        "{\"n\":9007199254740993,\"f\":3.141592653589793238462643,\"e\":1E+2,\"big\":12345678901234567890}"), out);
  }

  @Test
  void escapesAreDecodedAndWrittenOnceAsJsonNeedsThem() {
    Map<String, String> p = Map.of("explode.path", "/a[]/c", "explode.copy", "slug:/a[]/slug, m:/m");
    List<String> out = split(p, "{\"m\":\"caf\\u00e9 \\\"q\\\" \\/\",\"a\":[{\"\\u0073lug\":\"\\ud83d\\ude00\",\"c\":"
        + "[{\"t\":\"\\u0001\\n\\t\\\\\",\"\\u0074\\u0032\":\"é😀\"}]}]}");
    // Jackson's writer escapes characters outside the BMP as a surrogate pair, and control characters
    assertEquals(List.of("{\"t\":\"\\u0001\\n\\t\\\\\",\"t2\":\"é\\uD83D\\uDE00\",\"slug\":\"\\uD83D\\uDE00\",\"m\":\"café \\\"q\\\" /\"}"), out);
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
