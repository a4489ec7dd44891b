package io.eventstate.hbase.coprocessor;

import static io.eventstate.hbase.coprocessor.StateTables.MIN;
import static io.eventstate.hbase.coprocessor.StateTables.T0;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.flume.interceptor.JsonHttpHandler;
import io.eventstate.flume.interceptor.JsonLineDeserializer;
import io.eventstate.flume.interceptor.NormalizingInterceptor;
import io.eventstate.flume.interceptor.TaggingInterceptor;
import io.eventstate.flume.sink.EventSink;
import io.eventstate.testing.InProcessAgent;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.flume.Event;
import org.apache.hadoop.hbase.StartMiniClusterOption;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.util.Bytes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import io.eventstate.testing.SharedMiniCluster;

/**
 * Faults through the real in-process agent (HTTP and spooling-directory sources, normalizing and tagging interceptors,
 * file channels, EventSink, a dead-letter sink) into a table with the state coprocessor: a long HBase outage, a failing
 * dead-letter path, and a corpus of poison events interleaved with good ones. After each: event rows = the distinct
 * ids accepted, every state row = the offline recomputation, no RegionServer aborted, counters reconcile.
 */
@ExtendWith({SharedMiniCluster.class, SharedMiniCluster.RegionServersAlive.class})
class ReliabilityAgentIT {

  private static final AtomicInteger SEQ = new AtomicInteger();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  @BeforeEach
  void resetDeadLetterSink() {
    SwitchableSink.failing = false;
    SwitchableSink.STORED.clear();
    SwitchableSink.FAILURES.set(0);
  }

  /** Names of one agent's components (unique per agent: counters are JMX beans named by component). */
  private record Names(String web, String spool, String events, String deadletter, String sink, String dl) {
    static Names next() {
      int n = SEQ.incrementAndGet();
      return new Names("web" + n, "spool" + n, "events" + n, "deadletter" + n, "hbase" + n, "dl" + n);
    }
  }

  private InProcessAgent agent(Names n, TableName table, int eventsCapacity, int maxLineLength) {
    Properties p = new Properties();
    p.put("a1.sources", n.web() + " " + n.spool());
    p.put("a1.channels", n.events() + " " + n.deadletter());
    p.put("a1.sinks", n.sink() + " " + n.dl());
    p.put("a1.sources." + n.web() + ".type", "http");
    p.put("a1.sources." + n.web() + ".handler", JsonHttpHandler.class.getName());
    p.put("a1.sources." + n.spool() + ".type", "spooldir");
    p.put("a1.sources." + n.spool() + ".spoolDir", "/relocated");
    p.put("a1.sources." + n.spool() + ".deserializer", JsonLineDeserializer.Builder.class.getName());
    p.put("a1.sources." + n.spool() + ".deserializer.maxLineLength", Integer.toString(maxLineLength));
    p.put("a1.sources." + n.spool() + ".deserializer.deadLetter.maxBytes", "4096");
    for (String s : List.of(n.web(), n.spool())) {
      String b = "a1.sources." + s + ".";
      p.put(b + "channels", n.events() + " " + n.deadletter());
      p.put(b + "selector.type", "multiplexing");
      p.put(b + "selector.header", EventHeaders.ROUTE);
      p.put(b + "selector.mapping.valid", n.events());
      p.put(b + "selector.default", n.deadletter());
      p.put(b + "interceptors", "normalize tag");
      p.put(b + "interceptors.normalize.type", NormalizingInterceptor.Builder.class.getName());
      p.put(b + "interceptors.normalize.name", "normalize-" + s);
      p.put(b + "interceptors.normalize.eventId.paths", "/id");
      p.put(b + "interceptors.normalize.entity.type", "package");
      p.put(b + "interceptors.normalize.entity.paths", "/code");
      p.put(b + "interceptors.normalize.eventType.paths", "/type");
      p.put(b + "interceptors.normalize.time.paths", "/t");
      p.put(b + "interceptors.normalize.time.format", "epoch_nanos");
      p.put(b + "interceptors.normalize.attributes", "v:/v, overflow:/overflow");
      p.put(b + "interceptors.tag.type", TaggingInterceptor.Builder.class.getName());
      p.put(b + "interceptors.tag.name", "tag-" + s);
      p.put(b + "interceptors.tag.rules", "slow");
      // catastrophic for a backtracking engine; linear on RE2/J
      p.put(b + "interceptors.tag.rules.slow.if", "attr.v regex (.*a){12}$");
      p.put(b + "interceptors.tag.rules.slow.tag", "slow");
    }
    p.put("a1.channels." + n.events() + ".type", "file");
    p.put("a1.channels." + n.events() + ".capacity", Integer.toString(eventsCapacity));
    p.put("a1.channels." + n.events() + ".transactionCapacity", "100");
    p.put("a1.channels." + n.events() + ".keep-alive", "1");
    p.put("a1.channels." + n.deadletter() + ".type", "file");
    p.put("a1.channels." + n.deadletter() + ".keep-alive", "1");
    String k = "a1.sinks." + n.sink() + ".";
    p.put(k + "type", EventSink.class.getName());
    p.put(k + "channel", n.events());
    p.put(k + "table", table.getNameAsString());
    p.put(k + "batchSize", "100");
    p.put(k + "timeoutMs", "5000");
    p.put(k + "zookeeperQuorum", "127.0.0.1");
    p.put(k + "hbase.zookeeper.property.clientPort",
        Integer.toString(SharedMiniCluster.util().getZkCluster().getClientPort()));
    p.put(k + "hbase.client.retries.number", "2");
    p.put("a1.sinks." + n.dl() + ".type", SwitchableSink.class.getName());
    p.put("a1.sinks." + n.dl() + ".channel", n.deadletter());
    return InProcessAgent.fromProperties(p, "a1").workDir(dir.resolve("agent-" + n.web())).start();
  }

