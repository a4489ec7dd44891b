package io.eventstate.flume.sink;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.event.TimeSource;
import io.eventstate.testing.Channels;
import io.eventstate.testing.Props;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.Sink;
import org.apache.flume.Transaction;
import org.apache.flume.channel.MemoryChannel;
import org.apache.flume.conf.ConfigurationException;
import org.apache.flume.conf.Configurables;
import org.apache.flume.event.EventBuilder;
import org.apache.flume.sink.AbstractSink;
import org.apache.flume.sink.hdfs.HDFSEventSink;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The landing sink in process on the local file system (file://): the same directories and records as Flume's HDFS
 * sink with {@link EventAvroSerializer}, open files readable up to their last batch, rolling by idle time, size,
 * count and open files, and a failed batch that loses nothing.
 */
class HdfsLandingSinkTest {

  private static final String PATH = "events/entity_type=%{es.entityType}/dt=%Y-%m-%d";

  @TempDir
  Path dir;

  /** Two entity types over three UTC days, one hour apart, and the two events around a midnight. */
  private static List<CanonicalEvent> events(int n, String prefix) {
    long day1 = 1_700_000_000_123_456_789L; // 2023-11-14T22:13:20.123456789Z
    List<CanonicalEvent> sent = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String type = i % 3 == 0 ? "package" : "user";
      long t = day1 + i * 3_600_000_000_000L + i;
      TreeMap<String, String> attrs = new TreeMap<>(Map.of("n", Integer.toString(i), "nested.path", "v" + i));
      sent.add(new CanonicalEvent(prefix + i, type, "e" + (i % 4), "t" + i, t, TimeSource.EVENT, attrs,
          new TreeSet<>(i % 2 == 0 ? List.of("even") : List.of()),
          ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
    }
    long midnight = Instant.parse("2023-11-16T00:00:00Z").getEpochSecond() * 1_000_000_000L;
    sent.add(new CanonicalEvent(prefix + "before-midnight", "user", "e9", "x", midnight - 1, TimeSource.EVENT,
        new TreeMap<>(), new TreeSet<>(), "{}".getBytes(StandardCharsets.UTF_8)));
    sent.add(new CanonicalEvent(prefix + "at-midnight", "user", "e9", "x", midnight, TimeSource.EVENT,
        new TreeMap<>(), new TreeSet<>(), "{}".getBytes(StandardCharsets.UTF_8)));
    return sent;
  }

  private static MemoryChannel channelWith(List<CanonicalEvent> sent) {
    // no keep-alive: an empty take returns at once instead of waiting 3 s, which would count as idle time
    MemoryChannel channel = new MemoryChannel();
    channel.setName("events_hdfs");
    Configurables.configure(channel, new Context(Map.of("capacity", "10000", "transactionCapacity", "1000",
        "keep-alive", "0")));
    channel.start();
    List<Event> events = new ArrayList<>();
    for (CanonicalEvent e : sent) {
      Map<String, String> h = new HashMap<>();
      EventHeaders.write(e, h);
      h.put(EventHeaders.ARRIVAL_TIME, "1700000000999");
      events.add(EventBuilder.withBody(e.body(), h));
    }
    Channels.putAll(channel, events);
    return channel;
  }

  private static HdfsLandingSink landing(MemoryChannel channel, Path root, String extra) {
    return landing(channel, root.toUri().toString(), extra);
  }

  /** A landing sink under {@code base} (a URI of any scheme), with the keys in {@code extra}. */
  private static HdfsLandingSink landing(MemoryChannel channel, String base, String extra) {
    HdfsLandingSink sink = new HdfsLandingSink();
    sink.setName("landing");
    sink.setChannel(channel);
    Map<String, String> p = Props.map(extra);
    p.put("hdfs.path", (base.endsWith("/") ? base : base + "/") + PATH);
    Configurables.configure(sink, new Context(p));
    return sink;
  }

  private static void drain(AbstractSink sink) throws Exception {
    while (sink.process() == Sink.Status.READY) {
      // BACKOFF once the channel is empty
    }
  }

  /**
   * Every record under {@code root}, as "dir/of/file -> event_id -> record", files closed or open, skipping
   * directories whose names start with {@code _} as Hive and Impala do.
   */
  private static Map<String, Map<String, String>> landed(Path root, String suffix) throws Exception {
    Map<String, Map<String, String>> out = new TreeMap<>();
    List<Path> files;
    try (Stream<Path> s = Files.walk(root)) {
      files = s.filter(f -> f.getFileName().toString().endsWith(suffix))
          .filter(f -> !root.relativize(f).toString().startsWith("_") && !root.relativize(f).toString().contains("/_"))
          .toList();
    }
    for (Path f : files) {
      String d = root.relativize(f.getParent()).toString();
      for (GenericRecord r : EventAvroSerializerTest.read(Files.readAllBytes(f))) {
        Map<String, String> inDir = out.computeIfAbsent(d, k -> new TreeMap<>());
        String previous = inDir.put(r.get("event_id").toString(), r.toString());
        assertEquals(null, previous, "event landed twice in " + d);
      }
    }
    return out;
  }

  private static List<Path> files(Path root, String suffix) throws Exception {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().toList();
    }
  }

  @Test
  void landsTheSameDirectoriesAndRecordsAsFlumesHdfsSinkWithTheSerializer() throws Exception {
    List<CanonicalEvent> sent = events(60, "id-");

    Path viaFlume = Files.createDirectories(dir.resolve("flume"));
    HDFSEventSink flume = HdfsSinkLocalTest.flumeSink(channelWith(sent), viaFlume, 7);
    flume.start();
    try {
      drain(flume);
    } finally {
      flume.stop();
    }

    Path viaLanding = Files.createDirectories(dir.resolve("landing"));
    HdfsLandingSink sink = landing(channelWith(sent), viaLanding, "hdfs.batchSize = 7");
    sink.start();
    try {
      drain(sink);
    } finally {
      sink.stop();
    }

    Map<String, Map<String, String>> expected = landed(viaFlume, ".avro");
    Map<String, Map<String, String>> actual = landed(viaLanding, ".avro");
    assertEquals(expected.keySet(), actual.keySet());
    assertTrue(expected.equals(actual), "the same records in each directory");
    assertEquals(sent.size(), actual.values().stream().mapToInt(Map::size).sum());
    assertTrue(actual.containsKey("events/entity_type=user/dt=2023-11-15"), actual.keySet().toString());
    assertTrue(actual.get("events/entity_type=user/dt=2023-11-15").containsKey("id-before-midnight"));
    assertTrue(actual.get("events/entity_type=user/dt=2023-11-16").containsKey("id-at-midnight"));
    assertEquals(List.of(), files(viaLanding, ".tmp"), "every file closed and renamed at stop");
    assertEquals(sent.size(), sink.sinkCounter().getEventDrainSuccessCount());
  }

  @Test
  void anOpenFileIsReadableUpToItsLastBatchAndClosesWhenIdle() throws Exception {
    List<CanonicalEvent> sent = new ArrayList<>(); // one directory: every batch writes the same open file
    for (CanonicalEvent e : events(40, "a-")) {
      if (e.entityType().equals("user") && Instant.ofEpochSecond(e.eventTimeNanos() / 1_000_000_000L).toString()
          .startsWith("2023-11-15")) {
        sent.add(e);
      }
    }
    assertTrue(sent.size() > 10);
    MemoryChannel channel = channelWith(sent);
    HdfsLandingSink sink = landing(channel, dir, """
        hdfs.batchSize = 5
        hdfs.idleTimeout = 2
        hdfs.rollInterval = 0
        """);
    sink.start();
    try {
      assertEquals(Sink.Status.READY, sink.process());
      List<Path> open = files(dir, ".avro.tmp");
      assertFalse(open.isEmpty());
      assertEquals(5, landed(dir, ".avro.tmp").values().stream().mapToInt(Map::size).sum(),
          "the first batch is readable in the open files");
      assertEquals(List.of(), files(dir, ".avro"));
      drain(sink);
      assertEquals(sent.size(), landed(dir, ".avro.tmp").values().stream().mapToInt(Map::size).sum());
      assertEquals(1, sink.openFiles());
      // polls of an empty channel: the idle file closes once it has had no event for hdfs.idleTimeout
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
        assertEquals(Sink.Status.BACKOFF, sink.process());
        return sink.openFiles() == 0;
      });
      assertEquals(List.of(), files(dir, ".tmp"));
      assertEquals(sent.size(), landed(dir, ".avro").values().stream().mapToInt(Map::size).sum());
    } finally {
      sink.stop();
    }
  }

  @Test
  void rollsByCountAndSizeAndKeepsAtMostMaxOpenFiles() throws Exception {
    List<CanonicalEvent> sent = events(90, "r-");
    HdfsLandingSink byCount = landing(channelWith(sent), dir.resolve("count"), """
        hdfs.batchSize = 100
        hdfs.rollCount = 4
        """);
    byCount.start();
    drain(byCount);
    byCount.stop();
    for (Path f : files(dir.resolve("count"), ".avro")) {
      assertTrue(EventAvroSerializerTest.read(Files.readAllBytes(f)).size() <= 4, f.toString());
    }
    assertEquals(sent.size(), landed(dir.resolve("count"), ".avro").values().stream().mapToInt(Map::size).sum());

    HdfsLandingSink bySize = landing(channelWith(sent), dir.resolve("size"), "hdfs.rollSize = 20");
    bySize.start();
    drain(bySize);
    bySize.stop();
    for (Path f : files(dir.resolve("size"), ".avro")) {
      // bodies of 7 or 8 bytes (two of 2): a file closes with the event that takes it to 20 bytes or more
      assertTrue(EventAvroSerializerTest.read(Files.readAllBytes(f)).size() <= 4, f.toString());
    }
    assertEquals(sent.size(), landed(dir.resolve("size"), ".avro").values().stream().mapToInt(Map::size).sum());

    HdfsLandingSink oneOpen = landing(channelWith(sent), dir.resolve("open"), """
        hdfs.batchSize = 3
        hdfs.maxOpenFiles = 1
        """);
    oneOpen.start();
    while (oneOpen.process() == Sink.Status.READY) {
      assertTrue(oneOpen.openFiles() <= 1);
    }
    oneOpen.stop();
    assertTrue(landed(dir.resolve("count"), ".avro").equals(landed(dir.resolve("open"), ".avro")),
        "the same events in the same directories");
    assertTrue(files(dir.resolve("open"), ".avro").size() > files(dir.resolve("count"), ".avro").size() / 4);
  }

  @Test
  void aFailedBatchRollsBackAndNothingIsLost() throws Exception {
    List<CanonicalEvent> sent = events(20, "f-");
    MemoryChannel channel = channelWith(sent);
    // The landing's root is a regular file: no directory can be made under it.
    Path blocked = Files.writeString(dir.resolve("blocked"), "not a directory");
    HdfsLandingSink sink = landing(channel, blocked, "hdfs.batchSize = 8");
    sink.start();
    try {
      assertEquals(Sink.Status.BACKOFF, sink.process());
      assertEquals(Sink.Status.BACKOFF, sink.process());
      assertEquals(2, sink.sinkCounter().getEventWriteFail());
      assertEquals(0, sink.sinkCounter().getEventDrainSuccessCount());
      assertEquals(sent.size(), remaining(channel), "the failed batches went back to the channel");

      Files.delete(blocked); // the file system recovers
      drain(sink);
    } finally {
      sink.stop();
    }
    assertEquals(0, remaining(channel));
    assertEquals(sent.size(), landed(blocked, ".avro").values().stream().mapToInt(Map::size).sum());
  }

  @Test
  void aFileSystemThatStopsAnsweringTimesOutAndNothingIsLost() throws Exception {
    Configuration.addDefaultResource("landing-hang.xml"); // the scheme hang:
    List<CanonicalEvent> sent = events(20, "h-");
    MemoryChannel channel = channelWith(sent);
    HdfsLandingSink sink = landing(channel, "hang://" + dir.toUri().getPath(), """
        hdfs.callTimeout = 300ms
        hdfs.batchSize = 8
        """);
    sink.start();
    try {
      HangingFileSystem.hanging = new CountDownLatch(1);
      HangingFileSystem.hang = true;
      long t0 = System.nanoTime();
      assertEquals(Sink.Status.BACKOFF, sink.process());
      assertTrue(HangingFileSystem.hanging.await(0, TimeUnit.SECONDS), "the batch reached the hanging create");
      assertTrue(System.nanoTime() - t0 < 20_000_000_000L, "the sink gave up after hdfs.callTimeout");
      assertEquals(1, sink.sinkCounter().getEventWriteFail());
      assertEquals(sent.size(), remaining(channel), "the batch went back to the channel");

      HangingFileSystem.hang = false; // the file system answers again
      drain(sink);
    } finally {
      HangingFileSystem.hang = false;
      sink.stop();
    }
    assertEquals(0, remaining(channel));
    assertEquals(sent.size(), landed(dir, ".avro").values().stream().mapToInt(Map::size).sum());
  }

  @Test
  void anEventThatIsNotCanonicalLandsAsADeadLetterAndStallsNothing() throws Exception {
    List<CanonicalEvent> sent = events(4, "ok-");
    MemoryChannel channel = channelWith(sent);
    Event noHeaders = EventBuilder.withBody("{\"raw\":1}".getBytes(StandardCharsets.UTF_8), Map.of("origin", "x"));
    Map<String, String> badTime = new HashMap<>();
    EventHeaders.write(sent.get(0), badTime);
    badTime.put(EventHeaders.EVENT_TIME, "yesterday");
    Channels.putAll(channel, List.of(noHeaders, EventBuilder.withBody(sent.get(0).body(), badTime)));
    HdfsLandingSink sink = landing(channel, dir, "");
    sink.start();
    try {
      drain(sink);
      assertEquals(0, remaining(channel), "the channel drains: nothing stalls behind the two");
      assertEquals(2, sink.counters().get(HdfsLandingSink.DEAD_LETTERED));
      assertEquals(0, sink.sinkCounter().getEventWriteFail());
    } finally {
      sink.stop();
    }
    assertEquals(sent.size(), landed(dir, ".avro").values().stream().mapToInt(Map::size).sum(),
        "the valid events of the same batches landed");
    List<Path> deadFiles = files(dir.resolve("events/_deadletter"), ".avro");
    assertEquals(1, deadFiles.size(), deadFiles.toString());
    assertEquals("dt=" + LocalDate.now(ZoneOffset.UTC),
        deadFiles.get(0).getParent().getFileName().toString(), "dated by the agent's clock");
    List<GenericRecord> dead = EventAvroSerializerTest.read(Files.readAllBytes(deadFiles.get(0)));
    assertEquals(2, dead.size());
    Map<String, String> h0 = strings(dead.get(0).get("headers"));
    assertEquals("x", h0.get("origin"), "every header of the event is kept");
    assertEquals("invalid", h0.get(EventHeaders.STATUS));
    assertEquals(HdfsLandingSink.STAGE_LAND, h0.get(EventHeaders.STAGE));
    assertTrue(h0.get(EventHeaders.REASON).contains("is missing"), h0.toString());
    assertEquals("{\"raw\":1}", StandardCharsets.UTF_8.decode((ByteBuffer) dead.get(0).get("body")).toString());
    Map<String, String> h1 = strings(dead.get(1).get("headers"));
    assertEquals("yesterday", h1.get(EventHeaders.EVENT_TIME));
    assertTrue(h1.get(EventHeaders.REASON).contains(EventHeaders.EVENT_TIME), h1.toString());
  }

  private static Map<String, String> strings(Object avroMap) {
    Map<String, String> out = new TreeMap<>();
    ((Map<?, ?>) avroMap).forEach((k, v) -> out.put(k.toString(), v.toString()));
    return out;
  }

  @Test
  void misconfigurationFailsAtConfigureNamingTheKey() {
    HdfsLandingSink sink = new HdfsLandingSink();
    sink.setName("landing");
    ConfigurationException e = assertThrows(ConfigurationException.class,
        () -> Configurables.configure(sink, new Context(Map.of("hdfs.path", "/x/%{es.entityType}",
            "hdfs.fileType", "DataStream"))));
    assertTrue(e.getMessage().contains("hdfs.fileType"), e.getMessage());
    e = assertThrows(ConfigurationException.class,
        () -> Configurables.configure(sink, new Context(Map.of("hdfs.path", "/x/%{es.entityType}/%j"))));
    assertTrue(e.getMessage().contains("hdfs.path") && e.getMessage().contains("%j"), e.getMessage());
  }

  private static int remaining(MemoryChannel channel) {
    Transaction t = channel.getTransaction();
    t.begin();
    int n = 0;
    while (channel.take() != null) {
      n++;
    }
    t.rollback();
    t.close();
    return n;
  }
}
