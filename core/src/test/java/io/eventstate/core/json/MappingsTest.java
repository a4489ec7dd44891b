package io.eventstate.core.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.eventstate.core.event.CanonicalEvent;

/** Every mapping file in conf/flume/mappings against every record of its data set. */
class MappingsTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static JsonMapping mapping(String name) throws IOException {
    return JsonMapping.load(TestPaths.mappings().resolve(name + ".properties"));
  }

  private static Path data(String rel) {
    return TestPaths.sampleData().resolve(rel);
  }

  /** Splits a payload with the mapping's splitter, then normalizes every event. */
  private static List<NormalizeResult> run(JsonMapping m, byte[] payload) {
    JsonPayloadSplitter.Result split = new JsonPayloadSplitter(m.splitter()).split(payload);
    assertTrue(split.isOk(), split.reason());
    JsonNormalizer n = new JsonNormalizer(m.normalizer());
    List<NormalizeResult> out = new ArrayList<>();
    for (byte[] e : split.events()) {
      out.add(n.normalize(e, Map.of(), TestPaths.ARRIVAL_AFTER_ALL));
    }
    return out;
  }

  private static List<CanonicalEvent> valid(List<NormalizeResult> rs) {
    return rs.stream().filter(NormalizeResult::isValid).map(NormalizeResult::event).collect(Collectors.toList());
  }

  private static List<NormalizeResult> invalid(List<NormalizeResult> rs) {
    return rs.stream().filter(r -> !r.isValid()).collect(Collectors.toList());
  }

  @Test
  void everyMappingFileParses() throws IOException {
    try (Stream<Path> files = Files.list(TestPaths.mappings())) {
      List<Path> all = files.filter(f -> f.toString().endsWith(".properties")).collect(Collectors.toList());
      assertEquals(9, all.size(), all.toString());
      for (Path f : all) {
        JsonMapping.load(f);
      }
    }
  }

  @Test
  void talk() throws IOException {
    List<NormalizeResult> rs = run(mapping("talk"), Files.readAllBytes(data("seed/events.jsonl")));
    assertEquals(4, rs.size());
    assertEquals(List.of(), invalid(rs));
    List<CanonicalEvent> es = valid(rs);
    for (CanonicalEvent e : es) {
      assertEquals(1457741907959400112L, e.eventTimeNanos(), e.toString());
    }
    assertEquals("device:c361-445b-b2f6-27f2eecfc217", es.get(0).entity());
    assertEquals("environmental_info", es.get(0).eventType());
    assertEquals("72", es.get(0).attributes().get("degrees_fahrenheit"));
    assertEquals("user:688b60d1-c361-445b-b2f6-27f2eecfc217", es.get(1).entity());
    assertEquals("login", es.get(1).eventType());
    // flat and nested purchase: the same facts under the same attribute names
    for (CanonicalEvent e : es.subList(2, 4)) {
      assertEquals("button_pressed", e.eventType());
      assertEquals("1 23456 78999 9", e.attributes().get("item_sku"));
      assertEquals("Tony's Run-flat Tire", e.attributes().get("item_description"));
      assertEquals("129.99", e.attributes().get("item_unit_price"));
      assertEquals("one-click purchase", e.attributes().get("button_type"));
    }
    assertEquals("4", es.get(3).attributes().get("item_quantity"));
    assertEquals("1 23456 78999 9", es.get(3).attributes().get("event_details.puchased_items.0.sku"));
    assertEquals(4, es.stream().map(CanonicalEvent::eventId).distinct().count());
  }

  @Test
  void easypostTrackers() throws IOException {
    List<NormalizeResult> rs = run(mapping("easypost-trackers"), Files.readAllBytes(data("real/easypost/extracted/trackers.jsonl")));
    // 67 trackers, 279 tracking details in all
    assertEquals(279, rs.size());
    List<NormalizeResult> bad = invalid(rs);
    assertEquals(1, bad.size());
    assertEquals(NormalizeResult.MISSING_FIELD, bad.get(0).reasonClass());
    assertTrue(bad.get(0).reason().contains("no time"), bad.get(0).reason());

    List<CanonicalEvent> es = valid(rs);
    assertEquals(278, es.size());
    for (CanonicalEvent e : es) {
      assertEquals("package", e.entityType());
    }
    List<CanonicalEvent> ez4 = es.stream().filter(e -> e.entityId().equals("EZ4000000004")).collect(Collectors.toList());
    // 8 scans from the 2020 go cassette (USPS) + 6 from the 2014 documentation webhook (UPS)
    assertEquals(14, ez4.size());
    List<CanonicalEvent> usps = ez4.stream().filter(e -> "USPS".equals(e.attributes().get("carrier"))).collect(Collectors.toList());
    assertEquals(8, usps.size());
    assertEquals(List.of("pre_transit", "pre_transit", "in_transit", "in_transit", "in_transit", "in_transit",
        "out_for_delivery", "delivered"), usps.stream().map(CanonicalEvent::eventType).collect(Collectors.toList()));
    assertEquals(1586322082_000000000L, usps.get(0).eventTimeNanos()); // 2020-04-08T05:01:22Z
    assertEquals(1586671822_000000000L, usps.get(7).eventTimeNanos()); // 2020-04-12T06:10:22Z
    assertEquals("delivered", usps.get(0).attributes().get("tracker_status"));
    // EZ7000000007's only detail is the invalid one
    assertFalse(es.stream().anyMatch(e -> e.entityId().equals("EZ7000000007")));
    // user_id 47636 (an int) on 2020 trackers is not copied, but the carrier is everywhere
    assertTrue(es.stream().allMatch(e -> e.attributes().containsKey("carrier")));
  }

  @Test
  void easypostEvents() throws IOException {
    List<NormalizeResult> rs = run(mapping("easypost-events"), Files.readAllBytes(data("real/easypost/extracted/events.jsonl")));
    assertEquals(16, rs.size());
    assertEquals(List.of(), invalid(rs));
    List<CanonicalEvent> es = valid(rs);
    // the duplicate delivery keeps its id
    assertEquals(15, es.stream().map(CanonicalEvent::eventId).distinct().count());
    assertEquals(2, es.stream().filter(e -> e.entityType().equals("package")).count());
    CanonicalEvent doc = es.stream().filter(e -> e.entityId().equals("EZ4000000004")).findFirst().orElseThrow();
    assertEquals("tracker.updated", doc.eventType());
    assertEquals("unknown", doc.attributes().get("previous_status"));
    assertEquals("delivered", doc.attributes().get("status"));
    CanonicalEvent first = es.get(0);
    assertEquals("evt_36940ed69d634b92bfec365705549936", first.eventId());
    assertEquals("account:user_66bb044575114f29930ae33901f6c9a6", first.entity());
    assertEquals(1591736402_000000000L, first.eventTimeNanos()); // 2020-06-09T21:00:02.000Z
    CanonicalEvent millis = es.stream().filter(e -> e.eventId().equals("evt_ebde5d3cfac311ef84522bd0c5c586a1")).findFirst().orElseThrow();
    assertEquals(1741290485_456000000L, millis.eventTimeNanos()); // 2025-03-06T19:48:05.456Z
  }

  @Test
  void otto() throws IOException {
    List<NormalizeResult> rs = run(mapping("otto"), Files.readAllBytes(data("real/otto-sessions/train.jsonl")));
    assertEquals(862, rs.size());
    assertEquals(List.of(), invalid(rs));
    List<CanonicalEvent> es = valid(rs);
    Set<String> ids = new HashSet<>();
    for (CanonicalEvent e : es) {
      ids.add(e.eventId());
      assertEquals("user", e.entityType());
    }
    assertEquals(862, ids.size());
    Map<String, Long> byType = new TreeMap<>(es.stream().collect(Collectors.groupingBy(CanonicalEvent::eventType, Collectors.counting())));
    assertEquals(Map.of("carts", 52L, "clicks", 800L, "orders", 10L), byType);
    assertEquals(20, es.stream().map(CanonicalEvent::entityId).distinct().count());
    CanonicalEvent e0 = es.get(0);
    assertEquals("user:0", e0.entity());
    assertEquals("clicks", e0.eventType());
    assertEquals(1659304800025_000000L, e0.eventTimeNanos());
    assertEquals("1517085", e0.attributes().get("aid"));
    // the 5 exact timestamp ties keep distinct ids
    Map<String, List<CanonicalEvent>> ties = es.stream().collect(Collectors.groupingBy(e -> e.entityId() + "@" + e.eventTimeNanos()));
    List<List<CanonicalEvent>> tied = ties.values().stream().filter(l -> l.size() > 1).collect(Collectors.toList());
    assertEquals(4, tied.size());
    for (List<CanonicalEvent> l : tied) {
      assertEquals(l.size(), l.stream().map(CanonicalEvent::eventId).distinct().count());
    }
  }

  @Test
  void lorawan() throws IOException {
    JsonMapping m = mapping("lorawan");
    Map<String, List<NormalizeResult>> byFile = new TreeMap<>();
    List<String> rejected = new ArrayList<>();
    try (Stream<Path> files = Files.walk(data("real/lorawan-uplinks"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().collect(Collectors.toList())) {
        JsonPayloadSplitter.Result split = new JsonPayloadSplitter(m.splitter()).split(Files.readAllBytes(f));
        if (!split.isOk()) {
          rejected.add(f.getFileName() + ": " + split.reason());
          continue;
        }
        JsonNormalizer n = new JsonNormalizer(m.normalizer());
        byFile.put(f.getFileName().toString(), split.events().stream().map(b -> n.normalize(b, Map.of(), TestPaths.ARRIVAL_AFTER_ALL)).collect(Collectors.toList()));
      }
    }
    // decoded_fields.json is not valid JSON (an extra '}'): the payload is rejected whole
    assertEquals(1, rejected.size(), rejected.toString());
    assertTrue(rejected.get(0).startsWith("decoded_fields.json: malformed JSON"), rejected.get(0));
    assertEquals(11, byFile.size());
    // json_payload.json is a decoded payload fragment, not an uplink: no device id
    NormalizeResult frag = byFile.get("json_payload.json").get(0);
    assertEquals(NormalizeResult.MISSING_FIELD, frag.reasonClass());

    CanonicalEvent v2 = byFile.get("ttn_mqtt_message.json").get(0).event();
    assertEquals("device:ttgo_mac", v2.entity());
    assertEquals(1555873914660942013L, v2.eventTimeNanos()); // 2019-04-21T19:11:54.660942013Z
    assertEquals("uplink", v2.eventType());
    assertEquals("33", v2.attributes().get("counter"));
    assertEquals("000084B14CA4AE30", v2.attributes().get("dev_eui"));

    CanonicalEvent v3 = byFile.get("ttnv3_mqtt_message.json").get(0).event();
    assertEquals("device:fijnstofmeter", v3.entity());
    assertEquals(1612476765761243856L, v3.eventTimeNanos()); // 2021-02-04T22:12:45.761243856Z
    assertEquals("7", v3.attributes().get("counter"));

    CanonicalEvent helium = byFile.get("helium_uplink.json").get(0).event();
    assertEquals("device:0004A30B001F21FA", helium.entity());
    assertEquals(1631457565832_000000L, helium.eventTimeNanos());
    assertEquals("0", helium.attributes().get("counter"));

    List<NormalizeResult> cdp = byFile.get("cdp_message.json");
    assertEquals(1, cdp.size());
    assertEquals("device:IMEI:868333030676163", cdp.get(0).event().entity());
    assertEquals(1615660679246_000000L, cdp.get(0).event().eventTimeNanos());

    CanonicalEvent retry = byFile.get("uplink_with_retry.json").get(0).event();
    assertEquals("device:icspace22", retry.entity());
    assertEquals("true", retry.attributes().get("is_retry"));
    assertEquals("286", retry.attributes().get("counter"));

    long validCount = byFile.values().stream().flatMap(List::stream).filter(NormalizeResult::isValid).count();
    assertEquals(10, validCount);
  }

  @Test
  void wikimedia() throws IOException {
    List<NormalizeResult> rs = run(mapping("wikimedia"), Files.readAllBytes(data("real/wikimedia-recentchange/wikimedia.ndjson")));
    assertEquals(100, rs.size());
    assertEquals(List.of(), invalid(rs));
    List<CanonicalEvent> es = valid(rs);
    assertEquals(100, es.stream().map(CanonicalEvent::eventId).distinct().count());
    assertEquals(81, es.stream().map(CanonicalEvent::entityId).distinct().count());
    CanonicalEvent e = es.get(0);
    assertEquals("0416300b-980c-45bb-b0a2-c9d7a9e2b7eb", e.eventId());
    assertEquals("user:87.12.215.232", e.entity());
    assertEquals("edit", e.eventType());
    assertEquals(1690617099_000000000L, e.eventTimeNanos());
    assertEquals("EFL Championship", e.attributes().get("title"));
    assertEquals("false", e.attributes().get("bot"));
    assertEquals("1659529639", e.attributes().get("rcid"));
    // the two clocks agree on every event
    for (CanonicalEvent x : es) {
      JsonNode raw = MAPPER.readTree(x.body());
      assertEquals(raw.get("timestamp").asLong() * 1_000_000_000L, x.eventTimeNanos());
    }
  }

  private static List<byte[]> sequenceEvents(Path file) throws IOException {
    List<byte[]> out = new ArrayList<>();
    JsonNode root = MAPPER.readTree(file.toFile());
    for (Map.Entry<String, JsonNode> seq : root.properties()) {
      if (seq.getKey().startsWith("testEventSequence_")) {
        for (JsonNode ev : seq.getValue()) {
          out.add(MAPPER.writeValueAsBytes(ev));
        }
      }
    }
    return out;
  }

  @Test
  void eyevinn() throws IOException {
    JsonMapping m = mapping("eyevinn");
    JsonNormalizer n = new JsonNormalizer(m.normalizer());
    Path dir = data("real/video-player-sessions-eyevinn/json");
    List<byte[]> valid = sequenceEvents(dir.resolve("valid_sequences.json"));
    List<byte[]> invalid = sequenceEvents(dir.resolve("invalid_sequences.json"));
    assertEquals(30, valid.size());
    assertEquals(31, invalid.size());
    List<byte[]> both = new ArrayList<>(valid);
    both.addAll(invalid);
    for (byte[] b : both) {
      NormalizeResult r = n.normalize(b, Map.of(), TestPaths.ARRIVAL_AFTER_ALL);
      assertTrue(r.isValid(), r.reason());
      assertEquals("video_session:123-214-234", r.event().entity());
      assertTrue(r.event().eventTimeNanos() >= 1640193000_000000000L && r.event().eventTimeNanos() < 1640193100_000000000L);
    }
    CanonicalEvent error = n.normalize(valid.get(3), Map.of(), TestPaths.ARRIVAL_AFTER_ALL).event();
    assertEquals("error", error.eventType());
    assertEquals("500", error.attributes().get("payload.code"));
    assertEquals(1640193001_000000000L, error.eventTimeNanos());

    // the event sink fixtures: timestamps -1, 0, "" or absent: every one is dead-lettered with a reason
    JsonNode sink = MAPPER.readTree(dir.resolve("eventsink_test_events.json").toFile());
    Map<String, Long> reasons = new TreeMap<>();
    int count = 0;
    for (String key : List.of("valid_events", "invalid_events")) {
      for (JsonNode ev : sink.get(key)) {
        NormalizeResult r = n.normalize(MAPPER.writeValueAsBytes(ev), Map.of(), TestPaths.ARRIVAL_AFTER_ALL);
        assertFalse(r.isValid(), ev.toString());
        reasons.merge(r.reasonClass(), 1L, Long::sum);
        count++;
      }
    }
    assertEquals(31, count);
    // absent (8 invalid_events) or "" (1) timestamps: missing; -1 (2) and 0 (13 valid_events, 7 invalid_events): time
    assertEquals(Map.of(NormalizeResult.MISSING_FIELD, 9L, NormalizeResult.TIME, 22L), reasons);
  }
}
