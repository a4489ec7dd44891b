package io.eventstate.hbase.coprocessor;

import static io.eventstate.hbase.coprocessor.StateTables.T0;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.state.EntityStateSpec;
import io.eventstate.core.state.StateColumns;
import io.eventstate.flume.sink.SinkWritePath;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hadoop.hbase.DoNotRetryIOException;
import org.apache.hadoop.hbase.HRegionLocation;
import org.apache.hadoop.hbase.ServerName;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.RegionInfo;
import org.apache.hadoop.hbase.client.RegionLocator;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.client.TableDescriptor;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.apache.hadoop.hbase.util.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import io.eventstate.testing.SharedMiniCluster;

/** R8, R10, R11 on the shared mini cluster. */
@ExtendWith({SharedMiniCluster.class, SharedMiniCluster.RegionServersAlive.class})
class StateFaultsIT {

  /** R8: a bad definition is refused at create time, by the master, with the key and the problem. */
  @Test
  void shouldRejectABadDefinitionWhenTheTableIsCreated() throws Exception {
    Map<String, String> props = StateTables.standardProperties(EntityStateSpec.CONFIG_MACHINE_PREFIX + "broken",
        "{\"name\":\"broken\",\"entity_types\":[\"x\"],\"initial\":\"nowhere\",\"states\":{\"a\":{}}}");
    TableDescriptor d = StateTables.descriptor("refused_create", EntityStateObserver.class.getName(), null, props, Map.of());
    Admin admin = SharedMiniCluster.util().getAdmin();
    IOException e = assertThrows(IOException.class, () -> admin.createTable(d));
    assertTrue(e.getMessage().contains("eventstate.state.machine.broken") && e.getMessage().contains("nowhere"),
        e.getMessage());
    assertFalse(admin.tableExists(TableName.valueOf("refused_create")));
  }

  /** R8: a bad alter is refused; the table keeps its old descriptor and keeps working. */
  @Test
  void shouldRejectABadAlterAndKeepTheOldConfiguration() throws Exception {
    TableName tn = StateTables.create("refused_alter", StateTables.standardProperties());
    Admin admin = SharedMiniCluster.util().getAdmin();
    TableDescriptor bad = TableDescriptorBuilder.newBuilder(admin.getDescriptor(tn))
        .setValue(EntityStateSpec.CONFIG_LATENESS, "soon").build();
    IOException e = assertThrows(IOException.class, () -> admin.modifyTable(bad));
    assertTrue(e.getMessage().contains("key 'eventstate.state.lateness' value was set to 'soon'"), e.getMessage());
    assertEquals(null, admin.getDescriptor(tn).getValue(EntityStateSpec.CONFIG_LATENESS));
    try (Table t = StateTables.table(tn)) {
      t.put(StateTables.plainPuts(List.of(StateTables.event("package", "p", "pre_transit", T0, "a"))));
    }
    assertEquals("tracking/pre_transit", Bytes.toString(StateTables.rows(tn)
        .get(RowKeyCodec.stateRowKey("package", "p")).get("s:m.package.state")));
  }

  /** R8: a bad configuration that reaches a RegionServer anyway never aborts it; event writes are refused. */
  @Test
  void aBadConfigurationOnARegionServerRefusesWritesAndNeverAborts() throws Exception {
    TableName tn = StateTables.create("unchecked", StateObserverWithoutMasterCheck.class.getName(), null,
        StateTables.standardProperties(), Map.of(EntityStateSpec.CONFIG_LATENESS, "soon"));
    try (Table t = StateTables.table(tn)) {
      IOException e = assertThrows(IOException.class,
          () -> t.put(StateTables.plainPuts(List.of(StateTables.event("package", "p", "pre_transit", T0, "a")))));
      assertTrue(e.toString().contains(DoNotRetryIOException.class.getSimpleName())
          && e.toString().contains("eventstate.state.lateness"), e.toString());
    }
    assertTrue(StateTables.rows(tn).isEmpty());
  }

