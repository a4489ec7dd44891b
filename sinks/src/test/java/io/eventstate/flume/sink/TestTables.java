package io.eventstate.flume.sink;

import io.eventstate.core.rowkey.TableSchema;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.hadoop.hbase.Cell;
import org.apache.hadoop.hbase.CellUtil;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.CoprocessorDescriptorBuilder;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.ResultScanner;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.client.TableDescriptor;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import io.eventstate.testing.SharedMiniCluster;

/** Test tables made through the real schema definition, and full-table snapshots for comparisons. */
final class TestTables {

  private static final AtomicInteger SEQ = new AtomicInteger();

  private TestTables() {
  }

  static String uniqueName(String base) {
    return base + "_" + SEQ.incrementAndGet();
  }

  /** Creates a schema-tool table with 4 regions, optionally loading extra (test) observers. */
  static TableSchema create(String base, Class<?>... observers) throws Exception {
    TableSchema schema = new TableSchema(uniqueName(base), 4);
    TableDescriptorBuilder b = TableDescriptorBuilder.newBuilder(SchemaTool.descriptor(schema));
    for (Class<?> o : observers) {
      b.setCoprocessor(CoprocessorDescriptorBuilder.newBuilder(o.getName()).build());
    }
    TableDescriptor d = b.build();
    Admin admin = SharedMiniCluster.util().getAdmin();
    admin.createTable(d, SchemaTool.splitKeys(schema));
    SharedMiniCluster.util().waitTableAvailable(TableName.valueOf(schema.tableName()));
    return schema;
  }

  /** Every cell of the table, as text: row / family:qualifier / timestamp / value (bodies included). */
  static List<String> snapshot(String table) throws Exception {
    List<String> cells = new ArrayList<>();
    try (Table t = SharedMiniCluster.util().getConnection().getTable(TableName.valueOf(table));
        ResultScanner scanner = t.getScanner(new Scan().readAllVersions())) {
      for (Result r : scanner) {
        for (Cell c : r.rawCells()) {
          cells.add(text(CellUtil.cloneRow(c)) + " / " + text(CellUtil.cloneFamily(c)) + ":"
              + text(CellUtil.cloneQualifier(c)) + " / " + c.getTimestamp() + " / " + text(CellUtil.cloneValue(c)));
        }
      }
    }
    return cells;
  }

  /** Row keys of the table, in order. */
  static List<String> rows(String table) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Table t = SharedMiniCluster.util().getConnection().getTable(TableName.valueOf(table));
        ResultScanner scanner = t.getScanner(new Scan().setFilter(new org.apache.hadoop.hbase.filter.KeyOnlyFilter()))) {
      for (Result r : scanner) {
        rows.add(text(r.getRow()));
      }
    }
    return rows;
  }

  /** Cells of one row as qualifier -> text. */
  static TreeMap<String, String> row(String table, String row) throws Exception {
    TreeMap<String, String> m = new TreeMap<>();
    try (Table t = SharedMiniCluster.util().getConnection().getTable(TableName.valueOf(table))) {
      Result r = t.get(new org.apache.hadoop.hbase.client.Get(row.getBytes(StandardCharsets.UTF_8)));
      for (Cell c : r.rawCells()) {
        m.put(text(CellUtil.cloneFamily(c)) + ":" + text(CellUtil.cloneQualifier(c)), text(CellUtil.cloneValue(c)));
      }
    }
    return m;
  }

  static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
