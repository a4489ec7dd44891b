package io.eventstate.hbase.coprocessor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.fsm.StateMachineEngine;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.rowkey.TableSchema;
import io.eventstate.core.state.EntityStateSpec;
import io.eventstate.flume.sink.SchemaTool;
import io.eventstate.flume.sink.SinkWritePath;
import io.eventstate.testing.SharedMiniCluster;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hadoop.hbase.Coprocessor;
import org.apache.hadoop.hbase.MiniHBaseCluster;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.CoprocessorDescriptorBuilder;
import org.apache.hadoop.hbase.client.TableDescriptor;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rebuild on the cluster ({@link StateRebuildEndpoint}, {@link StateRebuildClient}): real feeds (EasyPost
 * packages, OTTO's sessions, Eyevinn's video sequences) stored with definitions v1, then v2 changes the package machine
 * (a state added, a guard changed, a state removed) and the session gap; tables of 8 regions on the module's two
 * RegionServers. After a rebuild every state row and counter equals the offline engines' recompute with v2
 * ({@link StateTables#assertInvariants}) and every coprocessor cell equals a table written with v2 from the start.
 */
@ExtendWith({SharedMiniCluster.class, SharedMiniCluster.RegionServersAlive.class})
class StateRebuildIT {

  private static final AtomicInteger SEQ = new AtomicInteger();

  // ------------------------------------------------------------------ data and definitions

  static List<CanonicalEvent> realEvents() throws Exception {
    List<CanonicalEvent> out = new ArrayList<>();
    for (EasyPostStateIT.Tracker t : EasyPostStateIT.trackers()) {
      out.addAll(t.events());
    }
    out.addAll(OttoSessionsIT.events());
    ObjectMapper m = new ObjectMapper();
    for (String kind : List.of("valid", "invalid")) {
      JsonNode root = m.readTree(StateTables.sampleData().resolve("real/video-player-sessions-eyevinn/json/" + kind
          + "_sequences.json").toFile());
      for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
        Map.Entry<String, JsonNode> seq = it.next();
        JsonNode events = seq.getValue();
        if (!events.isArray() || events.isEmpty() || !events.get(0).has("sessionId")) {
          continue;
        }
        String entity = events.get(0).get("sessionId").asText() + "-" + kind + "-" + seq.getKey();
        for (int i = 0; i < events.size(); i++) {
          JsonNode e = events.get(i);
          long t = e.path("timestamp").asLong() * 1_000_000_000L + i; // sequence order within a second
          out.add(StateTables.event("video_session", entity, e.get("event").asText(), t, entity + "#" + i));
        }
      }
    }
    out.sort(StateMachineEngine.EVENT_ORDER);
    return out;
  }

  static String packageV2() {
    String v1 = StateTables.conf("package.json");
    String v2 = v1.replace("\"guard\": \"attr.status_detail equals arrived_at_facility\"",
        "\"guard\": \"attr.status_detail equals departed\"").replace("\"target\": \"lost\"", "\"target\": \"stalled\"")
        .replace("\"lost\": {}", "\"stalled\": {}");
    assertNotEquals(v1, v2);
    return v2;
  }

  static Map<String, String> v1() {
    return EntityStateSpec.properties(List.of(StateTables.conf("package.json"), StateTables.conf("sessions.json"),
        StateTables.conf("video-playback.json")));
  }

  static Map<String, String> v2() {
    String sessions = StateTables.conf("sessions.json").replace("\"gap\": \"30m\"", "\"gap\": \"15m\"");
    assertNotEquals(StateTables.conf("sessions.json"), sessions);
    return EntityStateSpec.properties(List.of(packageV2(), sessions, StateTables.conf("video-playback.json")));
  }

  // ------------------------------------------------------------------ tables

  static final int REGIONS = 8;

  static TableName create(String base, Map<String, String> props, boolean observer) throws Exception {
    String name = base + "_" + SEQ.incrementAndGet();
    TableSchema schema = new TableSchema(name, REGIONS);
    TableDescriptorBuilder b = TableDescriptorBuilder.newBuilder(SchemaTool.descriptor(schema));
    if (observer) {
      b.setCoprocessor(CoprocessorDescriptorBuilder.newBuilder(EntityStateObserver.class.getName())
          .setPriority(Coprocessor.PRIORITY_USER).build());
      props.forEach(b::setValue);
    }
    SharedMiniCluster.util().getAdmin().createTable(b.build(), SchemaTool.splitKeys(schema));
    TableName tn = TableName.valueOf(name);
    SharedMiniCluster.util().waitTableAvailable(tn);
    assertTrue(SharedMiniCluster.util().getAdmin().getRegions(tn).size() >= REGIONS);
    return tn;
  }

  /** What {@code definitions apply} does: the table's state values replaced, the observer loaded. */
  static void apply(TableName tn, Map<String, String> props) throws Exception {
    apply(SharedMiniCluster.util(), tn, props);
  }

  static void apply(org.apache.hadoop.hbase.HBaseTestingUtility util, TableName tn, Map<String, String> props)
      throws Exception {
    TableDescriptor d = util.getAdmin().getDescriptor(tn);
    TableDescriptorBuilder b = TableDescriptorBuilder.newBuilder(d);
    for (String k : StateRebuildClient.stateKeys(d).keySet()) {
      b.removeValue(org.apache.hadoop.hbase.util.Bytes.toBytes(k));
    }
    props.forEach(b::setValue);
    if (!StateConfiguration.loadsObserver(d)) {
      b.setCoprocessor(CoprocessorDescriptorBuilder.newBuilder(EntityStateObserver.class.getName())
          .setPriority(Coprocessor.PRIORITY_USER).build());
    }
    util.getAdmin().modifyTable(b.build());
    util.waitTableAvailable(tn);
  }

  static void load(TableName tn, List<CanonicalEvent> events) throws Exception {
    SinkWritePath sink = StateTables.sink(tn);
    for (int i = 0; i < events.size(); i += 100) {
      assertEquals(List.of(), sink.write(events.subList(i, Math.min(events.size(), i + 100))));
    }
  }

  /** Every cell of family e (the event rows), with timestamps. */
  static TreeMap<String, String> eventCells(TableName tn) throws Exception {
    TreeMap<String, String> out = new TreeMap<>();
    StateTables.cells(tn).forEach((k, v) -> {
      if (k.contains(" e:")) {
        out.put(k, v);
      }
    });
    return out;
  }

  /** Events with distinct row keys: what the table stores (the feeds repeat a few events). */
  static long distinctRows(List<CanonicalEvent> events) {
    return events.stream().map(e -> RowKeyCodec.eventRowKey(e.entityType(), e.entityId(), e.eventTimeNanos(),
        e.eventId())).distinct().count();
  }

  /** Distinct entities (every type of the feeds has a definition). */
  static int entities(List<CanonicalEvent> events) {
    return (int) events.stream().map(CanonicalEvent::entity).distinct().count();
  }

  static StateRebuildClient.Report rebuild(TableName tn, StateRebuildClient.Options o) throws Exception {
    return StateRebuildClient.run(SharedMiniCluster.util().getConnection(), tn, o, null);
  }

  private static TableName referenceOfBase;

  /** The real events written with v2 from the start (shared by the tests that rebuild nothing but them). */
  static synchronized TableName reference(List<CanonicalEvent> events) throws Exception {
    if (referenceOfBase == null) {
      referenceOfBase = create("rebuild_ref", v2(), true);
      load(referenceOfBase, events);
    }
    return referenceOfBase;
  }

  // ------------------------------------------------------------------ tests

  @Test
  void rebuildWithChangedDefinitionsWhileAWriterKeepsSendingEqualsV2FromTheStart() throws Exception {
    List<CanonicalEvent> base = realEvents();
    TableName tn = create("rebuild", v1(), true);
    load(tn, base);
    TreeMap<String, String> eventsBefore = eventCells(tn);
    apply(tn, v2());

    // verify: reports the changes and leaves every cell byte-identical
    TreeMap<String, String> before = StateTables.cells(tn);
    StateRebuildClient.Report verify = rebuild(tn, StateRebuildClient.Options.defaults().withVerifyOnly(true));
    assertEquals(before, StateTables.cells(tn), "verify-only writes nothing");
    assertTrue(verify.ranges() >= REGIONS);
    assertEquals(distinctRows(base), verify.events());
    assertTrue(verify.changed() > 0);
    assertTrue(verify.changes().stream().anyMatch(c -> c.name().equals("package")), verify.changes().toString());
    assertTrue(verify.changes().stream().anyMatch(c -> c.name().equals("web")), verify.changes().toString());
    assertFalse(verify.changes().stream().anyMatch(c -> c.name().equals("video-playback")), "unchanged definition");
    for (RebuildProtocol.Change c : verify.changes()) {
      assertFalse(c.samples().isEmpty());
      assertTrue(c.samples().size() <= 5);
    }

    // a writer sends new events (to existing and new entities) and duplicates while the rebuild runs
    List<CanonicalEvent> sent = new ArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> writerFailure = new AtomicReference<>();
    long after = base.get(base.size() - 1).eventTimeNanos() + StateTables.DAY;
    Thread writer = new Thread(() -> {
      Random r = new Random(5);
      try {
        SinkWritePath sink = StateTables.sink(tn);
        int n = 0;
        while (!stop.get() || n < 20) {
          List<CanonicalEvent> batch = new ArrayList<>();
          for (int i = 0; i < 10; i++) {
            CanonicalEvent old = base.get(r.nextInt(base.size()));
            batch.add(old); // a duplicate
            if (old.entityType().equals("package")) { // a new scan after every stored one (never late)
              batch.add(StateTables.event("package", old.entityId(), "in_transit", after + (n * 10L + i) * 1000L,
                  "new-" + n + "-" + i, "status_detail", r.nextBoolean() ? "departed" : "arrived_at_facility"));
            } else {
              batch.add(StateTables.event("package", "new-pkg-" + n, "pre_transit", StateTables.T0 + i, "np-" + n + "-" + i));
            }
          }
          assertEquals(List.of(), sink.write(batch));
          synchronized (sent) {
            sent.addAll(batch);
          }
          n++;
        }
      } catch (Throwable t) {
        writerFailure.set(t);
      }
    });
    writer.start();
    StateRebuildClient.Report report = rebuild(tn, StateRebuildClient.Options.defaults().withBudgetMillis(20)
        .withParallelism(4));
    stop.set(true);
    writer.join();
    if (writerFailure.get() != null) {
      throw new AssertionError("writer failed", writerFailure.get());
    }
    assertTrue(report.events() >= distinctRows(base), "events " + report.events());
    assertTrue(report.changed() > 0);

    List<CanonicalEvent> all = new ArrayList<>(base);
    all.addAll(sent);
    // the state rows are the offline engines' over every stored event with v2; the event rows are the distinct ids
    assertEquals(entities(all), StateTables.assertInvariants(tn, StateTables.spec(v2()), all));
    // no stored event row changed
    TreeMap<String, String> eventsAfter = eventCells(tn);
    eventsBefore.forEach((k, v) -> assertEquals(v, eventsAfter.get(k), k));
    // every coprocessor cell equals a table written with v2 from the start
    List<CanonicalEvent> sorted = new ArrayList<>(all);
    sorted.sort(StateMachineEngine.EVENT_ORDER);
    TableName ref = create("rebuild_ref_w", v2(), true);
    load(ref, sorted);
    assertEquals(StateTables.comparable(ref), StateTables.comparable(tn));
    // and a second rebuild finds nothing to change
    StateRebuildClient.Report again = rebuild(tn, StateRebuildClient.Options.defaults());
    assertEquals(0, again.changed(), again.changes().toString());
  }

  @Test
  void aTableLoadedWithoutTheCoprocessorThenRebuiltEqualsTheSameEventsWrittenWithIt() throws Exception {
    List<CanonicalEvent> base = realEvents();
    TableName tn = create("rebuild_nocp", Map.of(), false);
    load(tn, base);
    TreeMap<String, String> eventsBefore = eventCells(tn);
    apply(tn, v2());
    StateRebuildClient.Report report = rebuild(tn, StateRebuildClient.Options.defaults());
    assertEquals(distinctRows(base), report.events());
    assertEquals(report.entities(), report.changed(), "every entity gets its state");
    assertEquals(eventsBefore, eventCells(tn), "no event row changed");
    assertEquals(StateTables.comparable(reference(base)), StateTables.comparable(tn));
    assertEquals(entities(base), StateTables.assertInvariants(tn, StateTables.spec(v2()), base));
  }

  @Test
  void aKilledClientAndARegionServerAbortThenARerunGiveTheSameTable(@TempDir Path dir) throws Exception {
    List<CanonicalEvent> base = realEvents();
    TableName tn = create("rebuild_kill", v1(), true);
    load(tn, base);
    apply(tn, v2());
    Path checkpoint = dir.resolve("rebuild.checkpoint");
    StateRebuildClient.Options o = StateRebuildClient.Options.defaults().withCheckpoint(checkpoint)
        .withBudgetMillis(1).withParallelism(2);

    // the client killed midway: it dies after its third slice (its checkpoint has the slices it finished)
    AtomicInteger slices = new AtomicInteger();
    try {
      StateRebuildClient.run(SharedMiniCluster.util().getConnection(), tn, o, p -> {
        if (slices.incrementAndGet() == 3) {
          throw new IllegalStateException("killed");
        }
      });
      throw new AssertionError("the client finished although it was killed");
    } catch (java.io.IOException killed) {
      assertTrue(killed.getMessage().contains("killed"), killed.getMessage());
    }
    assertTrue(java.nio.file.Files.readAllLines(checkpoint).size() >= 3, "fingerprint and the finished slices");

    // rerun, and a RegionServer holding the table's regions aborts during it
    MiniHBaseCluster cluster = SharedMiniCluster.util().getMiniHBaseCluster();
    java.util.concurrent.CountDownLatch twoSlices = new java.util.concurrent.CountDownLatch(2);
    int[] victim = {-1};
    Thread aborter = new Thread(() -> {
      try {
        twoSlices.await();
      } catch (InterruptedException e) {
        return;
      }
      int meta = cluster.getServerWithMeta();
      for (int i = 0; i < cluster.getRegionServerThreads().size(); i++) {
        if (i != meta && cluster.getRegionServer(i).isOnline() && !cluster.getRegionServer(i).getRegions(tn).isEmpty()) {
          victim[0] = i;
          break;
        }
      }
      if (victim[0] >= 0) {
        cluster.abortRegionServer(victim[0]);
        cluster.waitOnRegionServer(victim[0]);
        try {
          cluster.startRegionServer();
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    });
    aborter.start();
    StateRebuildClient.Report rerun = null;
    try {
      rerun = StateRebuildClient.run(SharedMiniCluster.util().getConnection(), tn, o, p -> twoSlices.countDown());
    } catch (java.io.IOException failedByTheAbort) {
      // the abort may outlast the client's retries: run again
    }
    twoSlices.countDown(); // a rerun of fewer slices still lets the aborter go
    twoSlices.countDown();
    aborter.join();
    assertTrue(victim[0] >= 0, "a RegionServer holding the table's regions was aborted");
    SharedMiniCluster.util().waitTableAvailable(tn);
    if (rerun == null) {
      rerun = StateRebuildClient.run(SharedMiniCluster.util().getConnection(), tn, o, null);
    }
    assertTrue(rerun.resumed() > 0, "the rerun went on from the checkpoint");
    StateRebuildClient.Report last = StateRebuildClient.run(SharedMiniCluster.util().getConnection(), tn, o, null);
    assertEquals(last.ranges(), last.resumed(), "a finished rebuild's checkpoint skips everything");
    assertEquals(0, last.events());
    assertEquals(StateTables.comparable(reference(base)), StateTables.comparable(tn));
    assertEquals(entities(base), StateTables.assertInvariants(tn, StateTables.spec(v2()), base));
    // without the checkpoint the rebuild finds nothing left to change
    assertEquals(0, rebuild(tn, StateRebuildClient.Options.defaults()).changed());
  }
}
