package io.eventstate.flume.sink;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.event.TimeSource;
import io.eventstate.core.rowkey.EventRowCodec;
import io.eventstate.core.rowkey.TableSchema;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.Sink;
import org.apache.flume.Transaction;
import org.apache.flume.channel.MemoryChannel;
import org.apache.flume.conf.Configurables;
import org.apache.flume.sink.AbstractSink;
import org.apache.flume.sink.hbase2.HBase2Sink;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.BufferedMutator;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.client.Durability;
import org.apache.hadoop.hbase.client.Put;
import io.eventstate.testing.SharedMiniCluster;
import io.eventstate.testing.Props;

/**
 * On-demand benchmark (not a test): N events into an in-process mini cluster (no DFS, one region server,
 * tables pre-split into 4 regions), through
 * <ol>
 *   <li>EventSink (Flume MemoryChannel, batches of 100, one atomic MultiRowMutation call per region per batch),</li>
 *   <li>raw {@code BufferedMutator} puts of exactly the same cells (one {@code mutate} per row), and</li>
 *   <li>Flume 1.11's stock {@code HBase2Sink} with {@code SimpleHBase2EventSerializer} at its defaults, and</li>
 *   <li>the HDFS copy: Flume 1.11's stock HDFS sink with {@link EventAvroSerializer} (Snappy Avro container files,
 *       the example agent's settings, partitions {@code entity_type=/dt=}) into a MiniDFSCluster (one DataNode) in
 *       the same JVM.</li>
 * </ol>
 * Rounds are interleaved; each path's median events/s is reported with the peak heap seen during its runs
 * (the JVM also hosts the mini cluster, so heap figures are upper bounds of the writer's own share).
 * Run: {@code mvn -B -ntp -pl core,sinks -Pbench -DskipTests verify [-Dbench.events=200000] [-Dbench.rounds=3]}.
 */
public final class SinkThroughputBenchmark {

  private static final int ENTITIES = 1000;
  private static final int BATCH = 100;
  private static final int CHUNK = 10_000;

  private SinkThroughputBenchmark() {
  }

  /** Samples heap use every 20 ms and keeps the maximum. */
  static final class PeakHeap implements AutoCloseable {
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final AtomicLong peak = new AtomicLong();
    private volatile boolean running = true;
    private final Thread thread;

