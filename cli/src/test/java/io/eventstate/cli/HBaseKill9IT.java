package io.eventstate.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.event.TimeSource;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.state.StateColumns;
import io.eventstate.flume.sink.EventSink;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.Sink.Status;
import org.apache.flume.channel.MemoryChannel;
import org.apache.flume.conf.Configurables;
import org.apache.flume.event.EventBuilder;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.ResultScanner;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.util.Bytes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.eventstate.core.config.Locations;
import io.eventstate.testing.Channels;
import io.eventstate.testing.Props;

/**
 * R22: the HBase process itself ({@code ./eventstate hbase}, forked: ZooKeeper, master and RegionServer in one JVM on
 * a data directory) is killed with kill -9 between two committed batches of a stream, then started again on the same
 * directory: every batch the sink had committed before the kill is still stored (WAL replay), and after the sink
 * redelivers the rest every event is stored once and applied to its entity's state once.
 */
class HBaseKill9IT {

  private static final Pattern RUNNING = Pattern.compile("HBase running: ZooKeeper 127\\.0\\.0\\.1:(\\d+)");
  private static final AtomicInteger SEQ = new AtomicInteger();
  private static final String TABLE = "kill9";

  @TempDir
  Path home;

  private Process hbase;
  private EventSink sink;

  @AfterEach
  void stop() throws InterruptedException {
    if (sink != null) {
      sink.stop();
    }
    if (hbase != null) {
      hbase.destroy(); // a clean stop; wait for it, or the temporary directory is deleted under a running HBase
      if (!hbase.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
        hbase.destroyForcibly().waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
      }
    }
  }

  /** Forks {@code ./eventstate hbase} on {@code home}; returns its ZooKeeper port once it serves the table. */
  private int startHBase(Path log) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    hbase = new ProcessBuilder(java, "-Xmx768m", "-cp", System.getProperty("java.class.path"),
        "-Deventstate.home=" + home, "io.eventstate.cli.Main", "hbase", "--table", TABLE, "--regions", "2",
        "--conf", Locations.repositoryRoot().resolve("conf").toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    String text = await("forked HBase serving").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
        .until(() -> {
          assertTrue(hbase.isAlive() || RUNNING.matcher(Files.readString(log)).find(), "HBase died: " + Files.readString(log));
          return Files.readString(log);
        }, t -> RUNNING.matcher(t).find());
    Matcher m = RUNNING.matcher(text);
    assertTrue(m.find());
    return Integer.parseInt(m.group(1));
  }

  private EventSink sink(MemoryChannel ch, int zkPort) {
    EventSink s = new EventSink();
    s.setName("kill9-sink-" + SEQ.incrementAndGet());
    Map<String, String> p = Props.map("""
        table = %s
        batchSize = 50
        timeoutMs = 5000
        writeThreads = 1
        zookeeperQuorum = 127.0.0.1
        hbase.zookeeper.property.clientPort = %d
        hbase.client.retries.number = 2
        """.formatted(TABLE, zkPort));
    Configurables.configure(s, new Context(p));
    s.setChannel(ch);
    return s;
  }

  private static List<CanonicalEvent> input() {
    List<CanonicalEvent> out = new ArrayList<>();
    String[] types = {"pre_transit", "in_transit", "in_transit", "out_for_delivery", "delivered"};
    for (int j = 0; j < 30; j++) {
      for (int i = 0; i < 20; i++) {
        out.add(new CanonicalEvent("k" + i + "-" + j, "package", "K" + i, types[j % 5],
            1_700_000_000_000_000_000L + j * 60_000_000_000L + i, TimeSource.EVENT, new TreeMap<>(), new TreeSet<>(),
            ("{\"i\":" + i + ",\"j\":" + j + "}").getBytes(StandardCharsets.UTF_8)));
      }
    }
    return out;
  }