  /** R10: a split point inside an entity snaps to the entity boundary; ingest continues; invariants hold. */
  @Test
  void splitDuringIngestSnapsToAnEntityBoundary() throws Exception {
    Map<String, String> props = StateTables.standardProperties(EntityStateSpec.CONFIG_LATENESS, "3d");
    TableName tn = StateTables.create("split", props);
    List<CanonicalEvent> events = StateTables.histories(new Random(41), 80, 40);
    Collections.shuffle(events, new Random(42));
    CanonicalEvent inside = events.get(0);
    String splitInside = RowKeyCodec.eventRowKey(inside.entityType(), inside.entityId(), inside.eventTimeNanos(),
        inside.eventId());
    Admin admin = SharedMiniCluster.util().getAdmin();
    int regionsBefore = admin.getRegions(tn).size();
    List<CanonicalEvent> first = events.subList(0, events.size() / 2);
    List<CanonicalEvent> rest = events.subList(events.size() / 2, events.size());
    StateTablesIngest.write(tn, first, 20);
    AtomicBoolean splitRequested = new AtomicBoolean();
    StateTablesIngest.writeWhile(tn, rest, 10, () -> {
      if (splitRequested.compareAndSet(false, true)) {
        admin.split(tn, Bytes.toBytes(splitInside));
      }
    });
    await().atMost(Duration.ofSeconds(60)).until(() -> admin.getRegions(tn).size() == regionsBefore + 1);
    String boundary = RowKeyCodec.entityPrefix(inside.entityType(), inside.entityId());
    boundary = boundary.substring(0, boundary.length() - 1); // the restriction cuts at the delimiter
    List<String> starts = new ArrayList<>();
    for (RegionInfo r : admin.getRegions(tn)) {
      starts.add(Bytes.toString(r.getStartKey()));
    }
    assertTrue(starts.contains(boundary), "region starts " + starts + " must contain " + boundary);
    assertEquals(120, StateTables.assertInvariants(tn, StateTables.spec(props), events));
    assertEveryEntityInOneRegion(tn, events);
  }

  /** R11: regions move between RegionServers during ingest; invariants hold. */
  @Test
  void regionMovesDuringIngestKeepTheInvariants() throws Exception {
    Map<String, String> props = StateTables.standardProperties(EntityStateSpec.CONFIG_LATENESS, "3d");
    TableName tn = StateTables.create("moves", props);
    List<CanonicalEvent> events = StateTables.histories(new Random(51), 60, 60);
    Collections.shuffle(events, new Random(52));
    Admin admin = SharedMiniCluster.util().getAdmin();
    List<ServerName> servers = new ArrayList<>(admin.getRegionServers());
    int[] moves = {0};
    StateTablesIngest.writeWhile(tn, events, 8, () -> {
      if (moves[0] < 6) {
        List<RegionInfo> regions = admin.getRegions(tn);
        RegionInfo r = regions.get(moves[0] % regions.size());
        admin.move(r.getEncodedNameAsBytes(), servers.get(moves[0] % servers.size()));
        moves[0]++;
      }
    });
    assertEquals(6, moves[0]);
    assertEquals(120, StateTables.assertInvariants(tn, StateTables.spec(props), events));
  }

  /** R11: a RegionServer aborts during ingest; WAL replay keeps acknowledged writes; invariants hold. */
  @Test
  void aRegionServerAbortDuringIngestKeepsTheInvariants() throws Exception {
    Map<String, String> props = StateTables.standardProperties(EntityStateSpec.CONFIG_LATENESS, "3d");
    TableName tn = StateTables.create("abort", props);
    List<CanonicalEvent> events = StateTables.histories(new Random(61), 50, 50);
    Collections.shuffle(events, new Random(62));
    org.apache.hadoop.hbase.MiniHBaseCluster cluster = SharedMiniCluster.util().getMiniHBaseCluster();
    int[] batches = {0};
    int[] victim = {-1};
    StateTablesIngest.writeWhile(tn, events, 10, () -> {
      if (++batches[0] == 10) {
        int meta = cluster.getServerWithMeta();
        for (int i = 0; i < cluster.getRegionServerThreads().size(); i++) {
          if (i != meta && cluster.getRegionServer(i).isOnline() && !cluster.getRegionServer(i).getRegions(tn).isEmpty()) {
            victim[0] = i;
            break;
          }
        }
        cluster.abortRegionServer(victim[0]);
        cluster.waitOnRegionServer(victim[0]);
        cluster.startRegionServer();
      }
    });
    assertTrue(victim[0] >= 0, "a RegionServer holding the table's regions was aborted");
    SharedMiniCluster.util().waitTableAvailable(tn);
    assertEquals(100, StateTables.assertInvariants(tn, StateTables.spec(props), events));
  }

  private static void assertEveryEntityInOneRegion(TableName tn, List<CanonicalEvent> events) throws IOException {
    try (RegionLocator l = SharedMiniCluster.util().getConnection().getRegionLocator(tn)) {
      l.clearRegionLocationCache();
      for (CanonicalEvent e : events) {
        HRegionLocation state = l.getRegionLocation(Bytes.toBytes(RowKeyCodec.stateRowKey(e.entityType(), e.entityId())));
        HRegionLocation event = l.getRegionLocation(Bytes.toBytes(
            RowKeyCodec.eventRowKey(e.entityType(), e.entityId(), e.eventTimeNanos(), e.eventId())));
        assertEquals(state.getRegion().getEncodedName(), event.getRegion().getEncodedName(), e.entity());
      }
    }
  }
}
