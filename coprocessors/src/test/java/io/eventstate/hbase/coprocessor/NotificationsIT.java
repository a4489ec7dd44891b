package io.eventstate.hbase.coprocessor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.fsm.Fired;
import io.eventstate.core.fsm.MachineDefinition;
import io.eventstate.core.fsm.StateMachineEngine;
import io.eventstate.core.fsm.Step;
import io.eventstate.core.state.Notification;
import io.eventstate.flume.interceptor.JsonHttpHandler;
import io.eventstate.flume.sink.FailingCommitsEventSink;
import io.eventstate.flume.sink.NotificationSink;
import io.eventstate.flume.testing.DataFeeds;
import io.eventstate.testing.InProcessAgent;
import io.eventstate.testing.RecordingSink;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.interceptor.Interceptor;
import org.apache.flume.interceptor.InterceptorBuilderFactory;
import org.apache.hadoop.hbase.TableName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import io.eventstate.testing.SharedMiniCluster;
import io.eventstate.testing.Props;

/**
 * Notifications fed forward between two real agents on loopback. Agent A is the shipped example agent
 * (conf/flume/eventstate.properties: JSON handler, normalizer, tagging, file channel) whose EventSink writes into a
 * table with the state coprocessor and sends notifications to agent B's Avro source; B records what it receives.
 * The EasyPost trackers go into A while B is still down (every send fails: nothing may commit), then B starts, and
 * the first two batches that get as far as the commit are forced to roll back after their notifications went out.
 * B must end with exactly the notifications the coprocessor recorded ({@code d:notify}) plus one rule notification
 * per event tagged {@code exception}; for every package whose events arrive in event order (all but a few), that is
 * exactly what an offline replay of the package machine predicts (a late event's notifications follow its arrival,
 * see docs/actions.md); resent notifications carry the same ids.
 */
@ExtendWith({SharedMiniCluster.class, SharedMiniCluster.RegionServersAlive.class})
class NotificationsIT {

  @TempDir
  Path dir;

