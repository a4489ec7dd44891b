package io.eventstate.flume.interceptor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.flume.Context;
import org.apache.flume.conf.ConfigurationException;
import org.apache.flume.Event;
import org.apache.flume.event.EventBuilder;
import org.apache.flume.instrumentation.util.JMXPollUtil;
import org.apache.flume.interceptor.Interceptor;
import org.apache.flume.interceptor.InterceptorBuilderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.eventstate.testing.InProcessAgent;

class TaggingInterceptorTest {

  private static final String FQCN = "io.eventstate.flume.interceptor.TaggingInterceptor$Builder";
  private final List<Interceptor> opened = new ArrayList<>();

  @AfterEach
  void close() {
    opened.forEach(Interceptor::close);
  }

  private Interceptor build(String... kv) throws Exception {
    Interceptor.Builder builder = InterceptorBuilderFactory.newInstance(FQCN);
    Map<String, String> m = new HashMap<>();
    m.put("type", FQCN);
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    builder.configure(new Context(m));
    Interceptor interceptor = builder.build();
    interceptor.initialize();
    opened.add(interceptor);
    return interceptor;
  }

  private static Event event(String... kv) {
    Map<String, String> h = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      h.put(kv[i], kv[i + 1]);
    }
    return EventBuilder.withBody("{\"raw\":true}".getBytes(StandardCharsets.UTF_8), h);
  }

  private static Event valid(String eventType, String... kv) {
    Event e = event(kv);
    e.getHeaders().put("es.status", "valid");
    e.getHeaders().put("es.eventType", eventType);
    return e;
  }

  private Interceptor standard(String name) throws Exception {
    return build("name", name, "rules", "testers hot bots junk",
        "rules.testers.if", "attr.test_user equals true", "rules.testers.route", "sampling", "rules.testers.stop", "true",
        "rules.hot.if", "attr.degrees_fahrenheit > 90", "rules.hot.tag", "hot,alert",
        "rules.bots.if", "header.User-Agent regex .*(bot|crawler).*", "rules.bots.gate", "gated",
        "rules.junk.if", "eventType equals heartbeat", "rules.junk.drop", "true");
  }

  @Test
  void appliesEveryActionAndCountsInJmx() throws Exception {
    Interceptor i = standard("tag-unit");
    Event tester = valid("login", "es.attr.test_user", "true", "es.attr.degrees_fahrenheit", "99");
    Event hot = valid("environmental_info", "es.attr.degrees_fahrenheit", "90.5");
    Event bot = valid("page_view", "User-Agent", "Googlebot/2.1", "es.attr.degrees_fahrenheit", "91");
    Event heartbeat = valid("heartbeat");
    Event plain = valid("logout");
    Event invalid = event("es.status", "invalid", "es.route", "deadletter", "es.attr.degrees_fahrenheit", "99");
    List<Event> batch = new ArrayList<>(List.of(tester, hot, bot, heartbeat, plain, invalid));

    List<Event> out = i.intercept(batch);

    assertEquals(List.of(tester, hot, bot, plain, invalid), out);
    assertEquals("sampling", tester.getHeaders().get("es.route"));
    assertNull(tester.getHeaders().get("es.tags"), "stop: later rules do not run");
    assertEquals("alert,hot", hot.getHeaders().get("es.tags"));
    assertNull(hot.getHeaders().get("es.route"));
    assertEquals("gated", bot.getHeaders().get("es.status"));
    assertEquals("gated", bot.getHeaders().get("es.route"));
    assertEquals("rule bots", bot.getHeaders().get("es.reason"));
    assertEquals("tag", bot.getHeaders().get("es.stage"));
    assertEquals("alert,hot", bot.getHeaders().get("es.tags"));
    assertEquals(Map.of("es.status", "valid", "es.eventType", "logout"), plain.getHeaders());
    assertEquals(Map.of("es.status", "invalid", "es.route", "deadletter", "es.attr.degrees_fahrenheit", "99"),
        invalid.getHeaders());
    assertEquals("{\"raw\":true}", new String(hot.getBody(), StandardCharsets.UTF_8));

    Map<String, Long> expected = new HashMap<>();
    expected.put("events.in", 6L);
    expected.put("events.skipped", 1L);
    expected.put("events.unmatched", 1L);
    expected.put("events.tagged", 2L);
    expected.put("events.routed", 1L);
    expected.put("events.gated", 1L);
    expected.put("events.dropped", 1L);
    expected.put("events.failed", 0L);
    expected.put("rule.testers.hits", 1L);
    expected.put("rule.hot.hits", 2L);
    expected.put("rule.bots.hits", 1L);
    expected.put("rule.junk.hits", 1L);
    for (Map.Entry<String, Long> c : expected.entrySet()) {
      assertEquals(c.getValue(), InProcessAgent.counter("interceptor", "tag-unit", c.getKey()), c.getKey());
    }
    assertEquals(expected.keySet().size() + 3, InProcessAgent.counters("interceptor", "tag-unit").size(),
        "the declared counters plus StartTime, StopTime, Type");
    // What -Dflume.monitoring.type=http (and ganglia) serve: Flume's own poll over the MBean server.
    Map<String, String> polled = JMXPollUtil.getAllMBeans().get("INTERCEPTOR.tag-unit");
    assertEquals("6", polled.get("events.in"), String.valueOf(polled));
    assertEquals("2", polled.get("rule.hot.hits"));
  }

  @Test
  void singleEventDropReturnsNull() throws Exception {
    Interceptor i = standard("tag-single");
    assertNull(i.intercept(valid("heartbeat")));
    Event e = valid("login");
    assertSame(e, i.intercept(e));
  }

  @Test
  void neverReturnsMoreEventsThanItGotAndCopesWithImmutableBatches() throws Exception {
    Interceptor i = standard("tag-batch");
    List<Event> immutable = List.of(valid("heartbeat"), valid("login"), valid("heartbeat"));
    List<Event> out = i.intercept(immutable);
    assertEquals(1, out.size());
    assertEquals("login", out.get(0).getHeaders().get("es.eventType"));
    List<Event> none = List.of(valid("login"));
    assertSame(none, i.intercept(none), "nothing dropped: the same list comes back");
  }

  @Test
  void failureKeepsTheEventAndDeadLettersIt() throws Exception {
    Interceptor i = build("name", "tag-fail", "rules", "r", "rules.r.if", "eventType exists", "rules.r.tag", "x",
        "deadLetterRoute", "dlq");
    // A source that hands over read-only headers: the tags cannot be written, the event must still survive.
    Event e = valid("login");
    e.setHeaders(Collections.unmodifiableMap(new HashMap<>(e.getHeaders())));
    Event out = i.intercept(e);
    assertSame(e, out);
    assertEquals("invalid", out.getHeaders().get("es.status"));
    assertEquals("dlq", out.getHeaders().get("es.route"));
    assertEquals("tag", out.getHeaders().get("es.stage"));
    assertTrue(out.getHeaders().get("es.reason").startsWith("internal: tagging failed: UnsupportedOperationException"),
        out.getHeaders().get("es.reason"));
    assertEquals("login", out.getHeaders().get("es.eventType"));
    assertEquals(1L, InProcessAgent.counter("interceptor", "tag-fail", "events.failed"));
  }

  @Test
  void failureInsideTheHeaderMapIsCaught() throws Exception {
    Interceptor i = build("name", "tag-hostile", "rules", "r", "rules.r.if", "attr.x exists", "rules.r.tag", "x");
    Map<String, String> hostile = new HashMap<>(Map.of("es.status", "valid")) {
      @Override
      public String get(Object key) {
        if ("es.attr.x".equals(key)) {
          throw new IllegalStateException("header store broken");
        }
        return super.get(key);
      }
    };
    Event e = EventBuilder.withBody(new byte[0]);
    e.setHeaders(hostile); // EventBuilder would copy the map into a plain HashMap
    Event out = i.intercept(e);
    assertSame(e, out);
    assertEquals("invalid", hostile.get("es.status"));
    assertEquals("deadletter", hostile.get("es.route"));
    assertEquals("internal: tagging failed: IllegalStateException: header store broken", hostile.get("es.reason"));
  }

  @Test
  void longFailureReasonsAreCut() throws Exception {
    Interceptor i = build("name", "tag-long", "rules", "r", "rules.r.if", "attr.x exists", "rules.r.tag", "x");
    String huge = "x".repeat(100_000);
    Map<String, String> hostile = new HashMap<>(Map.of("es.status", "valid")) {
      @Override
      public String get(Object key) {
        if ("es.attr.x".equals(key)) {
          throw new IllegalStateException(huge);
        }
        return super.get(key);
      }
    };
    Event e = EventBuilder.withBody(new byte[0]);
    e.setHeaders(hostile);
    i.intercept(e);
    assertEquals(TaggingInterceptor.MAX_REASON_CHARS, hostile.get("es.reason").length());
    assertTrue(hostile.get("es.reason").endsWith("\u2026"));
  }

  @Test
  void concurrentBatchesKeepExactCounts() throws Exception {
    // Sources such as the HTTP source call the interceptor chain from several threads at once.
    Interceptor i = standard("tag-concurrent");
    int threads = 4;
    int batches = 500;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(pool.submit(() -> {
          int kept = 0;
          for (int b = 0; b < batches; b++) {
            List<Event> batch = new ArrayList<>(List.of(valid("heartbeat"),
                valid("reading", "es.attr.degrees_fahrenheit", "95"), valid("login")));
            List<Event> out = i.intercept(batch);
            kept += out.size();
            assertEquals("alert,hot", out.get(0).getHeaders().get("es.tags"));
          }
          return kept;
        }));
      }
      int kept = 0;
      for (Future<Integer> f : results) {
        kept += f.get(60, TimeUnit.SECONDS);
      }
      long total = (long) threads * batches;
      assertEquals(2 * total, kept);
      assertEquals(3 * total, InProcessAgent.counter("interceptor", "tag-concurrent", "events.in"));
      assertEquals(total, InProcessAgent.counter("interceptor", "tag-concurrent", "events.dropped"));
      assertEquals(total, InProcessAgent.counter("interceptor", "tag-concurrent", "rule.hot.hits"));
      assertEquals(total, InProcessAgent.counter("interceptor", "tag-concurrent", "events.unmatched"));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void nullsPassThrough() throws Exception {
    Interceptor i = standard("tag-null");
    assertNull(i.intercept((Event) null));
    assertNull(i.intercept((List<Event>) null));
  }

  @Test
  void shouldRejectBadConfigurationAtConfigure() throws Exception {
    Interceptor.Builder builder = InterceptorBuilderFactory.newInstance(FQCN);
    ConfigurationException e = assertThrows(ConfigurationException.class, () -> builder.configure(new Context(Map.of(
        "type", FQCN, "rules", "r", "rules.r.if", "attr.t > warm", "rules.r.tag", "x"))));
    assertTrue(e.getMessage().startsWith("TaggingInterceptor: key 'rules.r.if': condition 'attr.t > warm'"),
        e.getMessage());
  }

  @Test
  void shouldRejectUnknownKeyAtConfigure() throws Exception {
    Interceptor.Builder builder = InterceptorBuilderFactory.newInstance(FQCN);
    ConfigurationException e = assertThrows(ConfigurationException.class, () -> builder.configure(new Context(Map.of(
        "type", FQCN, "rules", "r", "rules.r.if", "status exists", "rules.r.tag", "x", "rule.r.tag", "y"))));
    assertTrue(e.getMessage().startsWith("TaggingInterceptor: unknown key 'rule.r.tag' (value 'y')"), e.getMessage());
  }

  @Test
  void shouldRejectBuildWithoutConfigure() throws Exception {
    Interceptor.Builder builder = InterceptorBuilderFactory.newInstance(FQCN);
    assertThrows(IllegalStateException.class, builder::build);
  }
}
