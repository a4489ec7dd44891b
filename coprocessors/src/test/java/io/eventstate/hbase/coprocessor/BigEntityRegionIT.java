package io.eventstate.hbase.coprocessor;

import static io.eventstate.hbase.coprocessor.StateTables.T0;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.flume.sink.SinkWritePath;
import io.eventstate.testing.SharedMiniCluster;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.RegionInfo;
import org.apache.hadoop.hbase.client.TableDescriptor;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.apache.hadoop.hbase.regionserver.HRegion;
import org.apache.hadoop.hbase.regionserver.HStore;
import org.apache.hadoop.hbase.util.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One entity bigger than the configured region size (MAX_FILESIZE 2 MiB, the smallest HBase accepts): a split asked
 * for inside the entity is cut back to the entity's first row, so the entity moves whole into a region of its own;
 * once a region holds that one entity, no split can cut it, the region stays over the configured size, and writes
 * and state go on as before.
 */
@ExtendWith({SharedMiniCluster.class, SharedMiniCluster.RegionServersAlive.class})
class BigEntityRegionIT {

  private static final long MAX_FILESIZE = 2L * 1024 * 1024;

  @Test
  void anEntityOverTheRegionSizeGetsARegionOfItsOwnAndIsNeverCut() throws Exception {
    Admin admin = SharedMiniCluster.util().getAdmin();
    String name = "big_entity";
    TableDescriptor d = TableDescriptorBuilder.newBuilder(StateTables.descriptor(name,
        EntityStateObserver.class.getName(), null, StateTables.standardProperties(), java.util.Map.of()))
        .setMaxFileSize(MAX_FILESIZE).build();
    admin.createTable(d, io.eventstate.flume.sink.SchemaTool.splitKeys(new io.eventstate.core.rowkey.TableSchema(name, 4)));
    TableName tn = TableName.valueOf(name);
    SharedMiniCluster.util().waitTableAvailable(tn);
    try {
      // the big entity: a package in the middle of region [40, 80), with smaller entities before and after it
      String big = null;
      for (int i = 0; big == null; i++) {
        String salt = RowKeyCodec.salt("package", "big-" + i);
        if (salt.compareTo("58") >= 0 && salt.compareTo("68") < 0) {
          big = "big-" + i;
        }
      }
      Random r = new Random(11);
      List<CanonicalEvent> input = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        String id = "small-" + i;
        input.add(event(r, "package", id, "pre_transit", T0 + i * StateTables.MIN, id + "-0"));
      }
      long t = T0;
      for (int i = 0; i < 6000; i++) { // ~3.5 MiB of incompressible bodies: over the 2 MiB region size
        t += (1 + r.nextInt(60)) * 1_000_000_000L;
        input.add(event(r, "package", big, StateTables.PACKAGE_TYPES[1 + r.nextInt(3)], t, big + "-" + i));
      }
      SinkWritePath sink = StateTables.sink(tn);
      write(sink, input);
      admin.flush(tn);

      String prefix = RowKeyCodec.entityPrefix("package", big);
      byte[] first = RowKeyCodec.toBytes(RowKeyCodec.stateRowKey("package", big));
      byte[] middle = RowKeyCodec.toBytes(RowKeyCodec.eventRowKeyUnder(prefix, T0 + 3000 * 30 * 1_000_000_000L, "m"));
      byte[] last = RowKeyCodec.toBytes(RowKeyCodec.eventRowKeyUnder(prefix, Long.MAX_VALUE / 2, "z"));
      // 1. HBase's own size-based split (the region is over 2 MiB) picks a midkey inside the big entity; the
      // restriction cuts it back to the entity's first row: the entity moves whole into a region that starts there.
      settle(tn);
      String start = Bytes.toString(regionOf(tn, middle).getStartKey());
      if (!prefix.startsWith(start) || start.isEmpty()) {
        // the size check had not run yet: ask for the split inside the entity ourselves, it is cut back the same way
        admin.splitRegionAsync(regionOf(tn, middle).getRegionName(), middle).get(60, TimeUnit.SECONDS);
        settle(tn);
      }
      RegionInfo own = regionOf(tn, middle);
      start = Bytes.toString(own.getStartKey());
      assertTrue(!start.isEmpty() && prefix.startsWith(start) && start.startsWith(prefix.substring(0,
          prefix.length() - 1)), "the split point " + start + " was cut back to the entity boundary " + prefix);
      assertEquals(own, regionOf(tn, first));
      assertEquals(own, regionOf(tn, last));
      long bytes = storeBytes(tn, own);
      assertTrue(bytes > MAX_FILESIZE, "the entity's region is over the configured size: " + bytes + " bytes");

      // 2. the region holds the one entity: a split point inside it is refused, the region stays whole
      Exception refused = null;
      try {
        admin.splitRegionAsync(own.getRegionName(), middle).get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        refused = e;
      }
      settle(tn);
      RegionInfo after = regionOf(tn, middle);
      assertEquals(start, Bytes.toString(after.getStartKey()), "refused: " + refused);
      assertEquals(after, regionOf(tn, first));
      assertEquals(after, regionOf(tn, last), "the entity is still in one region");
      assertTrue(refused != null, "HBase refuses a split at the region's own start key");

      // 3. the entity keeps taking writes, its state exact
      List<CanonicalEvent> more = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        t += 1_000_000_000L;
        more.add(event(r, "package", big, "in_transit", t, big + "-late-" + i));
      }
      write(sink, more);
      input.addAll(more);
      assertEquals(301, StateTables.assertInvariants(tn, StateTables.spec(StateTables.standardProperties()), input));
      System.out.printf("big entity: %d events, region %s of %,d bytes on disk (MAX_FILESIZE %,d); split refused: %s%n",
          6200, start, bytes, MAX_FILESIZE, refused.getMessage().lines().filter(l -> !l.isBlank()).findFirst()
              .orElse(""));
    } finally {
      admin.disableTable(tn);
      admin.deleteTable(tn);
    }
  }

  private static CanonicalEvent event(Random r, String type, String id, String eventType, long time, String eventId) {
    CanonicalEvent e = StateTables.event(type, id, eventType, time, eventId);
    byte[] pad = new byte[450];
    for (int i = 0; i < pad.length; i++) {
      pad[i] = (byte) ('a' + r.nextInt(26));
    }
    return new CanonicalEvent(e.eventId(), e.entityType(), e.entityId(), e.eventType(), e.eventTimeNanos(),
        e.timeSource(), e.attributes(), e.tags(), ("{\"id\":\"" + eventId + "\",\"pad\":\""
        + new String(pad, StandardCharsets.US_ASCII) + "\"}").getBytes(StandardCharsets.UTF_8));
  }

  private static void write(SinkWritePath sink, List<CanonicalEvent> events) throws Exception {
    for (int i = 0; i < events.size(); i += 200) {
      List<String> rejected = sink.write(events.subList(i, Math.min(events.size(), i + 200)));
      assertEquals(List.of(), rejected);
    }
  }

  private static RegionInfo regionOf(TableName tn, byte[] row) throws Exception {
    return SharedMiniCluster.util().getConnection().getRegionLocator(tn).getRegionLocation(row, true).getRegion();
  }

  private static long storeBytes(TableName tn, RegionInfo region) {
    long total = 0;
    for (HRegion h : SharedMiniCluster.util().getMiniHBaseCluster().getRegions(tn)) {
      if (h.getRegionInfo().equals(region)) {
        for (HStore s : h.getStores()) {
          total += s.getStorefilesSize();
        }
      }
    }
    return total;
  }

  /** Compacts (references of split daughters go away) and waits until the table's regions stop changing. */
  private static void settle(TableName tn) throws Exception {
    Admin admin = SharedMiniCluster.util().getAdmin();
    AtomicReference<List<RegionInfo>> last = new AtomicReference<>();
    await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).until(() -> {
      SharedMiniCluster.util().waitUntilNoRegionsInTransition(60_000);
      admin.majorCompact(tn);
      waitForCompactions(tn);
      List<RegionInfo> now = admin.getRegions(tn);
      return now.equals(last.getAndSet(now));
    });
  }

  private static void waitForCompactions(TableName tn) {
    await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ofMillis(500)).pollInterval(Duration.ofMillis(200))
        .until(() -> SharedMiniCluster.util().getAdmin().getCompactionState(tn)
            == org.apache.hadoop.hbase.client.CompactionState.NONE);
  }

}
