package io.eventstate.flume.sink;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.event.TimeSource;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.Sink;
import org.apache.flume.Transaction;
import org.apache.flume.channel.MemoryChannel;
import org.apache.flume.conf.Configurables;
import org.apache.flume.event.EventBuilder;
import org.apache.flume.sink.AbstractSink;
import org.apache.flume.sink.hdfs.HDFSEventSink;

/**
 * On demand, not a test: the CPU per event of landing the same events as Avro files, with Flume's HDFS sink and
 * {@link EventAvroSerializer} (the baseline) and with {@link HdfsLandingSink}, alternating in one JVM, each from a
 * {@code MemoryChannel} filled beforehand, onto the local file system in the example agent's layout
 * ({@code entity_type=/dt=}, Snappy, batches of 1,000). The whole JVM's CPU is counted while the sink drains.
 *
 * <pre>
 * java -cp sinks/target/test-classes:sinks/target/classes:CLASSPATH io.eventstate.flume.sink.LandingBenchmark \
 *   events=100000 rounds=5
 * </pre>
 */
public final class LandingBenchmark {

  private LandingBenchmark() {
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>(Map.of("events", "100000", "rounds", "5", "warmup", "2"));
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      a.put(kv[0], kv[1]);
    }
    int n = Integer.parseInt(a.get("events"));
    int rounds = Integer.parseInt(a.get("rounds"));
    int warmup = Integer.parseInt(a.get("warmup"));
    List<Event> events = events(n);
    double[] flume = new double[rounds];
    double[] landing = new double[rounds];
    double[] ratio = new double[rounds];
    for (int r = -warmup; r < rounds; r++) {
      double f = 0;
      double l = 0;
      // odd rounds run the landing sink first
      for (int k = 0; k < 2; k++) {
        boolean landingNow = (k == 0) == (Math.floorMod(r, 2) == 1);
        Path dir = Files.createTempDirectory("landing-bench");
        try {
          double cpu = drain(landingNow ? landingSink(dir) : flumeSink(dir), events);
          if (landingNow) {
            l = cpu;
          } else {
            f = cpu;
          }
        } finally {
          delete(dir);
        }
      }
      System.out.printf(Locale.ROOT, "%s: Flume's HDFS sink + EventAvroSerializer %.1f CPU-µs/event, HdfsLandingSink"
          + " %.1f CPU-µs/event, ratio %.1f%n", r < 0 ? "warm-up" : "round " + r, f, l, f / l);
      if (r >= 0) {
        flume[r] = f;
        landing[r] = l;
        ratio[r] = f / l;
      }
    }
    System.out.printf(Locale.ROOT, "RESULT events=%d rounds=%d (medians): Flume's HDFS sink + EventAvroSerializer %.1f"
        + " CPU-µs/event, HdfsLandingSink %.1f CPU-µs/event; median of the rounds' own ratios %.1f%n", n, rounds,
        median(flume), median(landing), median(ratio));
  }

  /** Events of ~500-byte bodies, 1,000 entities of two types over about three days. */
  private static List<Event> events(int n) {
    Random r = new Random(1);
    String pad = "x".repeat(420);
    long t0 = 1_700_000_000_000_000_000L;
    List<Event> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int e = r.nextInt(1000);
      boolean pkg = e % 2 == 0;
      TreeMap<String, String> attrs = new TreeMap<>(Map.of("page", "/p/" + r.nextInt(100), "status_detail",
          "arrived_at_facility"));
      CanonicalEvent c = new CanonicalEvent("ev-" + i, pkg ? "package" : "user", (pkg ? "pkg-" : "user-") + e,
          pkg ? "in_transit" : "view", t0 + i * (259_200_000_000_000L / n), TimeSource.EVENT, attrs,
          new TreeSet<>(), ("{\"id\":\"ev-" + i + "\",\"pad\":\"" + pad + "\"}").getBytes(StandardCharsets.UTF_8));
      Map<String, String> h = new HashMap<>();
      EventHeaders.write(c, h);
      h.put(EventHeaders.STATUS, EventHeaders.STATUS_VALID);
      h.put(EventHeaders.ARRIVAL_TIME, Long.toString(t0 / 1_000_000 + i));
      out.add(EventBuilder.withBody(c.body(), h));
    }
    return out;
  }

  private static Map<String, String> common(Path dir) {
    Map<String, String> p = new HashMap<>();
    p.put("hdfs.path", dir.toUri() + "events/entity_type=%{es.entityType}/dt=%Y-%m-%d");
    p.put("hdfs.timeZone", "UTC");
    p.put("hdfs.filePrefix", "events");
    p.put("hdfs.fileSuffix", ".avro");
    p.put("serializer.compressionCodec", "snappy");
    p.put("hdfs.rollSize", "268435456");
    p.put("hdfs.rollInterval", "3600");
    p.put("hdfs.rollCount", "0");
    p.put("hdfs.idleTimeout", "600");
    p.put("hdfs.batchSize", "1000");
    p.put("hdfs.maxOpenFiles", "500");
    return p;
  }

  private static AbstractSink flumeSink(Path dir) {
    Map<String, String> p = common(dir);
    p.put("hdfs.fileType", "DataStream");
    p.put("serializer", "io.eventstate.flume.sink.EventAvroSerializer$Builder");
    HDFSEventSink s = new HDFSEventSink();
    s.setName("hdfs");
    Configurables.configure(s, new Context(p));
    return s;
  }

  private static AbstractSink landingSink(Path dir) {
    HdfsLandingSink s = new HdfsLandingSink();
    s.setName("landing");
    Configurables.configure(s, new Context(common(dir)));
    return s;
  }

  /** Fills a memory channel, drains it through the sink, stops the sink: the JVM's CPU µs per event meanwhile. */
  private static double drain(AbstractSink sink, List<Event> events) throws Exception {
    MemoryChannel ch = new MemoryChannel();
    ch.setName("events_hdfs");
    Configurables.configure(ch, new Context(Map.of("capacity", Integer.toString(events.size() + 1000),
        "transactionCapacity", "1000", "keep-alive", "0")));
    ch.start();
    for (int i = 0; i < events.size(); i += 1000) {
      Transaction t = ch.getTransaction();
      t.begin();
      for (Event e : events.subList(i, Math.min(events.size(), i + 1000))) {
        ch.put(e);
      }
      t.commit();
      t.close();
    }
    sink.setChannel(ch);
    sink.start();
    long c0 = cpu();
    while (sink.process() == Sink.Status.READY) {
      // BACKOFF once the channel is empty
    }
    sink.stop(); // closes every file
    long c1 = cpu();
    ch.stop();
    return (c1 - c0) / 1e3 / events.size();
  }

  private static long cpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
