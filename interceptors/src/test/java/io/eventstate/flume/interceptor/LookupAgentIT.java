package io.eventstate.flume.interceptor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.flume.Event;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.eventstate.testing.InProcessAgent;
import io.eventstate.testing.RecordingSink;

/** A real agent with the LookupInterceptor: decoration, a reload on change, a refused oversized file. */
class LookupAgentIT {

  private static final String JSON = "application/json; charset=UTF-8";
  private static final AtomicInteger IDS = new AtomicInteger();

  @TempDir
  Path work;

  private Path conf;
  private Path lookup;

  @BeforeEach
  void setUp() throws Exception {
    conf = Path.of(getClass().getResource("/flume/lookup-agent.properties").toURI());
    lookup = work.resolve("plans.csv");
    RecordingSink.clearAll();
  }

  private void writeLookup(String text, long mtime) throws Exception {
    Files.writeString(lookup, text, StandardCharsets.UTF_8);
    Files.setLastModifiedTime(lookup, FileTime.fromMillis(mtime));
  }

  private static String event(String entityId) {
    return "[{\"headers\":{\"es.status\":\"valid\",\"es.eventId\":\"e" + IDS.incrementAndGet()
        + "\",\"es.entityType\":\"user\",\"es.entityId\":\"" + entityId + "\",\"es.eventType\":\"login\"},"
        + "\"body\":\"{}\"}]";
  }

  private Map<String, String> postAndReceive(InProcessAgent agent, String entityId) {
    int before = RecordingSink.events("rec").size();
    assertEquals(200, agent.post("http", event(entityId), JSON).statusCode());
    await().atMost(Duration.ofSeconds(30)).until(() -> RecordingSink.events("rec").size() == before + 1);
    List<Event> all = RecordingSink.events("rec");
    return all.get(all.size() - 1).getHeaders();
  }

  @Test
  void decoratesReloadsOnChangeAndKeepsTheTableWhenAFileIsOverTheBound() throws Exception {
    writeLookup("entityId,plan,region,secret\nu1,gold,eu,x\nu2,silver,us,y\n", 1_000_000);
    try (InProcessAgent agent = InProcessAgent.fromFile(conf, "a1").workDir(work)
        .override("sources.http.interceptors.plans.file", lookup.toString()).start()) {
      assertEquals(List.of(), agent.configurationErrorsOnly());
      Map<String, String> h = postAndReceive(agent, "u1");
      assertEquals("gold", h.get("es.attr.plan"));
      assertEquals("eu", h.get("es.attr.region"));
      assertNull(h.get("es.attr.secret"), "only the configured columns");
      assertNull(postAndReceive(agent, "u3").get("es.attr.plan"));
      assertEquals(2, InProcessAgent.counter("interceptor", "it-plans", LookupInterceptor.TABLE_ENTRIES));

      writeLookup("entityId,plan,region,secret\nu1,platinum,eu,x\nu2,silver,us,y\nu3,bronze,apac,z\n", 2_000_000);
      await().atMost(Duration.ofSeconds(30)).until(() -> "bronze".equals(postAndReceive(agent, "u3").get("es.attr.plan")));
      assertEquals("platinum", postAndReceive(agent, "u1").get("es.attr.plan"));
      assertEquals(1, InProcessAgent.counter("interceptor", "it-plans", LookupInterceptor.RELOADS));
      assertEquals(3, InProcessAgent.counter("interceptor", "it-plans", LookupInterceptor.TABLE_ENTRIES));

      // four entries > maxEntries = 3: refused, logged, counted; the previous table stays
      writeLookup("entityId,plan,region,secret\nu1,a,eu,x\nu2,b,us,y\nu3,c,apac,z\nu4,d,eu,w\n", 3_000_000);
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        postAndReceive(agent, "u4");
        return InProcessAgent.counter("interceptor", "it-plans", LookupInterceptor.RELOAD_REFUSED) == 1;
      });
      assertEquals("platinum", postAndReceive(agent, "u1").get("es.attr.plan"));
      assertNull(postAndReceive(agent, "u4").get("es.attr.plan"));
      long in = InProcessAgent.counter("interceptor", "it-plans", LookupInterceptor.EVENTS_IN);
      assertEquals(in, InProcessAgent.counter("interceptor", "it-plans", LookupInterceptor.EVENTS_DECORATED)
          + InProcessAgent.counter("interceptor", "it-plans", LookupInterceptor.EVENTS_MISSED));
      assertEquals(RecordingSink.events("rec").size(), in);
    }
  }

  @Test
  void shouldRejectAMissingLookupFileAtStartUp() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> InProcessAgent.fromFile(conf, "a1")
        .workDir(work).override("sources.http.interceptors.plans.file", work.resolve("nope.csv").toString()).start());
    assertTrue(e.getMessage().contains("removed"), e.getMessage());
    InProcessAgent lenient = InProcessAgent.fromFile(conf, "a1").workDir(work).lenient()
        .override("sources.http.interceptors.plans.file", work.resolve("nope.csv").toString()).start();
    try {
      assertEquals(Set.of("source http"), lenient.removedComponents());
    } finally {
      lenient.close();
    }
  }
}