    PeakHeap() {
      thread = new Thread(() -> {
        while (running) {
          peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
          try {
            Thread.sleep(20);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "peak-heap");
      thread.setDaemon(true);
      thread.start();
    }

    long peakMb() {
      return peak.get() / (1024 * 1024);
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join();
    }
  }

  static List<Event> events(int n, int round) {
    List<Event> events = new ArrayList<>(n);
    StringBuilder filler = new StringBuilder();
    while (filler.length() < 380) {
      filler.append("lorem-ipsum-");
    }
    for (int i = 0; i < n; i++) {
      String entity = "user-" + (i % ENTITIES);
      String body = "{\"id\":\"r" + round + "-" + i + "\",\"user\":\"" + entity + "\",\"type\":\"click\",\"ts\":"
          + (1_700_000_000L + i) + ",\"page\":\"/p/" + (i % 97) + "\",\"pad\":\"" + filler + "\"}";
      TreeMap<String, String> attrs = new TreeMap<>();
      attrs.put("page", "/p/" + (i % 97));
      attrs.put("campaign", "c" + (i % 7));
      CanonicalEvent ce = new CanonicalEvent("r" + round + "-" + i, "user", entity, "click",
          1_700_000_000_000_000_000L + i * 1_000_003L, TimeSource.EVENT, attrs, new TreeSet<>(),
          body.getBytes(StandardCharsets.UTF_8));
      Map<String, String> headers = new HashMap<>();
      EventHeaders.write(ce, headers);
      events.add(org.apache.flume.event.EventBuilder.withBody(ce.body(), headers));
    }
    return events;
  }

  static MemoryChannel channel() {
    MemoryChannel ch = new MemoryChannel();
    ch.setName("bench-channel");
    Configurables.configure(ch, new Context(Map.of("capacity", Integer.toString(CHUNK * 2),
        "transactionCapacity", Integer.toString(BATCH))));
    ch.start();
    return ch;
  }

  /** Feeds events to the sink chunk by chunk; returns nanoseconds spent in process() only. */
  static long drive(Sink sink, MemoryChannel ch, List<Event> events) throws Exception {
    long spent = 0;
    for (int from = 0; from < events.size(); from += CHUNK) {
      List<Event> chunk = events.subList(from, Math.min(events.size(), from + CHUNK));
      for (int i = 0; i < chunk.size(); i += BATCH) {
        Transaction tx = ch.getTransaction();
        tx.begin();
        for (Event e : chunk.subList(i, Math.min(chunk.size(), i + BATCH))) {
          ch.put(e);
        }
        tx.commit();
        tx.close();
      }
      long t0 = System.nanoTime();
      int batches = (chunk.size() + BATCH - 1) / BATCH;
      for (int b = 0; b < batches; b++) {
        if (sink.process() != Sink.Status.READY) {
          throw new IllegalStateException("sink backed off during the benchmark");
        }
      }
      spent += System.nanoTime() - t0;
    }
    return spent;
  }

  static Map<String, String> eventSinkKeys(String table) {
    Map<String, String> p = new HashMap<>();
    p.put("table", table);
    p.put("batchSize", Integer.toString(BATCH));
    p.put("zookeeperQuorum", "127.0.0.1");
    p.put("hbase.zookeeper.property.clientPort", Integer.toString(SharedMiniCluster.zkPort()));
    return p;
  }

  static long runEventSink(String table, List<Event> events) throws Exception {
    return runSink(new EventSink(), "bench-eventsink", eventSinkKeys(table), events);
  }

  static long runStockSink(String table, List<Event> events) throws Exception {
    Map<String, String> p = Props.map("""
        columnFamily = %s
        batchSize = %d
        zookeeperQuorum = 127.0.0.1:%d
        serializer = org.apache.flume.sink.hbase2.SimpleHBase2EventSerializer
        """.formatted(TableSchema.FAMILY_EVENT, BATCH, SharedMiniCluster.zkPort()));
    p.put("table", table);
    return runSink(new HBase2Sink(), "bench-hbase2sink", p, events);
  }

  static long runHdfsSink(String dir, List<Event> events) throws Exception {
    Map<String, String> p = Props.map("""
        hdfs.timeZone = UTC
        hdfs.fileType = DataStream
        hdfs.fileSuffix = .avro
        serializer = io.eventstate.flume.sink.EventAvroSerializer$Builder
        serializer.compressionCodec = snappy
        hdfs.rollInterval = 0
        hdfs.rollSize = 0
        hdfs.rollCount = 0
        hdfs.batchSize = %d
        """.formatted(BATCH));
    p.put("hdfs.path", dir + "/entity_type=%{es.entityType}/dt=%Y-%m-%d");
    return runSink(new org.apache.flume.sink.hdfs.HDFSEventSink(), "bench-hdfs", p, events);
  }

  /** Configures and starts a sink on a fresh channel, drives the events through it, stops both. */
  private static long runSink(AbstractSink sink, String name, Map<String, String> conf, List<Event> events)
      throws Exception {
    MemoryChannel ch = channel();
    sink.setName(name);
    Configurables.configure(sink, new Context(conf));
    sink.setChannel(ch);
    sink.start();
    try {
      return drive(sink, ch, events);
    } finally {
      sink.stop();
      ch.stop();
    }
  }

  static long runBufferedMutator(Connection conn, String table, List<Event> events) throws Exception {
    List<CanonicalEvent> ces = new ArrayList<>(events.size());
    for (Event e : events) {
      ces.add(EventHeaders.read(e.getHeaders(), e.getBody()));
    }
    long t0 = System.nanoTime();
    try (BufferedMutator m = conn.getBufferedMutator(TableName.valueOf(table))) {
      for (int i = 0; i < ces.size(); i += BATCH) {
        // the same cells EventSink writes: event rows plus one state touch per entity per batch
        for (EventRowCodec.EntityWrite w : EventRowCodec.entityWrites(ces.subList(i, Math.min(ces.size(), i + BATCH)))) {
          for (EventRowCodec.RowWrite r : w.rows()) {
            Put p = EntityWriter.toPut(r, Durability.SYNC_WAL);
            m.mutate(p);
          }
        }
      }
      m.flush();
    }
    return System.nanoTime() - t0;
  }

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    AutoCloseable cluster = SharedMiniCluster.startOutsideJUnit();
    org.apache.hadoop.conf.Configuration dfsConf = new org.apache.hadoop.conf.Configuration();
    dfsConf.set(org.apache.hadoop.hdfs.MiniDFSCluster.HDFS_MINIDFS_BASEDIR,
        java.nio.file.Files.createTempDirectory("bench-dfs").toString());
    org.apache.hadoop.hdfs.MiniDFSCluster dfs = new org.apache.hadoop.hdfs.MiniDFSCluster.Builder(dfsConf)
        .numDataNodes(1).build();
    dfs.waitActive();
    String hdfs = dfs.getFileSystem().getUri().toString();
    Map<String, List<Double>> rates = new LinkedHashMap<>();
    Map<String, Long> peaks = new LinkedHashMap<>();
    try (Connection conn = ConnectionFactory.createConnection(SharedMiniCluster.util().getConfiguration())) {
      // warm-up round, not counted: JIT, region locations, memstores
      List<Event> warm = events(Math.min(n, 20_000), 99);
      runEventSink(TestTables.create("bench_warm_es").tableName(), warm);
      runBufferedMutator(conn, TestTables.create("bench_warm_bm").tableName(), warm);
      runStockSink(TestTables.create("bench_warm_stock").tableName(), warm);
      runHdfsSink(hdfs + "/warm", warm);
      for (int round = 0; round < rounds; round++) {
        List<Event> events = events(n, round);
        for (String path : List.of("EventSink", "BufferedMutator", "HBase2Sink", "HDFSSink+EventAvroSerializer")) {
          if (path.startsWith("HDFS")) {
            System.gc();
            long nanos;
            try (PeakHeap heap = new PeakHeap()) {
              nanos = runHdfsSink(hdfs + "/round" + round, events);
              peaks.merge(path, heap.peakMb(), Math::max);
            }
            double rate = n / (nanos / 1e9);
            rates.computeIfAbsent(path, k -> new ArrayList<>()).add(rate);
            System.out.printf(Locale.ROOT, "round %d %-16s %,10.0f events/s%n", round + 1, path, rate);
            continue;
          }
          String table = TestTables.create("bench_" + path.toLowerCase(Locale.ROOT)).tableName();
          System.gc();
          long nanos;
          try (PeakHeap heap = new PeakHeap()) {
            switch (path) {
              case "EventSink" -> nanos = runEventSink(table, events);
              case "BufferedMutator" -> nanos = runBufferedMutator(conn, table, events);
              default -> nanos = runStockSink(table, events);
            }
            peaks.merge(path, heap.peakMb(), Math::max);
          }
          double rate = n / (nanos / 1e9);
          rates.computeIfAbsent(path, k -> new ArrayList<>()).add(rate);
          System.out.printf(Locale.ROOT, "round %d %-16s %,10.0f events/s%n", round + 1, path, rate);
          SharedMiniCluster.util().getAdmin().disableTable(TableName.valueOf(table));
          SharedMiniCluster.util().getAdmin().deleteTable(TableName.valueOf(table));
        }
      }
    } finally {
      dfs.shutdown();
      cluster.close();
    }
    double base = median(rates.get("BufferedMutator"));
    System.out.printf(Locale.ROOT, "%n%d events of ~%d B, %d entities, batches of %d, %d rounds (median)%n", n,
        events(1, 0).get(0).getBody().length, ENTITIES, BATCH, rounds);
    System.out.println("| write path | events/s | vs BufferedMutator | peak heap (MB, whole JVM) |");
    System.out.println("|---|---|---|---|");
    for (Map.Entry<String, List<Double>> e : rates.entrySet()) {
      double med = median(e.getValue());
      System.out.printf(Locale.ROOT, "| %s | %,.0f | %.2f | %d |%n", e.getKey(), med, med / base, peaks.get(e.getKey()));
    }
    System.exit(0);
  }

  static double median(List<Double> xs) {
    double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }
}
