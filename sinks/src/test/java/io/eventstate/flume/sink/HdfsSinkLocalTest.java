package io.eventstate.flume.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.event.TimeSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.apache.avro.generic.GenericRecord;
import org.apache.flume.Context;
import org.apache.flume.Sink;
import org.apache.flume.channel.MemoryChannel;
import org.apache.flume.conf.Configurables;
import org.apache.flume.event.EventBuilder;
import org.apache.flume.sink.hdfs.HDFSEventSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.eventstate.testing.Channels;
import io.eventstate.testing.Props;
import org.apache.flume.Event;

/**
 * Flume's stock HDFS sink with our serializer, in process, on the local file system (file://): the files land
 * under {@code entity_type=<type>/dt=<event day, UTC>} from the event-time {@code timestamp} header, and Avro's
 * reader gives back exactly the events sent.
 */
class HdfsSinkLocalTest {

  @TempDir
  Path dir;

  @Test
  void eventsLandPartitionedByEntityTypeAndEventDay() throws Exception {
    // Two entity types over three UTC days; the last event is 1 ns before midnight, the next one at midnight.
    long day1 = 1_700_000_000_123_456_789L; // 2023-11-14T22:13:20.123456789Z
    List<CanonicalEvent> sent = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      String type = i % 3 == 0 ? "package" : "user";
      long t = day1 + i * 3_600_000_000_000L + i; // one hour apart, odd nanoseconds
      TreeMap<String, String> attrs = new TreeMap<>(Map.of("n", Integer.toString(i), "nested.path", "v" + i));
      sent.add(new CanonicalEvent("id-" + i, type, "e" + (i % 4), "t" + i, t, TimeSource.EVENT, attrs,
          new TreeSet<>(i % 2 == 0 ? List.of("even") : List.of()), ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
    }
    long midnight = Instant.parse("2023-11-16T00:00:00Z").getEpochSecond() * 1_000_000_000L;
    sent.add(new CanonicalEvent("before-midnight", "user", "e9", "x", midnight - 1, TimeSource.EVENT, new TreeMap<>(),
        new TreeSet<>(), "{}".getBytes(StandardCharsets.UTF_8)));
    sent.add(new CanonicalEvent("at-midnight", "user", "e9", "x", midnight, TimeSource.EVENT, new TreeMap<>(),
        new TreeSet<>(), "{}".getBytes(StandardCharsets.UTF_8)));

    MemoryChannel channel = Channels.memory("events_hdfs", 1000, 100);
    List<Event> events = new ArrayList<>();
    for (CanonicalEvent e : sent) {
      Map<String, String> h = new HashMap<>();
      EventHeaders.write(e, h);
      events.add(EventBuilder.withBody(e.body(), h));
    }
    Channels.putAll(channel, events);

    HDFSEventSink sink = flumeSink(channel, dir, 10);
    sink.start();
    try {
      while (sink.process() == Sink.Status.READY) {
        // BACKOFF once the channel is empty
      }
    } finally {
      sink.stop(); // closes and renames every open file
      channel.stop();
    }

    Map<String, GenericRecord> read = new TreeMap<>();
    List<Path> files;
    try (Stream<Path> s = Files.walk(dir)) {
      files = s.filter(f -> f.getFileName().toString().endsWith(".avro")).toList();
    }
    assertTrue(files.size() >= 4, files.toString());
    for (Path f : files) {
      String type = f.getParent().getParent().getFileName().toString().replace("entity_type=", "");
      String day = f.getParent().getFileName().toString().replace("dt=", "");
      for (GenericRecord r : EventAvroSerializerTest.read(Files.readAllBytes(f))) {
        assertEquals(type, r.get("entity_type").toString(), f + " holds only its entity type");
        long ns = (Long) r.get("event_time_ns");
        assertEquals(day, Instant.ofEpochSecond(Math.floorDiv(ns, 1_000_000_000L)).atZone(ZoneOffset.UTC)
            .toLocalDate().toString(), f + " holds only its event day");
        read.put(r.get("event_id").toString(), r);
      }
    }
    assertEquals(sent.size(), read.size(), "every event once: " + read.keySet());
    for (CanonicalEvent e : sent) {
      GenericRecord r = read.get(e.eventId());
      assertEquals(e.eventTimeNanos(), r.get("event_time_ns"), e.eventId());
      assertEquals(e.entityId(), r.get("entity_id").toString());
      Map<String, String> attrs = new TreeMap<>();
      ((Map<?, ?>) r.get("attributes")).forEach((k, v) -> attrs.put(k.toString(), v.toString()));
      assertEquals(e.attributes(), attrs);
      assertEquals(new String(e.body(), StandardCharsets.UTF_8),
          new String(EventAvroSerializerTest.bytes(r.get("body")), StandardCharsets.UTF_8));
    }
    assertTrue(Files.isDirectory(dir.resolve("events/entity_type=user/dt=2023-11-15")));
    assertTrue(Files.isDirectory(dir.resolve("events/entity_type=user/dt=2023-11-16")));
    assertEquals("2023-11-15", dayOf(files, "before-midnight", read));
    assertEquals("2023-11-16", dayOf(files, "at-midnight", read));
  }

  /** Flume's HDFS sink with {@link EventAvroSerializer}, landing under {@code root}/events as the example agent. */
  static HDFSEventSink flumeSink(org.apache.flume.Channel channel, Path root, int batchSize) {
    HDFSEventSink sink = new HDFSEventSink();
    sink.setName("hdfs");
    sink.setChannel(channel);
    Map<String, String> p = Props.map("""
        hdfs.fileType = DataStream
        hdfs.fileSuffix = .avro
        hdfs.timeZone = UTC
        hdfs.rollInterval = 0
        hdfs.rollSize = 0
        hdfs.rollCount = 0
        """);
    p.put("hdfs.batchSize", Integer.toString(batchSize));
    p.put("hdfs.path", root.toUri() + "events/entity_type=%{es.entityType}/dt=%Y-%m-%d");
    p.put("serializer", EventAvroSerializerTest.BUILDER);
    Configurables.configure(sink, new Context(p));
    return sink;
  }

  private static String dayOf(List<Path> files, String id, Map<String, GenericRecord> read) throws Exception {
    for (Path f : files) {
      for (GenericRecord r : EventAvroSerializerTest.read(Files.readAllBytes(f))) {
        if (r.get("event_id").toString().equals(id)) {
          return f.getParent().getFileName().toString().replace("dt=", "");
        }
      }
    }
    throw new AssertionError(id + " not found");
  }
}
