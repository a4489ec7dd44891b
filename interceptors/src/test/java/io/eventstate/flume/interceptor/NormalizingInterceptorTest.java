package io.eventstate.flume.interceptor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.conf.ConfigurationException;
import org.apache.flume.event.EventBuilder;
import org.apache.flume.interceptor.Interceptor;
import org.apache.flume.interceptor.InterceptorBuilderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.EventHeaders;

class NormalizingInterceptorTest {

  static final String FQCN = "io.eventstate.flume.interceptor.NormalizingInterceptor$Builder";
  static final String TALK_FLAT = "{\"time_utc\":\"1457741907.959400112\",\"user_id\":\"688b60d1-c361-445b-b2f6-27f2eecfc217\","
      + "\"event_type\":\"button_pressed\",\"button_type\":\"one-click purchase\",\"item_sku\":\"1 23456 78999 9\","
      + "\"item_unit_price\":\"129.99\"}";

  private final List<Interceptor> opened = new ArrayList<>();

  @AfterEach
  void close() {
    opened.forEach(Interceptor::close);
  }

  static Map<String, String> talk() {
    Map<String, String> m = new HashMap<>();
    m.put("type", FQCN);
    m.put("entity", "user:/user_id, device:/device_id");
    m.put("eventType.paths", "/event_type");
    m.put("time.paths", "/time_utc");
    m.put("time.format", "decimal_seconds");
    m.put("attributes", "item_sku:/item_sku, price:/item_unit_price");
    return m;
  }

  private NormalizingInterceptor build(Map<String, String> props) throws Exception {
    return build(props, Clock.fixed(Instant.ofEpochMilli(1_700_000_000_123L), ZoneOffset.UTC));
  }

  private NormalizingInterceptor build(Map<String, String> props, Clock clock) throws Exception {
    Interceptor.Builder b = InterceptorBuilderFactory.newInstance(FQCN);
    b.configure(new Context(props));
    ((NormalizingInterceptor.Builder) b).clock(clock);
    NormalizingInterceptor i = (NormalizingInterceptor) b.build();
    i.initialize();
    opened.add(i);
    return i;
  }

  private static Event event(String body) {
    return EventBuilder.withBody(body, StandardCharsets.UTF_8);
  }

  private static String configError(Map<String, String> props) throws Exception {
    Interceptor.Builder b = InterceptorBuilderFactory.newInstance(FQCN);
    return assertThrows(ConfigurationException.class, () -> b.configure(new Context(props))).getMessage();
  }

  @Test
  void validEventGetsCanonicalHeadersAndKeepsItsBody() throws Exception {
    NormalizingInterceptor i = build(talk());
    Event e = event(TALK_FLAT);
    byte[] body = e.getBody();
    Event out = i.intercept(e);
    assertSame(e, out);
    assertSame(body, out.getBody());
    Map<String, String> h = out.getHeaders();
    assertEquals("valid", h.get(EventHeaders.STATUS));
    assertEquals("valid", h.get(EventHeaders.ROUTE));
    assertEquals("user", h.get(EventHeaders.ENTITY_TYPE));
    assertEquals("688b60d1-c361-445b-b2f6-27f2eecfc217", h.get(EventHeaders.ENTITY_ID));
    assertEquals("button_pressed", h.get(EventHeaders.EVENT_TYPE));
    assertEquals("1457741907959400112", h.get(EventHeaders.EVENT_TIME));
    assertEquals("1457741907959", h.get(EventHeaders.FLUME_TIMESTAMP));
    assertEquals("event", h.get(EventHeaders.TIME_SOURCE));
    assertEquals("1 23456 78999 9", h.get("es.attr.item_sku"));
    assertEquals("129.99", h.get("es.attr.price"));
    assertEquals(32, h.get(EventHeaders.EVENT_ID).length());
    assertNull(h.get(EventHeaders.REASON));
    // the headers read back into the same canonical event
    CanonicalEvent c = EventHeaders.read(h, out.getBody());
    assertEquals(1457741907959400112L, c.eventTimeNanos());
    assertEquals(1, i.counters().get(NormalizingInterceptor.COUNTER_IN));
    assertEquals(1, i.counters().get(NormalizingInterceptor.COUNTER_VALID));
    assertEquals(0, i.counters().get(NormalizingInterceptor.COUNTER_INVALID));
  }