  /** The trackers feed through the example agent's handler and interceptors, offline, as canonical events. */
  private static List<CanonicalEvent> offlineTrackers(Path conf, Path data) throws Exception {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(conf, StandardCharsets.UTF_8)) {
      p.load(r);
    }
    String source = "a1.sources.easypost_trackers.";
    JsonHttpHandler handler = new JsonHttpHandler();
    handler.configure(new Context(DataFeeds.sub(p, source + "handler.")));
    List<Interceptor> chain = new ArrayList<>();
    for (String name : p.getProperty(source + "interceptors").trim().split("\\s+")) {
      Map<String, String> keys = DataFeeds.sub(p, source + "interceptors." + name + ".");
      keys.put("name", "notify-offline-" + name);
      Interceptor.Builder b = InterceptorBuilderFactory.newInstance(keys.get("type"));
      b.configure(new Context(keys));
      Interceptor i = b.build();
      i.initialize();
      chain.add(i);
    }
    List<CanonicalEvent> out = new ArrayList<>();
    try {
      for (DataFeeds.Request req : DataFeeds.requests(data)) {
        if (!req.source().equals("easypost_trackers")) {
          continue;
        }
        List<Event> batch = handler.toEvents(req.body(), Map.of());
        for (Interceptor i : chain) {
          batch = i.intercept(batch);
        }
        for (Event e : batch) {
          if ("valid".equals(e.getHeaders().get(EventHeaders.ROUTE))) {
            out.add(EventHeaders.read(e.getHeaders(), e.getBody()));
          }
        }
      }
    } finally {
      chain.forEach(Interceptor::close);
    }
    return out;
  }

  /** What the notifications must be: the machine replayed per entity in event order, and the tag rule. */
  private static Set<String> expectedIds(List<CanonicalEvent> events, MachineDefinition def) {
    Map<String, Map<String, CanonicalEvent>> byEntity = new LinkedHashMap<>();
    for (CanonicalEvent e : events) {
      byEntity.computeIfAbsent(e.entityId(), k -> new TreeMap<>()).putIfAbsent(e.eventId(), e);
    }
    Set<String> ids = new TreeSet<>();
    for (Map<String, CanonicalEvent> es : byEntity.values()) {
      List<CanonicalEvent> sorted = new ArrayList<>(es.values());
      sorted.sort(StateMachineEngine.EVENT_ORDER);
      List<Step> steps = StateMachineEngine.replay(def, StateMachineEngine.initial(def), sorted);
      for (int i = 0; i < steps.size(); i++) {
        CanonicalEvent e = sorted.get(i);
        for (Fired f : steps.get(i).fired()) {
          if (f.notifies()) {
            ids.add(Notification.transition(e.entityType(), e.entityId(), e.eventId(), e.eventTimeNanos(), def.name(),
                f.from(), f.to(), f.trigger()).id());
          }
        }
        if (e.tags().contains("exception")) {
          ids.add(Notification.rule(e.entityType(), e.entityId(), e.eventId(), e.eventTimeNanos(), "exception").id());
        }
      }
    }
    return ids;
  }

  /** Entities some of whose events arrive (in feed order) behind a newer one: their notifications follow arrival. */
  private static Set<String> lateEntities(List<CanonicalEvent> feedOrder) {
    Map<String, CanonicalEvent> newest = new TreeMap<>();
    Set<String> seen = new HashSet<>();
    Set<String> late = new TreeSet<>();
    for (CanonicalEvent e : feedOrder) {
      if (!seen.add(e.eventId())) {
        continue;
      }
      CanonicalEvent n = newest.get(e.entityId());
      if (n != null && StateMachineEngine.EVENT_ORDER.compare(e, n) < 0) {
        late.add(e.entityId());
      } else {
        newest.put(e.entityId(), e);
      }
    }
    return late;
  }

  private static Set<String> onlyInOrder(Set<String> ids, Set<String> lateEntities) {
    Set<String> out = new TreeSet<>();
    for (String id : ids) {
      String entity = id.substring("package:".length(), id.indexOf('|'));
      if (!lateEntities.contains(entity)) {
        out.add(id);
      }
    }
    return out;
  }

  /** B: Avro source, replicated to a recording sink (what arrived, duplicates included) and where they land. */
  private static Properties agentB(int port) {
    return Props.properties("""
        b1.sources = avro
        b1.channels = c landc
        b1.sinks = notified landed
        b1.sources.avro.type = avro
        b1.sources.avro.bind = 127.0.0.1
        b1.sources.avro.port = %d
        b1.sources.avro.channels = c landc
        b1.channels.c.type = memory
        b1.channels.c.capacity = 10000
        b1.channels.c.transactionCapacity = 1000
        b1.sinks.notified.type = %s
        b1.sinks.notified.channel = c
        b1.channels.landc.type = memory
        b1.channels.landc.capacity = 10000
        b1.channels.landc.transactionCapacity = 1000
        b1.sinks.landed.type = %s
        b1.sinks.landed.channel = landc
        # moved by the runner into the work directory
        b1.sinks.landed.directory = /var/lib/eventstate/notifications
        """.formatted(port, RecordingSink.class.getName(), NotificationSink.class.getName()));
  }

  @Test
  void agentBReceivesExactlyTheExpectedNotificationIdsAcrossFailedSendsAndForcedRollbacks() throws Exception {
    RecordingSink.clearAll();
    Map<String, String> props = StateTables.standardProperties();
    MachineDefinition def = StateTables.spec(props).machines().stream().filter(d -> d.name().equals("package"))
        .findFirst().orElseThrow();
    TableName tn = StateTables.create("notify", props);
    Path conf = DataFeeds.repositoryRoot().resolve("conf/flume/eventstate.properties");
    Path data = DataFeeds.sampleData();
    List<CanonicalEvent> offline = offlineTrackers(conf, data);
    Set<String> expected = expectedIds(offline, def);
    Set<String> storedIds = new HashSet<>();
    offline.forEach(e -> storedIds.add(e.eventId()));
    assertTrue(expected.size() >= 20, "the data makes notifications: " + expected.size());
    assertTrue(expected.stream().anyMatch(id -> id.contains("|tag:exception|")), "and rule notifications");

    int portB = InProcessAgent.freePort();
    try (InProcessAgent a = InProcessAgent.fromFile(conf, "a1").workDir(dir.resolve("a"))
        .override("sinks.hbase.type", FailingCommitsEventSink.class.getName())
        .override("sinks.hbase." + FailingCommitsEventSink.FAIL_COMMITS, "2")
        .override("sinks.hbase.table", tn.getNameAsString())
        .override("sinks.hbase.zookeeperQuorum", "127.0.0.1")
        .override("sinks.hbase.hbase.zookeeper.property.clientPort",
            Integer.toString(SharedMiniCluster.util().getZkCluster().getClientPort()))
        .override("sinks.hbase.notify.hostname", "127.0.0.1")
        .override("sinks.hbase.notify.port", Integer.toString(portB))
        .override("sinks.hbase.notify.tags", "exception")
        .override("sinks.hbase.notify.connectTimeoutMs", "1000")
        .start()) {
      for (DataFeeds.Request req : DataFeeds.requests(data)) {
        if (req.source().equals("easypost_trackers")) {
          assertEquals(200, DataFeeds.post(a, req.source(), req.body()), req.what());
        }
      }
      // B is down: the batch is stored in HBase, but no send succeeds, so nothing commits
      await("failed sends").atMost(Duration.ofSeconds(60))
          .until(() -> InProcessAgent.counter("sink", "hbase-notify", "sendFailures") >= 1);
      assertTrue(InProcessAgent.counter("sink", "hbase", "EventDrainSuccessCount") == 0,
          "no batch committed while its notifications could not be sent");
      assertTrue(StateTables.rows(tn).size() > 0, "the writes did happen");

      try (InProcessAgent b = InProcessAgent.fromProperties(agentB(portB), "b1").workDir(dir.resolve("b"))
          .override("sources.avro.port", Integer.toString(portB)).start()) {
        await("all events committed").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
            .until(() -> InProcessAgent.counter("channel", "events", "ChannelSize") == 0
                && InProcessAgent.counter("sink", "hbase", "EventDrainSuccessCount") >= storedIds.size());
        long sent = InProcessAgent.counter("sink", "hbase-notify", "sent");
        await("B drained").atMost(Duration.ofSeconds(60)).until(() -> RecordingSink.events("notified").size() == sent);
        List<Event> received = RecordingSink.events("notified");
        Set<String> ids = new TreeSet<>();
        for (Event e : received) {
          Map<String, String> h = e.getHeaders();
          ids.add(h.get(Notification.HEADER_ID));
          String body = new String(e.getBody(), StandardCharsets.UTF_8);
          assertTrue(body.contains("\"id\":\"" + h.get(Notification.HEADER_ID).replace("\\", "\\\\") + "\""), body);
          assertEquals("package", h.get(EventHeaders.ENTITY_TYPE));
        }
        // what the coprocessor recorded (d:notify) is exactly what B received
        Set<String> recorded = new TreeSet<>();
        for (Map<String, byte[]> row : StateTables.rows(tn).values()) {
          byte[] v = row.get("d:" + io.eventstate.core.state.StateColumns.NOTIFY);
          if (v != null) {
            Notification.decodeList(v).forEach(n -> recorded.add(n.id()));
          }
        }
        offline.stream().filter(e -> e.tags().contains("exception")).forEach(e -> recorded.add(
            Notification.rule(e.entityType(), e.entityId(), e.eventId(), e.eventTimeNanos(), "exception").id()));
        assertEquals(recorded, ids, "B received exactly the recorded notifications");
        // and for every package whose events arrived in event order, exactly what the offline replay predicts
        Set<String> late = lateEntities(offline);
        assertTrue(late.size() < 10 && offline.stream().map(CanonicalEvent::entityId).distinct().count() > 40);
        assertEquals(onlyInOrder(expected, late), onlyInOrder(ids, late), "exactly the expected notification ids");
        assertTrue(received.size() > ids.size(), "the forced rollbacks resent notifications (" + received.size()
            + " received, " + ids.size() + " distinct), with the same ids");

        // The same input fed again: every notification is sent again with its id, and lands nowhere new.
        long drained = InProcessAgent.counter("sink", "hbase", "EventDrainSuccessCount");
        for (DataFeeds.Request req : DataFeeds.requests(data)) {
          if (req.source().equals("easypost_trackers")) {
            assertEquals(200, DataFeeds.post(a, req.source(), req.body()), req.what());
          }
        }
        await("second feed committed").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
            .until(() -> InProcessAgent.counter("channel", "events", "ChannelSize") == 0
                && InProcessAgent.counter("sink", "hbase", "EventDrainSuccessCount") >= drained + storedIds.size());
        long sentTwice = InProcessAgent.counter("sink", "hbase-notify", "sent");
        assertTrue(sentTwice >= sent + ids.size(), "the second feed sent them all again: " + sent + " -> " + sentTwice);
        await("B landed everything").atMost(Duration.ofSeconds(60)).until(() -> InProcessAgent.counter("sink",
            "landed-landed", NotificationSink.STORED) + InProcessAgent.counter("sink", "landed-landed",
            NotificationSink.DUPLICATES) == sentTwice);
        Set<String> landed = new TreeSet<>();
        List<Path> files;
        Path landing = Path.of(b.property("sinks.landed.directory"));
        try (java.util.stream.Stream<Path> w = Files.walk(landing)) {
          files = w.filter(f -> f.toString().endsWith(".json")).toList();
        }
        for (Path f : files) {
          String id = new com.fasterxml.jackson.databind.ObjectMapper().readTree(f.toFile()).get("id").asText();
          landed.add(id);
          assertEquals(landing.resolve(io.eventstate.core.act.Landing.path(id)), f);
        }
        assertEquals(recorded, landed, "exactly the recorded notifications landed");
        assertEquals(ids.size(), files.size(), "each exactly once");
        assertEquals(ids.size(), InProcessAgent.counter("sink", "landed-landed", NotificationSink.STORED));
        assertEquals(sentTwice - ids.size(), InProcessAgent.counter("sink", "landed-landed",
            NotificationSink.DUPLICATES), "every resent notification was recognised");
      }
    }
  }
}
