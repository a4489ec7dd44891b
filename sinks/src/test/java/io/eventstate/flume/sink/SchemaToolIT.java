package io.eventstate.flume.sink;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.rowkey.TableSchema;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.apache.hadoop.hbase.HRegionLocation;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.ColumnFamilyDescriptorBuilder;
import org.apache.hadoop.hbase.client.Durability;
import org.apache.hadoop.hbase.client.RegionInfo;
import org.apache.hadoop.hbase.client.RegionLocator;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.io.compress.Compression;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import io.eventstate.testing.SharedMiniCluster;

@ExtendWith(SharedMiniCluster.class)
class SchemaToolIT {

  private static int run(ByteArrayOutputStream out, ByteArrayOutputStream err, String... args) {
    return SchemaTool.run(args, SharedMiniCluster.util().getConfiguration(),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void createIsIdempotentAndCheckFindsDrift() throws Exception {
    String name = TestTables.uniqueName("tool");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(0, run(out, err, "create", "table=" + name, "regions=4"), err.toString(StandardCharsets.UTF_8));
    assertEquals(0, run(out, err, "create", "table=" + name, "regions=4"), err.toString(StandardCharsets.UTF_8));
    assertEquals(0, run(out, err, "check", "table=" + name, "regions=4"));
    String text = out.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("created " + name) && text.contains("exists: " + name) && text.contains("ok: " + name), text);
    try (RegionLocator locator = SharedMiniCluster.util().getConnection().getRegionLocator(TableName.valueOf(name))) {
      assertEquals(4, locator.getAllRegionLocations().size());
    }

    Admin admin = SharedMiniCluster.util().getAdmin();
    assertEquals(org.apache.hadoop.hbase.MemoryCompactionPolicy.BASIC, admin.getDescriptor(TableName.valueOf(name))
        .getColumnFamily("s".getBytes(StandardCharsets.UTF_8)).getInMemoryCompaction(), "the state family's memstore");
    admin.modifyColumnFamily(TableName.valueOf(name), ColumnFamilyDescriptorBuilder
        .newBuilder(admin.getDescriptor(TableName.valueOf(name)).getColumnFamily("e".getBytes(StandardCharsets.UTF_8)))
        .setCompressionType(Compression.Algorithm.NONE).build());
    // a table created before the state family's in-memory compaction: the attribute unset, as HBase leaves it
    admin.modifyColumnFamily(TableName.valueOf(name), ColumnFamilyDescriptorBuilder
        .newBuilder(admin.getDescriptor(TableName.valueOf(name)).getColumnFamily("s".getBytes(StandardCharsets.UTF_8)))
        .setValue(ColumnFamilyDescriptorBuilder.IN_MEMORY_COMPACTION, null).build());
    ByteArrayOutputStream err2 = new ByteArrayOutputStream();
    assertEquals(1, run(new ByteArrayOutputStream(), err2, "check", "table=" + name));
    String drift = err2.toString(StandardCharsets.UTF_8);
    assertTrue(drift.contains("family e COMPRESSION is NONE, schema says GZ"), drift);
    assertTrue(drift.contains("family s IN_MEMORY_COMPACTION is NONE, schema says BASIC"), drift);
  }

  @Test
  void checkOfAMissingTableNamesIt() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(1, run(new ByteArrayOutputStream(), err, "check", "table=nosuch"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("table nosuch does not exist"));
  }

  @Test
  void explicitSplitPointInsideAnEntityLandsOnTheEntityBoundary() throws Exception {
    String name = TestTables.uniqueName("split");
    Admin admin = SharedMiniCluster.util().getAdmin();
    TableSchema schema = new TableSchema(name, 1);
    SchemaTool.create(admin, schema);
    TableName tn = TableName.valueOf(name);
    List<CanonicalEvent> events = new ArrayList<>();
    for (String entity : List.of("alice", "alice|x", "alicf", "bob")) {
      for (int i = 0; i < 40; i++) {
        events.add(TestEvents.canonical(entity + "-" + i, entity, 1_700_000_000_000_000_000L + i * 1_000_000L,
            "{\"k\":" + i + "}"));
      }
    }
    List<String> before;
    try (Table table = SharedMiniCluster.util().getConnection().getTable(tn);
        RegionLocator locator = SharedMiniCluster.util().getConnection().getRegionLocator(tn)) {
      new EntityWriter(table, locator, Durability.SYNC_WAL).write(events);
    }
    admin.flush(tn); // writes GZ-compressed HFiles: the codec works without native libraries
    before = TestTables.snapshot(name);

    String inside = RowKeyCodec.eventRowKey("user", "alice", 1_700_000_000_000_000_000L + 20 * 1_000_000L, "alice-20");
    admin.split(tn, RowKeyCodec.toBytes(inside));
    await().atMost(Duration.ofSeconds(60)).until(() -> admin.getRegions(tn).size() == 2);

    List<RegionInfo> regions = new ArrayList<>(admin.getRegions(tn));
    regions.sort(RegionInfo.COMPARATOR);
    String boundary = RowKeyCodec.fromBytes(regions.get(1).getStartKey());
    String alicePrefix = RowKeyCodec.entityPrefix("user", "alice");
    assertNotEquals(inside, boundary);
    assertEquals(alicePrefix.substring(0, alicePrefix.length() - 1), boundary,
        "the split point was cut back to the start of alice's rows");
    try (RegionLocator locator = SharedMiniCluster.util().getConnection().getRegionLocator(tn)) {
      for (String entity : List.of("alice", "alice|x", "alicf", "bob")) {
        Set<String> regionsOfEntity = new HashSet<>();
        for (String row : TestTables.rows(name)) {
          if (row.startsWith(RowKeyCodec.entityPrefix("user", entity))) {
            HRegionLocation loc = locator.getRegionLocation(RowKeyCodec.toBytes(row), true);
            regionsOfEntity.add(loc.getRegion().getEncodedName());
          }
        }
        assertEquals(1, regionsOfEntity.size(), "all rows of " + entity + " in one region");
      }
    }
    assertEquals(before, TestTables.snapshot(name), "nothing lost or changed by the split");
  }
}
