package io.eventstate.core.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.eventstate.core.config.ConfigException;
import io.eventstate.core.event.CanonicalEvent;

/** Value maps, templates, header fields, zones of naive times and fan-out of the normalizer. */
class MappingFeaturesTest {

  private static Map<String, String> base() {
    Map<String, String> p = io.eventstate.core.fsm.TestSupport.props("""
        entity.type = package
        entity.paths = /code
        eventType.paths = /tag
        time.paths = /t
        """);
    return p;
  }

  private static NormalizeResult run(Map<String, String> props, String body, Map<String, String> headers) {
    return new JsonNormalizer(NormalizerSpec.parse(props)).normalize(body.getBytes(StandardCharsets.UTF_8), headers,
        TestPaths.ARRIVAL_AFTER_ALL);
  }

  private static NormalizeResult run(Map<String, String> props, String body) {
    return run(props, body, Map.of());
  }

  @Test
  void eventTypeMapInlineKeepsUnmappedValuesByDefault() {
    Map<String, String> p = base();
    p.put("eventType.map", "InTransit=in_transit, OutForDelivery=out_for_delivery");
    assertEquals("in_transit", run(p, "{\"code\":\"1\",\"tag\":\"InTransit\",\"t\":\"2018-07-31T16:47:00-04:00\"}").event()
        .eventType());
    assertEquals("Pending", run(p, "{\"code\":\"1\",\"tag\":\"Pending\",\"t\":\"2018-07-31T16:47:00-04:00\"}").event()
        .eventType());
  }

  @Test
  void unmappedValuesDefaultedOrDeadLettered() {
    Map<String, String> p = base();
    p.put("eventType.map", "InTransit=in_transit");
    p.put("eventType.map.unmapped", "default");
    p.put("eventType.map.default", "unknown");
    assertEquals("unknown", run(p, "{\"code\":\"1\",\"tag\":\"Pending\",\"t\":0.5e10}").event().eventType());
    p.put("eventType.map.unmapped", "deadletter");
    p.remove("eventType.map.default");
    NormalizeResult r = run(p, "{\"code\":\"1\",\"tag\":\"Pending\",\"t\":1500000000}");
    assertEquals(NormalizeResult.UNMAPPED, r.reasonClass());
    assertTrue(r.reason().contains("'Pending'") && r.reason().contains("eventType.map"), r.reason());
    p.put("eventType.map.unmapped", "drop");
    ConfigException e = assertThrows(ConfigException.class, () -> NormalizerSpec.parse(p));
    assertTrue(e.getMessage().contains("eventType.map.unmapped") && e.getMessage().contains("keep, default or deadletter"));
  }