  private static String json(CanonicalEvent e) throws Exception {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", e.eventId());
    m.put("code", e.entityId());
    m.put("type", e.eventType());
    m.put("t", e.eventTimeNanos());
    m.putAll(e.attributes());
    return JSON.writeValueAsString(m);
  }

  private static String payload(List<CanonicalEvent> events) throws Exception {
    StringBuilder sb = new StringBuilder();
    for (CanonicalEvent e : events) {
      sb.append(json(e)).append('\n');
    }
    return sb.toString();
  }

  /** Package histories: entity i's j-th event has type PACKAGE_TYPES[j % 5], one minute apart. */
  private static List<CanonicalEvent> histories(String prefix, int entities, int perEntity) {
    List<CanonicalEvent> out = new ArrayList<>();
    for (int j = 0; j < perEntity; j++) {
      for (int i = 0; i < entities; i++) {
        out.add(StateTables.event("package", prefix + i, StateTables.PACKAGE_TYPES[j % StateTables.PACKAGE_TYPES.length],
            T0 + j * MIN + i, prefix + i + "-" + j, "v", "x" + j));
      }
    }
    return out;
  }

  private static Set<String> eventRowIds(TableName tn) throws Exception {
    Set<String> ids = new TreeSet<>();
    for (String row : StateTables.rows(tn).keySet()) {
      RowKeyCodec.DecodedKey k = RowKeyCodec.decode(row);
      if (k.kind() == RowKeyCodec.Kind.EVENT) {
        ids.add(k.eventId());
      }
    }
    return ids;
  }

  private static long counter(String kind, String name, String attribute) {
    return InProcessAgent.registered(kind, name) ? InProcessAgent.counter(kind, name, attribute) : -1;
  }

