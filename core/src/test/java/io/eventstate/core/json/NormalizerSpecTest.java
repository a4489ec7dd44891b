package io.eventstate.core.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class NormalizerSpecTest {

  private static Map<String, String> minimal() {
    Map<String, String> m = io.eventstate.core.fsm.TestSupport.props("""
        entity = user:/user_id
        eventType.paths = /event_type
        time.paths = /time_utc
        """);
    return m;
  }

  private static String reject(Map<String, String> m) {
    return assertThrows(IllegalArgumentException.class, () -> NormalizerSpec.parse(m)).getMessage();
  }

  private static Map<String, String> with(String key, String value) {
    Map<String, String> m = minimal();
    if (value == null) {
      m.remove(key);
    } else {
      m.put(key, value);
    }
    return m;
  }

  private static void assertMentions(String message, String... parts) {
    for (String p : parts) {
      assertTrue(message.contains(p), "'" + message + "' should mention '" + p + "'");
    }
  }

  @Test
  void defaults() {
    NormalizerSpec s = NormalizerSpec.parse(minimal());
    assertEquals(TimeFormat.AUTO, s.timeFormat());
    assertEquals(TimeFallback.NONE, s.timeFallback());
    assertTrue(s.emptyAsMissing());
    assertEquals(1 << 20, s.maxBodyBytes());
    assertEquals(64, s.maxDepth());
    assertEquals(256, s.maxAttributes());
    assertEquals(List.of(new NormalizerSpec.EntityCandidate("user", "/user_id")), s.entity());
    assertEquals(List.of(), s.eventIdPaths());
  }

  @Test
  void parsesEveryKey() {
    Map<String, String> m = minimal();
    m.put("entity", " user:/user_id , device:/device_id,device:/end_device_ids/device_id ");
    m.put("eventId.paths", "/meta/id,/id");
    m.put("eventId.hash", "/session,/ts");
    m.put("eventType.default", "uplink");
    m.put("time.format", "EPOCH_MILLIS");
    m.put("time.fallback", "Header");
    m.put("attributes", "sku:/event_details/puchased_items/0/sku, a.b-c_d:/x");
    m.put("attributes.flatten", "/event_details");
    m.put("coerce.emptyAsMissing", "false");
    m.put("limits.maxBodyBytes", "1000");
    m.put("limits.maxDepth", "1000");
    m.put("limits.maxAttributes", "0");
    m.put("time.min", "2000-01-01T00:00:00Z");
    NormalizerSpec s = NormalizerSpec.parse(m);
    assertEquals(3, s.entity().size());
    assertEquals("device", s.entity().get(2).type());
    assertEquals("/end_device_ids/device_id", s.entity().get(2).pointer());
    assertEquals(List.of("/meta/id", "/id"), s.eventIdPaths());
    assertEquals(List.of("/session", "/ts"), s.eventIdHash());
    assertEquals("uplink", s.eventTypeDefault());
    assertEquals(TimeFormat.EPOCH_MILLIS, s.timeFormat());
    assertEquals(TimeFallback.HEADER, s.timeFallback());
    assertEquals(new NormalizerSpec.NamedPointer("a.b-c_d", "/x"), s.attributes().get(1));
    assertEquals(List.of("/event_details"), s.flatten());
    assertEquals(false, s.emptyAsMissing());
    assertEquals(1000, s.maxBodyBytes());
    assertEquals(1000, s.maxDepth());
    assertEquals(0, s.maxAttributes());
    assertEquals(946_684_800_000_000_000L, s.timeMinNanos());
  }

  @Test
  void constantEntityForm() {
    Map<String, String> m = with("entity", null);
    m.put("entity.type", "package");
    m.put("entity.paths", "/tracking_code");
    assertEquals(List.of(new NormalizerSpec.EntityCandidate("package", "/tracking_code")), NormalizerSpec.parse(m).entity());
  }

  @Test
  void timePathsMayBeOmittedWithAFallback() {
    Map<String, String> m = with("time.paths", null);
    m.put("time.fallback", "arrival");
    assertEquals(List.of(), NormalizerSpec.parse(m).timePaths());
  }

  @Test
  void shouldRejectUnknownKeyListingValidKeys() {
    String msg = reject(with("time.fromat", "auto"));
    assertMentions(msg, "unknown key 'time.fromat'", "'auto'", "time.format", "entity.paths", "limits.maxDepth");
  }

  @Test
  void shouldRejectFlumeTypeKeyInCore() {
    // the interceptor strips Flume's own keys; core sees only its own
    assertMentions(reject(with("type", "x")), "unknown key 'type'");
  }

  @Test
  void shouldRejectPointerWithoutLeadingSlash() {
    assertMentions(reject(with("time.paths", "time_utc")), "key 'time.paths'", "'time_utc'", "not a JSON pointer", "/user_id");
  }

  @Test
  void shouldRejectBadPointerEscape() {
    assertMentions(reject(with("eventType.paths", "/a~2b")), "key 'eventType.paths'", "/a~2b", "~0", "~1");
  }

  @Test
  void shouldRejectBadPointerInEveryPointerKey() {
    for (String key : List.of("eventId.paths", "eventId.hash", "entity.paths", "eventType.paths", "time.paths", "attributes.flatten")) {
      Map<String, String> m = with(key, "nope");
      if (key.equals("entity.paths")) {
        m.remove("entity");
        m.put("entity.type", "user");
      }
      assertMentions(reject(m), "key '" + key + "'", "'nope'");
    }
  }

  @Test
  void shouldRejectEntityCandidateWithoutType() {
    assertMentions(reject(with("entity", "/user_id")), "key 'entity'", "'/user_id'", "type:/pointer");
  }

  @Test
  void shouldRejectEntityCandidateWithBadType() {
    assertMentions(reject(with("entity", "us er:/user_id")), "key 'entity'", "'us er'", "entity type", "letters");
  }

  @Test
  void shouldRejectEntityCandidateWithBadPointer() {
    assertMentions(reject(with("entity", "user:user_id")), "key 'entity'", "'user_id'", "JSON pointer");
  }

  @Test
  void shouldRejectEmptyEntityList() {
    assertMentions(reject(with("entity", " , ")), "key 'entity'", "at least one");
  }

  @Test
  void shouldRejectMissingEntity() {
    assertMentions(reject(with("entity", null)), "key 'entity' is missing", "entity.type");
  }

  @Test
  void shouldRejectBothEntityForms() {
    Map<String, String> m = with("entity.type", "user");
    assertMentions(reject(m), "key 'entity.type'", "not both");
  }

  @Test
  void shouldRejectEntityPathsWithoutType() {
    Map<String, String> m = with("entity", null);
    m.put("entity.paths", "/id");
    assertMentions(reject(m), "key 'entity.type'", "constant entity type");
  }

  @Test
  void shouldRejectEntityTypeWithoutPaths() {
    Map<String, String> m = with("entity", null);
    m.put("entity.type", "package");
    assertMentions(reject(m), "key 'entity.paths'", "at least one pointer");
  }

  @Test
  void shouldRejectBadConstantEntityType() {
    Map<String, String> m = with("entity", null);
    m.put("entity.type", "pack age");
    m.put("entity.paths", "/id");
    assertMentions(reject(m), "key 'entity.type'", "'pack age'", "entity type");
  }

  @Test
  void shouldRejectMissingEventType() {
    assertMentions(reject(with("eventType.paths", null)), "key 'eventType.paths' is missing", "eventType.default");
  }

  @Test
  void shouldRejectEmptyEventTypeDefault() {
    assertMentions(reject(with("eventType.default", " ")), "key 'eventType.default'", "must not be empty");
  }

  @Test
  void shouldRejectMissingTimeWithoutFallback() {
    assertMentions(reject(with("time.paths", null)), "key 'time.paths' is missing", "time.fallback");
  }

  @Test
  void shouldRejectBadTimeFormat() {
    assertMentions(reject(with("time.format", "epoch_ms")), "key 'time.format'", "'epoch_ms'", "epoch_millis", "decimal_seconds", "auto");
  }

  @Test
  void shouldRejectBadTimeFallback() {
    assertMentions(reject(with("time.fallback", "now")), "key 'time.fallback'", "'now'", "none, header, arrival");
  }

  @Test
  void shouldRejectBadTimeMin() {
    assertMentions(reject(with("time.min", "2000-01-01")), "key 'time.min'", "'2000-01-01'", "ISO-8601", "2000-01-01T00:00:00Z");
  }

  @Test
  void shouldRejectAttributeWithoutName() {
    assertMentions(reject(with("attributes", "/sku")), "key 'attributes'", "'/sku'", "attribute name:/pointer");
  }

  @Test
  void shouldRejectAttributeWithBadName() {
    assertMentions(reject(with("attributes", "a b:/sku")), "key 'attributes'", "'a b'", "attribute name");
  }

  @Test
  void shouldRejectBadBoolean() {
    assertMentions(reject(with("coerce.emptyAsMissing", "yes")), "key 'coerce.emptyAsMissing'", "'yes'", "true or false");
  }

  @Test
  void shouldRejectBadNumbers() {
    assertMentions(reject(with("limits.maxBodyBytes", "1MB")), "key 'limits.maxBodyBytes'", "'1MB'", "whole number");
    assertMentions(reject(with("limits.maxDepth", "0")), "key 'limits.maxDepth'", "'0'", "from 1 to 1000");
    assertMentions(reject(with("limits.maxDepth", "10000")), "key 'limits.maxDepth'", "'10000'", "from 1 to 1000");
    assertMentions(reject(with("limits.maxAttributes", "-1")), "key 'limits.maxAttributes'", "'-1'", "from 0");
    assertMentions(reject(with("limits.maxBodyBytes", "99999999999999999999")), "key 'limits.maxBodyBytes'", "whole number");
  }

  @Test
  void specIsImmutable() {
    NormalizerSpec s = NormalizerSpec.parse(with("attributes", "a:/a"));
    assertThrows(UnsupportedOperationException.class, () -> s.attributes().add(new NormalizerSpec.NamedPointer("b", "/b")));
    assertThrows(UnsupportedOperationException.class, () -> s.timePaths().clear());
  }

  @Test
  void limitsAndFutureSkewDefaultsStayInsideHBaseLimits() {
    NormalizerSpec s = NormalizerSpec.parse(minimal());
    assertEquals(256, s.maxEventIdLength());
    assertEquals(64, s.maxEntityTypeLength());
    assertEquals(1024, s.maxEntityIdLength());
    assertEquals(256, s.maxEventTypeLength());
    assertEquals(65536, s.maxAttributeValueBytes());
    assertEquals(3_600_000_000_000L, s.maxFutureSkewNanos());
    // every key part at its upper bound, each character escaped to 6 bytes, still fits HBase's 32767-byte row key
    assertTrue(6L * 3 * NormalizerSpec.MAX_KEY_PART_LENGTH + 64 < Short.MAX_VALUE);
  }

  @Test
  void shouldRejectLimitsOutOfRange() {
    Map<String, String> m = minimal();
    m.put("limits.maxEntityIdLength", "40000");
    assertMentions(assertThrows(IllegalArgumentException.class, () -> NormalizerSpec.parse(m)).getMessage(),
        "limits.maxEntityIdLength", "40000");
    Map<String, String> m2 = minimal();
    m2.put("limits.maxAttributeValueBytes", "0");
    assertMentions(assertThrows(IllegalArgumentException.class, () -> NormalizerSpec.parse(m2)).getMessage(),
        "limits.maxAttributeValueBytes", "0");
  }

  @Test
  void shouldRejectBadFutureSkew() {
    Map<String, String> m = minimal();
    m.put("time.maxFutureSkew", "soon");
    assertMentions(assertThrows(IllegalArgumentException.class, () -> NormalizerSpec.parse(m)).getMessage(),
        "time.maxFutureSkew", "soon", "30m");
  }

  @Test
  void shouldRejectEntityTypeLongerThanItsLimit() {
    Map<String, String> m = minimal();
    m.put("limits.maxEntityTypeLength", "3");
    assertMentions(assertThrows(IllegalArgumentException.class, () -> NormalizerSpec.parse(m)).getMessage(),
        "user", "limits.maxEntityTypeLength=3");
  }
}