  @Test
  void attributeMapFromCsvWithInlineOverride(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("sub.csv"), "from,to\nException_001,recoverable\n\"Exception_011\",\"returned, to sender\"\n");
    Map<String, String> p = base();
    p.put("attributes", "detail:/subtag");
    p.put("attributes.map.detail.file", "sub.csv");
    p.put("attributes.map.detail", "Exception_001=hold");
    NormalizerSpec spec = NormalizerSpec.parse(p, dir);
    JsonNormalizer n = new JsonNormalizer(spec);
    assertEquals("hold", n.normalize("{\"code\":\"1\",\"tag\":\"x\",\"t\":1500000000,\"subtag\":\"Exception_001\"}"
        .getBytes(StandardCharsets.UTF_8), Map.of(), TestPaths.ARRIVAL_AFTER_ALL).event().attributes().get("detail"));
    assertEquals("returned, to sender", n.normalize("{\"code\":\"1\",\"tag\":\"x\",\"t\":1500000000,\"subtag\":\"Exception_011\"}"
        .getBytes(StandardCharsets.UTF_8), Map.of(), TestPaths.ARRIVAL_AFTER_ALL).event().attributes().get("detail"));
    p.put("attributes.map.detail.file", "missing.csv");
    ConfigException e = assertThrows(ConfigException.class, () -> NormalizerSpec.parse(p, dir));
    assertTrue(e.getMessage().contains("attributes.map.detail.file") && e.getMessage().contains("missing.csv"), e.getMessage());
  }

  @Test
  void naiveLocalTimesTakeTheDefaultZoneOrOneFromAField() {
    Map<String, String> p = base();
    NormalizeResult noZone = run(p, "{\"code\":\"1\",\"tag\":\"x\",\"t\":\"2021-03-04T10:15:00\"}");
    assertEquals(NormalizeResult.TIME, noZone.reasonClass());
    assertTrue(noZone.reason().contains("time.zone"), noZone.reason());
    p.put("time.zone", "Europe/Berlin");
    assertEquals(java.time.Instant.parse("2021-03-04T09:15:00Z").getEpochSecond() * 1_000_000_000L,
        run(p, "{\"code\":\"1\",\"tag\":\"x\",\"t\":\"2021-03-04T10:15:00\"}").event().eventTimeNanos());
    // a time with an offset keeps its offset
    assertEquals(java.time.Instant.parse("2021-03-04T10:15:00Z").getEpochSecond() * 1_000_000_000L,
        run(p, "{\"code\":\"1\",\"tag\":\"x\",\"t\":\"2021-03-04T10:15:00Z\"}").event().eventTimeNanos());
    p.put("time.zone.paths", "/tz");
    assertEquals(java.time.Instant.parse("2021-03-04T15:15:00Z").getEpochSecond() * 1_000_000_000L + 5,
        run(p, "{\"code\":\"1\",\"tag\":\"x\",\"t\":\"2021-03-04T10:15:00.000000005\",\"tz\":\"America/New_York\"}")
            .event().eventTimeNanos());
    NormalizeResult bad = run(p, "{\"code\":\"1\",\"tag\":\"x\",\"t\":\"2021-03-04T10:15:00\",\"tz\":\"Mars/Olympus\"}");
    assertEquals(NormalizeResult.TIME, bad.reasonClass());
    p.put("time.zone", "Nowhere/Land");
    assertThrows(ConfigException.class, () -> NormalizerSpec.parse(p));
  }

  @Test
  void idTemplatesOverSeveralFieldsAndHeaderFields() {
    Map<String, String> p = io.eventstate.core.fsm.TestSupport.props("""
        entity = issue:{/repository/full_name}#{/issue/number}
        eventType.paths = {header:X-GitHub-Event}.{/action}
        time.paths = /issue/updated_at
        attributes = delivery:header:X-GitHub-Delivery, sender:/sender/login
        eventId.hash = header:X-GitHub-Event, /action, /issue/updated_at
        """);
    String body = "{\"action\":\"opened\",\"issue\":{\"number\":1,\"updated_at\":\"2019-05-15T15:20:18Z\"},"
        + "\"repository\":{\"full_name\":\"Codertocat/Hello-World\"},\"sender\":{\"login\":\"Codertocat\"}}";
    CanonicalEvent e = run(p, body, Map.of("x-github-event", "issues", "X-GitHub-Delivery", "d-1")).event();
    assertEquals("Codertocat/Hello-World#1", e.entityId());
    assertEquals("issues.opened", e.eventType());
    assertEquals("d-1", e.attributes().get("delivery"));
    CanonicalEvent again = run(p, body.replace("\"sender\"", "\"x\":1,\"sender\""), Map.of("X-GitHub-Event", "issues")).event();
    assertEquals(e.eventId(), again.eventId()); // only the chosen fields are hashed
    assertNotEquals(e.eventId(), run(p, body, Map.of("X-GitHub-Event", "issue_comment")).event().eventId());
    // without the header the template has no value: no event type
    assertEquals(NormalizeResult.MISSING_FIELD, run(p, body, Map.of()).reasonClass());
    p.put("entity", "issue:{/repository/full_name#{/issue/number}");
    assertThrows(ConfigException.class, () -> NormalizerSpec.parse(p));
  }

  @Test
  void fanOutGivesOneEventPerEntityEachWithItsOwnDeterministicId() {
    Map<String, String> p = new HashMap<>();
    p.put("entity", "pull_request:{/repository/full_name}#{/number}, user:/sender/login");
    p.put("entity.fanout", "true");
    p.put("eventType.paths", "/action");
    p.put("time.paths", "/t");
    String body = "{\"action\":\"closed\",\"number\":2,\"t\":\"2019-05-15T15:21:18Z\",\"repository\":{\"full_name\":\"o/r\"},"
        + "\"sender\":{\"login\":\"Codertocat\"}}";
    JsonNormalizer n = new JsonNormalizer(NormalizerSpec.parse(p));
    List<NormalizeResult> rs = n.normalizeAll(body.getBytes(StandardCharsets.UTF_8), Map.of(), TestPaths.ARRIVAL_AFTER_ALL);
    assertEquals(2, rs.size());
    assertEquals("o/r#2", rs.get(0).event().entityId());
    assertEquals("user", rs.get(1).event().entityType());
    assertEquals("Codertocat", rs.get(1).event().entityId());
    assertNotEquals(rs.get(0).event().eventId(), rs.get(1).event().eventId());
    List<NormalizeResult> again = n.normalizeAll(body.getBytes(StandardCharsets.UTF_8), Map.of(), TestPaths.ARRIVAL_AFTER_ALL);
    assertEquals(rs.get(1).event().eventId(), again.get(1).event().eventId());
    // a candidate without a value gives no event
    List<NormalizeResult> one = n.normalizeAll(body.replace("\"sender\":{\"login\":\"Codertocat\"}", "\"sender\":null")
        .getBytes(StandardCharsets.UTF_8), Map.of(), TestPaths.ARRIVAL_AFTER_ALL);
    assertEquals(1, one.size());
    assertFalse(one.get(0).event().entityType().equals("user"));
    p.put("entity", "user:/sender/login");
    assertThrows(ConfigException.class, () -> NormalizerSpec.parse(p));
  }
}