  /**
   * R21: HBase (master and both RegionServers) down for over two minutes while a client keeps sending: the sink rolls
   * back and backs off, the file channel fills, the HTTP source answers 503 and the client resends; nothing is
   * dead-lettered, and after the restart every accepted event is stored once and every state equals the offline
   * recomputation.
   */
  @Test
  void hbaseDownForTwoMinutesUnderSteadyInputFillsTheChannelAnswers503AndLosesNothing() throws Exception {
    TableName tn = StateTables.create("outage", StateTables.standardProperties());
    Names n = Names.next();
    int capacity = 300;
    List<CanonicalEvent> all = histories("o", 40, 60);
    List<CanonicalEvent> accepted = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger got503 = new AtomicInteger();
    AtomicInteger sent = new AtomicInteger();
    AtomicBoolean stopFeeding = new AtomicBoolean();
    try (InProcessAgent agent = agent(n, tn, capacity, 1 << 20)) {
      Thread feeder = new Thread(() -> {
        try {
          // 5 events about every 100 ms; a 503 means nothing of the payload was kept: the same payload is resent
          for (int i = 0; i < all.size() && !(stopFeeding.get() && i % 5 == 0); i += 5) {
            List<CanonicalEvent> batch = all.subList(i, Math.min(all.size(), i + 5));
            String body = payload(batch);
            while (true) {
              int status = agent.post(n.web(), body, "application/json; charset=UTF-8").statusCode();
              if (status == 200) {
                accepted.addAll(batch);
                break;
              }
              assertEquals(503, status, "only 'channel full' is expected");
              got503.incrementAndGet();
              await().pollDelay(Duration.ofMillis(500)).until(() -> true);
            }
            sent.addAndGet(batch.size());
            await().pollDelay(Duration.ofMillis(100)).until(() -> true);
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, "outage-feeder");
      feeder.setDaemon(true);
      feeder.start();

      await().atMost(Duration.ofSeconds(60)).until(() -> eventRowIds(tn).size() >= 50);
      long drainedBefore = counter("sink", n.sink(), "EventDrainSuccessCount");
      long rollbacksBefore = counter("other", n.sink(), "Rollbacks");
      SharedMiniCluster.util().shutdownMiniHBaseCluster();
      long down = System.nanoTime();
      long maxFill;
      try {
        // the queue holds the channel's capacity less the one batch the sink holds in its open (failing) transaction
        await("channel full and HTTP 503").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
            .until(() -> got503.get() > 0 && counter("channel", n.events(), "ChannelSize") >= capacity - 100);
        maxFill = counter("channel", n.events(), "ChannelSize");
        long drainedDuring = counter("sink", n.sink(), "EventDrainSuccessCount");
        await("two minutes of outage").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
            .until(() -> System.nanoTime() - down >= Duration.ofSeconds(125).toNanos());
        assertTrue(counter("other", n.sink(), "Rollbacks") > rollbacksBefore, "the sink rolled back");
        assertEquals(drainedDuring, counter("sink", n.sink(), "EventDrainSuccessCount"), "nothing drained while down");
        assertTrue(drainedDuring - drainedBefore <= 100, "at most the batch in flight when HBase stopped");
      } finally {
        SharedMiniCluster.util().startMiniHBaseCluster(StartMiniClusterOption.builder().numMasters(1)
            .numRegionServers(2).build());
      }
      SharedMiniCluster.util().waitTableAvailable(tn, 60_000);
      int acceptedAtRestart = accepted.size();
      await().atMost(Duration.ofSeconds(120)).until(() -> accepted.size() >= acceptedAtRestart + 50);
      stopFeeding.set(true);
      feeder.join(120_000);
      List<CanonicalEvent> in = new ArrayList<>(accepted);
      await("every accepted event stored").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1))
          .until(() -> eventRowIds(tn).size() >= in.size());
      await().atMost(Duration.ofSeconds(30)).until(() -> counter("channel", n.events(), "ChannelSize") == 0);

      assertTrue(maxFill >= capacity - 100, "the channel filled up: " + maxFill);
      assertTrue(got503.get() > 0, "HTTP 503 pushed back");
      int entities = StateTables.assertInvariants(tn, StateTables.spec(StateTables.standardProperties()), in);
      assertEquals(40, entities);
      assertTrue(StateTables.rows(tn).keySet().stream().noneMatch(RowKeyCodec::isDeadLetter), "an outage is not poison");
      assertEquals(in.size(), counter("source", n.web(), "EventAcceptedCount"), "source counter = accepted");
      assertEquals(in.size(), counter("sink", n.sink(), "EventDrainSuccessCount"), "sink counter = stored");
      assertEquals(0, counter("other", n.sink(), "DeadLettered"));
      assertEquals(List.of(), SwitchableSink.STORED);
    }
  }

  /**
   * R23: the dead-letter store fails (its sink throws on every batch): valid events keep flowing into HBase, the dead
   * letters wait in their own channel, and reach the store once it works again, each with its reason.
   */
  @Test
  void aFailingDeadLetterPathDoesNotStopValidEvents() throws Exception {
    TableName tn = StateTables.create("dlfail", StateTables.standardProperties());
    Names n = Names.next();
    SwitchableSink.failing = true;
    List<CanonicalEvent> good = histories("d", 8, 5);
    try (InProcessAgent agent = agent(n, tn, 10_000, 1 << 20)) {
      int bad = 0;
      for (int i = 0; i < good.size(); i += 10) {
        StringBuilder body = new StringBuilder(payload(good.subList(i, i + 10)));
        body.append("{\"id\":\"nocode-").append(i).append("\",\"type\":\"x\",\"t\":").append(T0).append("}\n");
        bad++;
        assertEquals(200, agent.post(n.web(), body.toString(), "application/json").statusCode());
      }
      int badSent = bad;
      await("valid events stored although the dead-letter path fails").atMost(Duration.ofSeconds(60))
          .until(() -> eventRowIds(tn).size() == good.size());
      await().atMost(Duration.ofSeconds(30)).until(() -> SwitchableSink.FAILURES.get() > 0);
      // in the channel: put, never taken with success (the failing sink rolls every take back)
      assertEquals(badSent, counter("channel", n.deadletter(), "EventPutSuccessCount"));
      assertEquals(0, counter("channel", n.deadletter(), "EventTakeSuccessCount"), "dead letters wait in their channel");
      assertEquals(List.of(), SwitchableSink.STORED);
      StateTables.assertInvariants(tn, StateTables.spec(StateTables.standardProperties()), good);

      SwitchableSink.failing = false;
      await("dead letters delivered once the store works").atMost(Duration.ofSeconds(60))
          .until(() -> SwitchableSink.STORED.size() == badSent);
      for (Event e : SwitchableSink.STORED) {
        assertTrue(e.getHeaders().get(EventHeaders.REASON).startsWith("missing_field: no entity id"),
            e.getHeaders().toString());
      }
      // the sink records a batch just before its commit empties the channel: wait for the commit
      await().atMost(Duration.ofSeconds(30)).until(() -> counter("channel", n.deadletter(), "ChannelSize") == 0);
      assertEquals(badSent, counter("channel", n.deadletter(), "EventTakeSuccessCount"));
    }
  }

  /**
   * The acceptance corpus: every poison case, each between good events, dropped as one file into a spooling directory
   * (and [] posted over HTTP): every good event is stored within 60 s, every poison event is dead-lettered with its
   * reason (by the normalizer into the dead-letter channel, or by the sink into a dead-letter row when the coprocessor
   * refuses it), nothing is stored that was not sent, and the catastrophic regex rule does not hold the source.
   */
  @Test
  void aPoisonCorpusInterleavedWithGoodEventsNeverStallsTheGoodOnes() throws Exception {
    TableName tn = StateTables.create("corpus", CrashingEntityStateObserver.class.getName(), null,
        StateTables.standardProperties());
    Names n = Names.next();
    List<CanonicalEvent> good = new ArrayList<>();
    Map<String, String> poison = new LinkedHashMap<>(); // name -> expected reason prefix
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    int[] seq = {0};
    Runnable goodLine = () -> {
      int i = seq[0]++;
      CanonicalEvent e = StateTables.event("package", "g" + (i % 4), StateTables.PACKAGE_TYPES[(i / 4) % 5],
          T0 + i * MIN, "good-" + i, "v", i == 3 ? "a".repeat(36) + "!" : i == 5 ? "a".repeat(12) : "v" + i);
      good.add(e);
      try {
        file.writeBytes((json(e) + "\n").getBytes(StandardCharsets.UTF_8));
      } catch (Exception ex) {
        throw new IllegalStateException(ex);
      }
    };
    java.util.function.BiConsumer<String, byte[]> poisonLine = (reason, bytes) -> {
      goodLine.run();
      poison.put("p" + poison.size(), reason);
      file.writeBytes(bytes);
      file.write('\n');
    };
    poisonLine.accept("limit: entity id", ("{\"id\":\"p-long\",\"code\":\"" + "E".repeat(33_000)
        + "\",\"type\":\"in_transit\",\"t\":" + T0 + "}").getBytes(StandardCharsets.UTF_8));
    poisonLine.accept("time_future: ", ("{\"id\":\"p-2262\",\"code\":\"g1\",\"type\":\"delivered\",\"t\":"
        + Long.MAX_VALUE + "}").getBytes(StandardCharsets.UTF_8));
    byte[] latin1 = ("{\"id\":\"p-latin1\",\"code\":\"g\u00e9\",\"type\":\"in_transit\",\"t\":" + T0 + "}")
        .getBytes(StandardCharsets.ISO_8859_1);
    poisonLine.accept("json: ", latin1);
    poisonLine.accept("limit: line of ", ("{\"id\":\"p-line\",\"code\":\"g2\",\"pad\":\"" + "p".repeat(250_000)
        + "\",\"type\":\"in_transit\",\"t\":" + T0 + "}").getBytes(StandardCharsets.UTF_8));
    poisonLine.accept("limit: attribute 'v'", ("{\"id\":\"p-attr\",\"code\":\"g2\",\"v\":\"" + "v".repeat(70_000)
        + "\",\"type\":\"in_transit\",\"t\":" + T0 + "}").getBytes(StandardCharsets.UTF_8));
    poisonLine.accept("limit: nesting depth", ("{\"id\":\"p-deep\",\"code\":\"g3\",\"type\":\"x\",\"t\":" + T0
        + ",\"d\":" + "[".repeat(100) + "]".repeat(100) + "}").getBytes(StandardCharsets.UTF_8));
    poisonLine.accept("json: ", "[{\"id\":\"p-array\",\"code\":\"g3\",\"type\":\"x\",\"t\":1}]".getBytes(StandardCharsets.UTF_8));
    poisonLine.accept("missing_field: ", "{}".getBytes(StandardCharsets.UTF_8));
    poisonLine.accept("json: ", "{\"id\":\"p-cut\",\"code\":".getBytes(StandardCharsets.UTF_8));
    goodLine.run();
    // passes the normalizer, then overflows the stack in the coprocessor: a dead-letter row written by the sink
    CanonicalEvent overflow = StateTables.event("package", "g0", "in_transit", T0 + 999 * MIN, "p-overflow",
        "overflow", "yes");
    file.writeBytes((json(overflow) + "\n").getBytes(StandardCharsets.UTF_8));
    goodLine.run();

    try (InProcessAgent agent = agent(n, tn, 10_000, 200_000)) {
      assertEquals(400, agent.post(n.web(), "[]", "application/json").statusCode(), "[] is an empty payload");
      Path spool = Path.of(agent.property("sources." + n.spool() + ".spoolDir"));
      Path tmp = dir.resolve("corpus.jsonl");
      Files.write(tmp, file.toByteArray());
      Files.move(tmp, spool.resolve("corpus.jsonl"), StandardCopyOption.ATOMIC_MOVE);
      long dropped = System.nanoTime();

      Set<String> goodIds = good.stream().map(CanonicalEvent::eventId).collect(Collectors.toCollection(TreeSet::new));
      await("every good event stored").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
          .until(() -> eventRowIds(tn).containsAll(goodIds));
      long seconds = Duration.ofNanos(System.nanoTime() - dropped).toSeconds();
      await("every poison event dead-lettered").atMost(Duration.ofSeconds(60))
          .until(() -> SwitchableSink.STORED.size() == poison.size());

      assertEquals(goodIds, eventRowIds(tn), "nothing stored that was not sent as a good event (" + seconds + " s)");
      List<String> reasons = SwitchableSink.STORED.stream().map(e -> e.getHeaders().get(EventHeaders.REASON))
          .collect(Collectors.toList());
      List<String> expected = new ArrayList<>(poison.values());
      for (int i = 0; i < expected.size(); i++) {
        assertTrue(reasons.get(i).startsWith(expected.get(i)), "poison " + i + ": expected '" + expected.get(i)
            + "…', got '" + reasons.get(i) + "'");
      }
      assertEquals(poison.size(), counter("interceptor", "normalize-" + n.spool(), "events.invalid"));
      Map<String, Map<String, byte[]>> rows = StateTables.rows(tn);
      List<String> dl = rows.keySet().stream().filter(RowKeyCodec::isDeadLetter).collect(Collectors.toList());
      assertEquals(1, dl.size(), dl.toString());
      Map<String, byte[]> cells = rows.get(dl.get(0));
      assertEquals("p-overflow", Bytes.toString(cells.get("e:h." + EventHeaders.EVENT_ID)));
      assertTrue(Bytes.toString(cells.get("e:reason")).contains("StackOverflowError"), Bytes.toString(cells.get("e:reason")));
      assertEquals(1, counter("other", n.sink(), "DeadLetteredRejected"));
      String tags = Bytes.toString(rows.get(RowKeyCodec.eventRowKey("package", "g1", T0 + 5 * MIN, "good-5")).get("e:tags"));
      assertEquals("slow", tags, "the catastrophic pattern still matches what it should");
      StateTables.assertInvariants(tn, StateTables.spec(StateTables.standardProperties()), good);
      assertEquals(good.size() + 1, counter("sink", n.sink(), "EventDrainSuccessCount"), "good + the overflow dead letter");
    }
  }
}