  @Test
  void invalidEventKeepsItsBodyAndIsMarkedRoutedAndCounted() throws Exception {
    NormalizingInterceptor i = build(talk());
    String raw = "{\"user_id\":\"u\",\"event_type\":\"x\",\"time_utc\":\"\"}";
    Event e = event(raw);
    e.getHeaders().put("keep", "me");
    i.intercept(e);
    Map<String, String> h = e.getHeaders();
    assertEquals(raw, new String(e.getBody(), StandardCharsets.UTF_8));
    assertEquals("invalid", h.get(EventHeaders.STATUS));
    assertEquals("deadletter", h.get(EventHeaders.ROUTE));
    assertEquals("normalize", h.get(EventHeaders.STAGE));
    assertTrue(h.get(EventHeaders.REASON).startsWith("missing_field: no time"), h.get(EventHeaders.REASON));
    assertEquals("me", h.get("keep"));
    assertFalse(h.containsKey(EventHeaders.EVENT_ID));

    i.intercept(event("{\"user_id\":\"u\",\"event_type\":\"x\",\"time_utc\":\"soon\"}"));
    i.intercept(event("not json"));
    i.intercept(event("{\"user_id\":\"u\",\"event_type\":\"x\",\"time_utc\":1,\"d\":" + "[".repeat(100) + "]".repeat(100) + "}"));
    assertEquals(4, i.counters().get(NormalizingInterceptor.COUNTER_IN));
    assertEquals(4, i.counters().get(NormalizingInterceptor.COUNTER_INVALID));
    assertEquals(1, i.counters().get("invalid.missing_field"));
    assertEquals(1, i.counters().get("invalid.time"));
    assertEquals(1, i.counters().get("invalid.json"));
    assertEquals(1, i.counters().get("invalid.limit"));
    assertEquals(0, i.counters().get("invalid.internal"));
  }

  @Test
  void batchKeepsEveryEventInOrder() throws Exception {
    NormalizingInterceptor i = build(talk());
    List<Event> batch = new ArrayList<>();
    for (String b : List.of(TALK_FLAT, "", "[1]", TALK_FLAT.replace("user_id", "device_id"))) {
      batch.add(event(b));
    }
    List<Event> copy = new ArrayList<>(batch);
    List<Event> out = i.intercept(batch);
    assertEquals(copy, out);
    assertEquals(List.of("valid", "invalid", "invalid", "valid"),
        out.stream().map(e -> e.getHeaders().get(EventHeaders.STATUS)).collect(java.util.stream.Collectors.toList()));
    assertEquals("device", out.get(3).getHeaders().get(EventHeaders.ENTITY_TYPE));
  }

  @Test
  void customRoutesAndName() throws Exception {
    Map<String, String> p = talk();
    p.put("name", "talk-norm");
    p.put("route.valid", "good");
    p.put("route.invalid", "dlq");
    NormalizingInterceptor i = build(p);
    // registered with Flume monitoring under its name (JMX, and so the http monitoring output)
    javax.management.ObjectName on = new javax.management.ObjectName("org.apache.flume.interceptor:type=talk-norm");
    assertTrue(java.lang.management.ManagementFactory.getPlatformMBeanServer().isRegistered(on));
    assertEquals("good", i.intercept(event(TALK_FLAT)).getHeaders().get(EventHeaders.ROUTE));
    assertEquals("dlq", i.intercept(event("{}")).getHeaders().get(EventHeaders.ROUTE));
    assertEquals(2L, java.lang.management.ManagementFactory.getPlatformMBeanServer().getAttribute(on, "events.in"));
  }

  @Test
  void timeFallbacksAreMarkedAndCounted() throws Exception {
    Map<String, String> p = talk();
    p.put("time.fallback", "header");
    NormalizingInterceptor i = build(p);
    Event h = event("{\"user_id\":\"u\",\"event_type\":\"x\"}");
    h.getHeaders().put("timestamp", "1457741907959");
    i.intercept(h);
    assertEquals("header", h.getHeaders().get(EventHeaders.TIME_SOURCE));
    assertEquals("1457741907959000000", h.getHeaders().get(EventHeaders.EVENT_TIME));
    Event a = i.intercept(event("{\"user_id\":\"u\",\"event_type\":\"x\"}"));
    assertEquals("arrival", a.getHeaders().get(EventHeaders.TIME_SOURCE));
    assertEquals("1700000000123", a.getHeaders().get(EventHeaders.FLUME_TIMESTAMP));
    assertEquals(1, i.counters().get(NormalizingInterceptor.COUNTER_FALLBACK_HEADER));
    assertEquals(1, i.counters().get(NormalizingInterceptor.COUNTER_FALLBACK_ARRIVAL));
  }

