package io.eventstate.flume.interceptor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.FlumeException;
import org.apache.flume.event.EventBuilder;
import org.apache.flume.interceptor.Interceptor;
import org.apache.flume.interceptor.InterceptorBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LookupInterceptorTest {

  private static final String FQCN = "io.eventstate.flume.interceptor.LookupInterceptor$Builder";

  @TempDir
  Path dir;

  private Interceptor build(Map<String, String> conf) throws Exception {
    Interceptor.Builder b = InterceptorBuilderFactory.newInstance(FQCN);
    b.configure(new Context(conf));
    Interceptor i = b.build();
    i.initialize();
    return i;
  }

  @Test
  void decoratesABatchInPlaceNeverDropsAndCounts() throws Exception {
    Path f = dir.resolve("regions.json");
    Files.writeString(f, "{\"d1\": {\"region\": \"eu\", \"rack\": 7}}", StandardCharsets.UTF_8);
    LookupInterceptor i = (LookupInterceptor) build(Map.of("file", f.toString(), "name", "unit-lookup"));
    try {
      Map<String, String> h1 = new HashMap<>(Map.of("es.entityId", "d1"));
      List<Event> batch = new ArrayList<>(List.of(EventBuilder.withBody(new byte[0], h1),
          EventBuilder.withBody(new byte[0], new HashMap<>(Map.of("es.entityId", "d2"))),
          EventBuilder.withBody(new byte[0], Collections.unmodifiableMap(new HashMap<>(Map.of("es.entityId", "d1")))),
          EventBuilder.withBody(new byte[0], new HashMap<>())));
      List<Event> out = i.intercept(batch);
      assertSame(batch, out);
      assertEquals(4, out.size());
      assertEquals("eu", out.get(0).getHeaders().get("es.attr.region"));
      assertEquals("7", out.get(0).getHeaders().get("es.attr.rack"));
      assertEquals("eu", out.get(2).getHeaders().get("es.attr.region"), "unmodifiable headers are copied");
      assertEquals(4, i.counters().get(LookupInterceptor.EVENTS_IN));
      assertEquals(2, i.counters().get(LookupInterceptor.EVENTS_DECORATED));
      assertEquals(1, i.counters().get(LookupInterceptor.EVENTS_MISSED));
      assertEquals(1, i.counters().get(LookupInterceptor.EVENTS_NOKEY));
      assertEquals(1, i.counters().get(LookupInterceptor.TABLE_ENTRIES));
    } finally {
      i.close();
    }
  }

  @Test
  void shouldRejectBadConfigurationAtConfigure() throws Exception {
    Path f = dir.resolve("big.csv");
    Files.writeString(f, "id,plan\na,1\nb,2\n", StandardCharsets.UTF_8);
    FlumeException e = assertThrows(FlumeException.class, () -> build(Map.of("file", f.toString(), "maxEntries", "1")));
    assertTrue(e.getMessage().contains("key 'file'") && e.getMessage().contains("maxEntries = 1"), e.getMessage());
    e = assertThrows(FlumeException.class, () -> build(Map.of("file", f.toString(), "reload", "5")));
    assertTrue(e.getMessage().contains("unknown key 'reload'"), e.getMessage());
  }
}