  private static Map<String, Map<String, byte[]>> rows(int zkPort) throws Exception {
    Configuration conf = HBaseConfiguration.create();
    conf.set("hbase.zookeeper.quorum", "127.0.0.1");
    conf.setInt("hbase.zookeeper.property.clientPort", zkPort);
    Map<String, Map<String, byte[]>> out = new TreeMap<>();
    try (Connection c = ConnectionFactory.createConnection(conf); Table t = c.getTable(TableName.valueOf(TABLE));
         ResultScanner s = t.getScanner(new Scan())) {
      for (Result r : s) {
        Map<String, byte[]> cells = new TreeMap<>();
        r.getNoVersionMap().forEach((f, qs) -> qs.forEach((q, v) -> cells.put(Bytes.toString(f) + ":" + Bytes.toString(q), v)));
        out.put(Bytes.toString(r.getRow()), cells);
      }
    }
    return out;
  }

  @Test
  void hbaseKilledWithKill9MidStreamKeepsAcknowledgedWritesAndAppliesEachEventOnce() throws Exception {
    List<CanonicalEvent> in = input();
    MemoryChannel ch = Channels.memory("kill9-channel", 10000, 1000);
    List<Event> events = new ArrayList<>();
    for (CanonicalEvent e : in) {
      Map<String, String> h = new HashMap<>();
      EventHeaders.write(e, h);
      h.put(EventHeaders.STATUS, EventHeaders.STATUS_VALID);
      events.add(EventBuilder.withBody(e.body(), h));
    }
    Channels.putAll(ch, events);

    int port = startHBase(home.resolve("hbase-1.log"));
    sink = sink(ch, port);
    sink.start();
    for (int i = 0; i < 4; i++) {
      assertEquals(Status.READY, sink.process(), "batch " + i + " written");
    }
    long acknowledged = sink.sinkCounter().getEventDrainSuccessCount();
    assertEquals(200, acknowledged);

    hbase.destroyForcibly(); // SIGKILL between two writes of the stream: no shutdown hook, no flush
    assertTrue(hbase.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
    assertFalse(hbase.isAlive());
    assertEquals(137, hbase.exitValue(), "killed by signal 9");
    // (a write now would wait for ZooKeeper, which died with HBase, for minutes: the agent would simply stay blocked)
    sink.stop();

    int port2 = startHBase(home.resolve("hbase-2.log"));
    Map<String, Map<String, byte[]>> afterRestart = rows(port2);
    for (CanonicalEvent e : in.subList(0, (int) acknowledged)) {
      String row = RowKeyCodec.eventRowKey(e.entityType(), e.entityId(), e.eventTimeNanos(), e.eventId());
      assertTrue(afterRestart.containsKey(row), "acknowledged before the kill and lost: " + row);
    }

    sink = sink(ch, port2);
    sink.start();
    await("the rest redelivered").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(10)).until(() -> {
      sink.process();
      return sink.sinkCounter().getEventDrainSuccessCount() >= in.size() - acknowledged;
    });
    assertEquals(in.size() - acknowledged, sink.sinkCounter().getEventDrainSuccessCount(), "nothing redelivered twice");

    Map<String, Map<String, byte[]>> rows = rows(port2);
    Set<String> ids = new TreeSet<>();
    Map<String, Integer> perEntity = new TreeMap<>();
    for (String row : rows.keySet()) {
      RowKeyCodec.DecodedKey k = RowKeyCodec.decode(row);
      if (k.kind() == RowKeyCodec.Kind.EVENT) {
        assertTrue(ids.add(k.eventId()), "stored twice: " + k.eventId());
        perEntity.merge(RowKeyCodec.stateRowKey(k.entityType(), k.entityId()), 1, Integer::sum);
      }
    }
    assertEquals(in.size(), ids.size(), "every event stored once");
    assertEquals(20, perEntity.size());
    for (Map.Entry<String, Integer> e : perEntity.entrySet()) {
      byte[] applied = rows.get(e.getKey()).get("s:" + StateColumns.EVENTS);
      assertEquals(30, StateColumns.toLong(applied), e.getKey() + ": each event applied once");
      assertEquals(e.getValue(), 30);
    }
    assertTrue(rows.keySet().stream().noneMatch(RowKeyCodec::isDeadLetter), "an outage is not poison");
  }
}