  @Test
  void oddEventsNeverThrow() throws Exception {
    NormalizingInterceptor i = build(talk());
    Event noHeaders = EventBuilder.withBody(TALK_FLAT.getBytes(StandardCharsets.UTF_8));
    noHeaders.setHeaders(null);
    assertEquals("valid", i.intercept(noHeaders).getHeaders().get(EventHeaders.STATUS));
    Event frozen = EventBuilder.withBody(TALK_FLAT.getBytes(StandardCharsets.UTF_8), Collections.unmodifiableMap(new HashMap<>()));
    assertEquals("valid", i.intercept(frozen).getHeaders().get(EventHeaders.STATUS));
    Event frozenBad = EventBuilder.withBody("{".getBytes(StandardCharsets.UTF_8), Collections.unmodifiableMap(Map.of("k", "v")));
    assertEquals("invalid", i.intercept(frozenBad).getHeaders().get(EventHeaders.STATUS));
    assertEquals("v", frozenBad.getHeaders().get("k"));
    // counted once each, although the read-only headers made the interceptor start over on a copy
    assertEquals(3, i.counters().get(NormalizingInterceptor.COUNTER_IN));
    assertEquals(1, i.counters().get(NormalizingInterceptor.COUNTER_INVALID));
    Event nullBody = EventBuilder.withBody((byte[]) null);
    assertEquals("invalid", i.intercept(nullBody).getHeaders().get(EventHeaders.STATUS));
    assertNull(i.intercept((Event) null));
    // a clock that fails is an internal reason, not an exception
    Map<String, String> p = talk();
    NormalizingInterceptor broken = build(p, new Clock() {
      @Override
      public java.time.ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        throw new IllegalStateException("clock broke");
      }
    });
    Event e = broken.intercept(event(TALK_FLAT));
    assertEquals("invalid", e.getHeaders().get(EventHeaders.STATUS));
    assertTrue(e.getHeaders().get(EventHeaders.REASON).startsWith("internal: "), e.getHeaders().get(EventHeaders.REASON));
    assertEquals(1, broken.counters().get("invalid.internal"));
  }

  @Test
  void reNormalizingAValidEventClearsAnOldReason() throws Exception {
    NormalizingInterceptor i = build(talk());
    Event e = event(TALK_FLAT);
    e.getHeaders().put(EventHeaders.REASON, "old");
    e.getHeaders().put(EventHeaders.STAGE, "http");
    i.intercept(e);
    assertNull(e.getHeaders().get(EventHeaders.REASON));
    assertNull(e.getHeaders().get(EventHeaders.STAGE));
  }

  @Test
  void fuzzedBodiesAreEachValidOrInvalidWithAReason() throws Exception {
    NormalizingInterceptor i = build(talk());
    Random rnd = new Random(7);
    byte[] seed = TALK_FLAT.getBytes(StandardCharsets.UTF_8);
    int n = 3_000;
    List<Event> batch = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      byte[] b = Arrays.copyOf(seed, rnd.nextInt(seed.length + 1));
      for (int f = rnd.nextInt(3); f > 0 && b.length > 0; f--) {
        b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
      }
      batch.add(EventBuilder.withBody(b));
    }
    List<Event> out = i.intercept(batch);
    assertEquals(n, out.size());
    int valid = 0;
    for (Event e : out) {
      String s = e.getHeaders().get(EventHeaders.STATUS);
      if ("valid".equals(s)) {
        valid++;
      } else {
        assertEquals("invalid", s);
        assertTrue(e.getHeaders().get(EventHeaders.REASON).length() > 0);
        assertFalse(e.getHeaders().get(EventHeaders.REASON).startsWith("internal"), e.getHeaders().get(EventHeaders.REASON));
      }
    }
    assertEquals(n, i.counters().get(NormalizingInterceptor.COUNTER_IN));
    assertEquals(valid, i.counters().get(NormalizingInterceptor.COUNTER_VALID));
    assertEquals(n - valid, i.counters().get(NormalizingInterceptor.COUNTER_INVALID));
    long byClass = 0;
    for (String c : io.eventstate.core.json.NormalizeResult.REASON_CLASSES) {
      byClass += i.counters().get("invalid." + c);
    }
    assertEquals(n - valid, byClass);
  }

  @Test
  void shouldRejectUnknownKey() throws Exception {
    Map<String, String> p = talk();
    p.put("time.fromat", "auto");
    String m = configError(p);
    assertTrue(m.contains("unknown key 'time.fromat'") && m.contains("time.format"), m);
  }

  @Test
  void shouldRejectBadTimeFormat() throws Exception {
    Map<String, String> p = talk();
    p.put("time.format", "millis");
    String m = configError(p);
    assertTrue(m.contains("key 'time.format'") && m.contains("'millis'") && m.contains("epoch_millis"), m);
  }

  @Test
  void shouldRejectBadPointer() throws Exception {
    Map<String, String> p = talk();
    p.put("time.paths", "time_utc");
    String m = configError(p);
    assertTrue(m.contains("key 'time.paths'") && m.contains("'time_utc'"), m);
  }

  @Test
  void shouldRejectBadRoute() throws Exception {
    Map<String, String> p = talk();
    p.put("route.invalid", "dead letter");
    String m = configError(p);
    assertTrue(m.contains("key 'route.invalid'") && m.contains("'dead letter'"), m);
  }

  @Test
  void shouldRejectBadName() throws Exception {
    Map<String, String> p = talk();
    p.put("name", "a b");
    String m = configError(p);
    assertTrue(m.contains("key 'name'") && m.contains("'a b'"), m);
  }

  @Test
  void shouldRejectMissingEntity() throws Exception {
    Map<String, String> p = talk();
    p.remove("entity");
    String m = configError(p);
    assertTrue(m.contains("key 'entity' is missing"), m);
  }

  @Test
  void bodyIsNeverRewritten() throws Exception {
    NormalizingInterceptor i = build(talk());
    byte[] raw = "{\"user_id\":47636,\"event_type\":\"x\",\"time_utc\":1457741907.959400112}".getBytes(StandardCharsets.UTF_8);
    Event e = i.intercept(EventBuilder.withBody(raw.clone()));
    assertArrayEquals(raw, e.getBody());
    assertEquals("47636", e.getHeaders().get(EventHeaders.ENTITY_ID));
    assertEquals("1457741907959400112", e.getHeaders().get(EventHeaders.EVENT_TIME));
  }

  @Test
  void overLongIdsAndFutureTimesAreDeadLetteredAndCountedByClass() throws Exception {
    NormalizingInterceptor i = build(talk());
    Event longEntity = event("{\"time_utc\":\"1457741907.9\",\"user_id\":\"" + "u".repeat(33_000)
        + "\",\"event_type\":\"x\"}");
    Event future = event("{\"time_utc\":\"9223372036.854775807\",\"user_id\":\"u\",\"event_type\":\"x\"}");
    Event fine = event("{\"time_utc\":\"1700000000.0\",\"user_id\":\"u\",\"event_type\":\"x\"}");
    List<Event> out = i.intercept(new ArrayList<>(List.of(longEntity, future, fine)));
    assertEquals(3, out.size());
    assertEquals("deadletter", longEntity.getHeaders().get("es.route"));
    assertTrue(longEntity.getHeaders().get("es.reason").startsWith("limit: entity id"),
        longEntity.getHeaders().get("es.reason"));
    assertEquals("deadletter", future.getHeaders().get("es.route"));
    assertTrue(future.getHeaders().get("es.reason").startsWith("time_future: "), future.getHeaders().get("es.reason"));
    assertEquals("valid", fine.getHeaders().get("es.route"));
    assertEquals(1, i.counters().get("invalid.limit"));
    assertEquals(1, i.counters().get("invalid.time_future"));
    assertEquals(2, i.counters().get(NormalizingInterceptor.COUNTER_INVALID));
  }

  @Test
  void upstreamEsHeadersAreStrippedUnlessTrusted() throws Exception {
    String body = "{\"time_utc\":\"1457741907.9\",\"user_id\":\"u\",\"event_type\":\"x\"}";
    Event e = event(body);
    e.getHeaders().put("es.attr.role", "admin");
    e.getHeaders().put("es.tags", "trusted");
    e.getHeaders().put("es.route", "gated");
    e.getHeaders().put("host", "kept");
    NormalizingInterceptor i = build(talk());
    i.intercept(e);
    assertNull(e.getHeaders().get("es.attr.role"), "an injected attribute never reaches rules or guards");
    assertNull(e.getHeaders().get("es.tags"));
    assertEquals("valid", e.getHeaders().get("es.route"));
    assertEquals("kept", e.getHeaders().get("host"));
    assertEquals(3, i.counters().get(NormalizingInterceptor.COUNTER_STRIPPED));

    Map<String, String> trusting = talk();
    trusting.put("trustUpstreamHeaders", "true");
    Event t = event(body);
    t.getHeaders().put("es.attr.role", "admin");
    build(trusting).intercept(t);
    assertEquals("admin", t.getHeaders().get("es.attr.role"));
    Map<String, String> bad = talk();
    bad.put("trustUpstreamHeaders", "yes");
    assertTrue(configError(bad).contains("trustUpstreamHeaders' value was set to 'yes'"));
  }
}
