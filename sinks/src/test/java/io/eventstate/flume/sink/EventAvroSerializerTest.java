package io.eventstate.flume.sink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.event.TimeSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.avro.Schema;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.event.EventBuilder;
import org.apache.flume.serialization.EventSerializer;
import org.apache.flume.serialization.EventSerializerFactory;
import org.junit.jupiter.api.Test;
import io.eventstate.core.config.Locations;

/** The HDFS serializer's records, read back with Avro's own reader. */
class EventAvroSerializerTest {

  static final String BUILDER = "io.eventstate.flume.sink.EventAvroSerializer$Builder";

  /** Writes events through the serializer as the HDFS sink drives it; returns the file's bytes. */
  static byte[] write(Map<String, String> config, List<Event> events) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    EventSerializer s = EventSerializerFactory.getInstance(BUILDER, new Context(config), out);
    s.afterCreate();
    for (Event e : events) {
      s.write(e);
    }
    s.flush();
    s.beforeClose();
    return out.toByteArray();
  }

  static List<GenericRecord> read(byte[] file) throws IOException {
    List<GenericRecord> out = new ArrayList<>();
    try (DataFileStream<GenericRecord> in = new DataFileStream<>(new ByteArrayInputStream(file),
        new GenericDatumReader<>())) {
      in.forEach(out::add);
    }
    return out;
  }

  private static CanonicalEvent sample(String id, long nanos, byte[] body) {
    TreeMap<String, String> attrs = new TreeMap<>();
    attrs.put("event_details.puchased_items.0.sku", "SKU-" + id);
    attrs.put("degrees_fahrenheit", "91.5");
    return new CanonicalEvent(id, "user", "u|1 " + id, "button_pressed", nanos, TimeSource.HEADER, attrs,
        new TreeSet<>(List.of("purchase", "hot")), body);
  }

  private static Event flume(CanonicalEvent e, String arrival) {
    Map<String, String> h = new HashMap<>();
    EventHeaders.write(e, h);
    h.put(EventHeaders.STATUS, EventHeaders.STATUS_VALID);
    if (arrival != null) {
      h.put(EventHeaders.ARRIVAL_TIME, arrival);
    }
    return EventBuilder.withBody(e.body(), h);
  }

  @Test
  void everyFieldSurvivesExactly() throws IOException {
    // The talk's time "1457741907.959400112": a double would lose the last digits.
    CanonicalEvent a = sample("a", 1_457_741_907_959_400_112L, "{\"x\":1}".getBytes(StandardCharsets.UTF_8));
    byte[] notUtf8 = {(byte) 0xff, 0, (byte) 0xc3, 0x28};
    CanonicalEvent b = new CanonicalEvent("b", "package", "EZ4000000004", "in_transit", -1L, TimeSource.ARRIVAL,
        new TreeMap<>(), new TreeSet<>(), notUtf8);
    List<GenericRecord> records = read(write(Map.of(), List.of(flume(a, "1457741999123"), flume(b, null))));
    assertEquals(2, records.size());

    GenericRecord r = records.get(0);
    assertEquals("a", r.get("event_id").toString());
    assertEquals("user", r.get("entity_type").toString());
    assertEquals("u|1 a", r.get("entity_id").toString());
    assertEquals("button_pressed", r.get("event_type").toString());
    assertEquals(1_457_741_907_959_400_112L, r.get("event_time_ns"));
    assertEquals("header", r.get("time_source").toString());
    Map<String, String> attrs = new TreeMap<>();
    ((Map<?, ?>) r.get("attributes")).forEach((k, v) -> attrs.put(k.toString(), v.toString()));
    assertEquals(a.attributes(), attrs);
    assertEquals(List.of("hot", "purchase"), ((List<?>) r.get("tags")).stream().map(Object::toString).toList());
    assertArrayEquals(a.body(), bytes(r.get("body")));
    assertEquals(1_457_741_999_123L, r.get("arrival_time_ms"));

    GenericRecord s = records.get(1);
    assertEquals(-1L, s.get("event_time_ns"));
    assertEquals("arrival", s.get("time_source").toString());
    assertTrue(((Map<?, ?>) s.get("attributes")).isEmpty());
    assertTrue(((List<?>) s.get("tags")).isEmpty());
    assertArrayEquals(notUtf8, bytes(s.get("body")), "the raw body is kept verbatim, even when it is not UTF-8");
    assertNull(s.get("arrival_time_ms"), "no arrival header: null, not a made-up time");
  }

  @Test
  void theFilesSchemaIsThePublishedOneAndItIsSnappyCompressed() throws IOException {
    Schema published = new Schema.Parser().parse(Files.readString(conf().resolve("avro/event.avsc")));
    byte[] file = write(Map.of(), List.of(flume(sample("a", 1L, new byte[] {1}), null)));
    try (DataFileStream<GenericRecord> in = new DataFileStream<>(new ByteArrayInputStream(file),
        new GenericDatumReader<>())) {
      assertEquals(published, in.getSchema());
      assertEquals("snappy", in.getMetaString("avro.codec"));
    }
    assertEquals(published, EventAvroSerializer.SCHEMA);
  }

  @Test
  void theCodecIsConfigurableAndCompresses() throws IOException {
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      events.add(flume(sample("id-" + i, 1_700_000_000_000_000_000L + i,
          ("{\"id\":\"id-" + i + "\",\"padding\":\"" + "x".repeat(200) + "\"}").getBytes(StandardCharsets.UTF_8)), null));
    }
    byte[] plain = write(Map.of("compressionCodec", "null", "syncIntervalBytes", "4096"), events);
    byte[] deflate = write(Map.of("compressionCodec", "deflate"), events);
    byte[] snappy = write(Map.of(), events);
    assertEquals(2000, read(plain).size());
    assertEquals(2000, read(deflate).size());
    List<GenericRecord> r = read(snappy);
    assertEquals(2000, r.size());
    assertEquals("id-1999", r.get(1999).get("event_id").toString());
    assertTrue(snappy.length * 3 < plain.length, "snappy " + snappy.length + " vs none " + plain.length);
    assertTrue(deflate.length * 3 < plain.length, "deflate " + deflate.length + " vs none " + plain.length);
  }

  @Test
  void shouldRejectABadCodecNamingTheKey() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> write(Map.of("compressionCodec", "lz4"), List.of()));
    assertTrue(e.getMessage().contains("serializer.compressionCodec") && e.getMessage().contains("lz4"), e.getMessage());
  }

  @Test
  void shouldRejectAnEventThatWasNotNormalized() {
    Event raw = EventBuilder.withBody("{}".getBytes(StandardCharsets.UTF_8), new HashMap<>(Map.of("es.status", "invalid")));
    IOException e = assertThrows(IOException.class, () -> write(Map.of(), List.of(raw)));
    assertTrue(e.getMessage().contains(EventHeaders.EVENT_ID), e.getMessage());
    assertFalse(e.getMessage().isBlank());
  }

  static byte[] bytes(Object avroBytes) {
    ByteBuffer b = ((ByteBuffer) avroBytes).duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  static Path conf() {
    return Locations.repositoryRoot().resolve("conf");
  }
}
