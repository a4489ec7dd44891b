package io.eventstate.flume.interceptor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.event.EventHeaders;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.conf.ConfigurationException;
import org.apache.flume.interceptor.Interceptor;
import org.apache.flume.interceptor.InterceptorBuilderFactory;
import org.apache.flume.serialization.DurablePositionTracker;
import org.apache.flume.serialization.EventDeserializer;
import org.apache.flume.serialization.EventDeserializerFactory;
import org.apache.flume.serialization.ResettableFileInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The deserializer over Flume's own ResettableFileInputStream (as the spooling-directory source builds it). */
class JsonLineDeserializerTest {

  @TempDir
  Path dir;

  private EventDeserializer open(byte[] content, Map<String, String> keys) throws Exception {
    Path f = dir.resolve("in.jsonl");
    Files.write(f, content);
    File meta = dir.resolve("tracker.meta").toFile();
    ResettableFileInputStream in = new ResettableFileInputStream(f.toFile(),
        DurablePositionTracker.getInstance(meta, f.toString()));
    // built the way the source builds it: by the builder's class name
    return EventDeserializerFactory.getInstance(JsonLineDeserializer.Builder.class.getName(), new Context(keys), in);
  }

  @Test
  void invalidUtf8IsKeptByteForByteAndTheNormalizerDeadLettersTheWholeLine() throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes("{\"user_id\":\"u\u00e9\",\"event_type\":\"x\",\"time_utc\":\"1457741907.9\"}\n".getBytes(StandardCharsets.UTF_8));
    byte[] bad = "{\"user_id\":\"u?\",\"event_type\":\"x\",\"time_utc\":\"1457741907.9\"}".getBytes(StandardCharsets.ISO_8859_1);
    bad[13] = (byte) 0xE9; // Latin-1 é: not UTF-8
    b.writeBytes(bad);
    b.write('\n');
    EventDeserializer d = open(b.toByteArray(), Map.of());
    List<Event> events = d.readEvents(10);
    assertEquals(2, events.size());
    assertArrayEquals(bad, events.get(1).getBody(), "not rewritten");

    NormalizingInterceptor n = normalizer();
    n.intercept(events);
    assertEquals("valid", events.get(0).getHeaders().get(EventHeaders.STATUS));
    assertEquals("u\u00e9", events.get(0).getHeaders().get(EventHeaders.ENTITY_ID));
    assertEquals("deadletter", events.get(1).getHeaders().get(EventHeaders.ROUTE));
    assertTrue(events.get(1).getHeaders().get(EventHeaders.REASON).startsWith("json: "),
        events.get(1).getHeaders().get(EventHeaders.REASON));
    assertEquals(1, n.counters().get("invalid.json"));
    n.close();
  }

  @Test
  void anOverLongLineIsOneDeadLetterAndTheNextLineIsItsOwnEvent() throws Exception {
    String tailThatLooksReal = "{\"user_id\":\"smuggled\",\"event_type\":\"x\",\"time_utc\":\"1457741907.9\"}";
    String longLine = "{\"user_id\":\"u\",\"pad\":\"" + "p".repeat(300) + "\"," + tailThatLooksReal.substring(1);
    String next = "{\"user_id\":\"v\",\"event_type\":\"y\",\"time_utc\":\"1457741907.9\"}";
    EventDeserializer d = open((longLine + "\n" + next + "\n").getBytes(StandardCharsets.UTF_8),
        Map.of("maxLineLength", "100", "deadLetter.maxBytes", "1000"));
    List<Event> events = new ArrayList<>(d.readEvents(10));
    assertEquals(2, events.size(), "the long line is one event, never chunks");
    assertArrayEquals(longLine.getBytes(StandardCharsets.UTF_8), events.get(0).getBody(), "kept whole");
    d.mark();
    assertNull(d.readEvent());

    NormalizingInterceptor n = normalizer();
    n.intercept(events);
    Map<String, String> h = events.get(0).getHeaders();
    assertEquals("invalid", h.get(EventHeaders.STATUS));
    assertEquals("deadletter", h.get(EventHeaders.ROUTE));
    assertEquals("read", h.get(EventHeaders.STAGE));
    assertTrue(h.get(EventHeaders.REASON).startsWith("limit: line of " + longLine.length() + " bytes at byte 0"),
        h.get(EventHeaders.REASON));
    assertNull(h.get(EventHeaders.ENTITY_ID), "never parsed, so nothing of it is taken as an event");
    assertEquals("v", events.get(1).getHeaders().get(EventHeaders.ENTITY_ID));
    assertEquals(1, n.counters().get("invalid.limit"));
    assertEquals(1, n.counters().get(NormalizingInterceptor.COUNTER_VALID));
    n.close();
  }

  @Test
  void resetReadsTheSameBytesAgain() throws Exception {
    EventDeserializer d = open("{\"a\":1}\n{\"b\":2}\n".getBytes(StandardCharsets.UTF_8), Map.of());
    d.readEvent();
    d.mark();
    byte[] second = d.readEvent().getBody();
    d.reset();
    assertArrayEquals(second, d.readEvent().getBody());
    d.close();
  }

  /**
   * Many lines of varying length across the stream's 32 KB buffer, read in batches with a mark after each batch and a
   * reset (a rolled-back transaction) now and then: every line comes out whole, once per committed batch, in order.
   */
  @Test
  void batchesWithMarksAndResetsReadEveryLineOnceInOrder() throws Exception {
    java.util.Random r = new java.util.Random(3);
    List<String> lines = new java.util.ArrayList<>();
    StringBuilder file = new StringBuilder();
    for (int i = 0; i < 3000; i++) {
      String line = "{\"n\":" + i + ",\"pad\":\"" + "x".repeat(r.nextInt(r.nextInt(10) == 0 ? 9000 : 300)) + "\"}";
      lines.add(line);
      file.append(line).append(r.nextBoolean() ? "\r\n" : "\n");
    }
    EventDeserializer d = open(file.toString().getBytes(StandardCharsets.UTF_8), Map.of());
    List<String> read = new java.util.ArrayList<>();
    while (true) {
      List<org.apache.flume.Event> batch = d.readEvents(1 + r.nextInt(40));
      if (batch.isEmpty()) {
        break;
      }
      if (r.nextInt(5) == 0) {
        d.reset(); // rolled back: the same lines come again
        continue;
      }
      batch.forEach(e -> read.add(new String(e.getBody(), StandardCharsets.UTF_8)));
      d.mark();
    }
    d.close();
    assertEquals(lines, read);
  }

  @Test
  void shouldRejectUnknownKeysAndBadLengths() {
    assertTrue(assertThrows(ConfigurationException.class, () -> JsonLineDeserializer.limits(Map.of("maxLineLenght", "5")))
        .getMessage().contains("deserializer.maxLineLenght"));
    assertTrue(assertThrows(ConfigurationException.class, () -> JsonLineDeserializer.limits(Map.of("maxLineLength", "0")))
        .getMessage().contains("deserializer.maxLineLength' value was set to '0'"));
  }

  /** The normalizer of the talk's events, built as Flume builds it. */
  private static NormalizingInterceptor normalizer() throws Exception {
    Interceptor.Builder nb = InterceptorBuilderFactory.newInstance(NormalizingInterceptor.Builder.class.getName());
    nb.configure(new Context(Map.of("entity", "user:/user_id", "eventType.paths", "/event_type", "time.paths",
        "/time_utc")));
    NormalizingInterceptor n = (NormalizingInterceptor) nb.build();
    n.initialize();
    return n;
  }

}
