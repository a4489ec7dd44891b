package io.eventstate.flume.sink;

import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.rowkey.TableSchema;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.ColumnFamilyDescriptor;
import org.apache.hadoop.hbase.client.ColumnFamilyDescriptorBuilder;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.client.CoprocessorDescriptorBuilder;
import org.apache.hadoop.hbase.client.TableDescriptor;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.apache.hadoop.hbase.exceptions.HBaseException;
import org.apache.hadoop.hbase.io.compress.Compression;
import org.apache.hadoop.hbase.io.encoding.DataBlockEncoding;
import org.apache.hadoop.hbase.regionserver.BloomType;

/**
 * Creates or checks the Eventstate table from the one schema definition, {@link TableSchema}.
 *
 * <pre>
 *   SchemaTool create [table=eventstate] [regions=16]   create the table unless it exists, then check it
 *   SchemaTool check  [table=eventstate] [regions=16]   exit 1 and list every difference
 *   SchemaTool print  [table=eventstate] [regions=16]   print the HBase shell script (conf/hbase/create-events.hbase)
 * </pre>
 * The cluster comes from {@code hbase-site.xml} on the class path; {@code -Dhbase.zookeeper.quorum=...} style
 * system properties are not read: use an {@code hbase-site.xml}. {@code create} is idempotent: running it on
 * an existing table made by this tool changes nothing; on a table not made by it, it reports the problems
 * and fails rather than altering someone else's table.
 */
public final class SchemaTool {

  private SchemaTool() {
  }

  /** The HBase table descriptor of a schema. */
  public static TableDescriptor descriptor(TableSchema schema) {
    TableDescriptorBuilder b = TableDescriptorBuilder.newBuilder(TableName.valueOf(schema.tableName()));
    for (TableSchema.Family f : schema.families()) {
      b.setColumnFamily(family(f));
    }
    for (Map.Entry<String, String> v : schema.tableValues().entrySet()) {
      b.setValue(v.getKey(), v.getValue());
    }
    for (String cp : schema.coprocessors()) {
      try {
        b.setCoprocessor(CoprocessorDescriptorBuilder.newBuilder(cp).setPriority(TableSchema.COPROCESSOR_PRIORITY)
            .build());
      } catch (IOException e) {
        throw new IllegalStateException("coprocessor " + cp + " cannot be set on the descriptor", e);
      }
    }
    return b.build();
  }

  static ColumnFamilyDescriptor family(TableSchema.Family f) {
    ColumnFamilyDescriptorBuilder b = ColumnFamilyDescriptorBuilder.newBuilder(f.name().getBytes(StandardCharsets.UTF_8))
        .setMaxVersions(f.maxVersions())
        .setCompressionType(Compression.Algorithm.valueOf(f.compression()))
        .setBloomFilterType(BloomType.valueOf(f.bloom()))
        .setDataBlockEncoding(DataBlockEncoding.valueOf(f.dataBlockEncoding()))
        .setInMemory(f.inMemory());
    try {
      b.setTimeToLive(f.ttl());
    } catch (HBaseException e) {
      throw new IllegalStateException("TableSchema family " + f.name() + " has a bad TTL " + f.ttl(), e);
    }
    return b.build();
  }

  /** The split keys of the pre-split. */
  public static byte[][] splitKeys(TableSchema schema) {
    return schema.splitPoints().stream().map(RowKeyCodec::toBytes).toArray(byte[][]::new);
  }

  /**
   * Creates the table unless it exists. Returns true when it created it. Either way the caller should
   * {@link #problems} check it afterwards (another process may have created it differently).
   */
  public static boolean create(Admin admin, TableSchema schema) throws IOException {
    TableName name = TableName.valueOf(schema.tableName());
    if (admin.tableExists(name)) {
      return false;
    }
    String ns = name.getNamespaceAsString();
    if (!"default".equals(ns) && !List.of(admin.listNamespaces()).contains(ns)) {
      admin.createNamespace(org.apache.hadoop.hbase.NamespaceDescriptor.create(ns).build());
    }
    byte[][] splits = splitKeys(schema);
    try {
      if (splits.length == 0) {
        admin.createTable(descriptor(schema));
      } else {
        admin.createTable(descriptor(schema), splits);
      }
    } catch (org.apache.hadoop.hbase.TableExistsException raced) {
      return false;
    }
    return true;
  }

  /**
   * What stops EventSink from writing to the table: missing table, disabled table, missing family, missing
   * marker or schema version, missing MultiRowMutationEndpoint. Empty when the table is usable.
   */
  public static List<String> problems(Admin admin, TableSchema schema) throws IOException {
    TableName name = TableName.valueOf(schema.tableName());
    List<String> problems = new ArrayList<>();
    String create = "; create it with: SchemaTool create table=" + schema.tableName()
        + " (or hbase shell conf/hbase/create-events.hbase)";
    if (!admin.tableExists(name)) {
      problems.add("table " + schema.tableName() + " does not exist" + create);
      return problems;
    }
    if (!admin.isTableEnabled(name)) {
      problems.add("table " + schema.tableName() + " is disabled; enable it with: enable '" + schema.tableName() + "'");
    }
    problems.addAll(structuralProblems(admin.getDescriptor(name), schema));
    return problems;
  }

  /** The {@link #problems} a descriptor has. */
  public static List<String> structuralProblems(TableDescriptor d, TableSchema schema) {
    List<String> problems = new ArrayList<>();
    String t = "table " + schema.tableName();
    for (TableSchema.Family f : schema.families()) {
      if (!d.hasColumnFamily(f.name().getBytes(StandardCharsets.UTF_8))) {
        problems.add(t + " has no column family '" + f.name() + "' (" + f.purpose() + "); add it with: alter '"
            + schema.tableName() + "', " + "{NAME => '" + f.name() + "'} or recreate the table with SchemaTool");
      }
    }
    String createdBy = d.getValue(TableSchema.MARKER_CREATED_BY_KEY);
    String version = d.getValue(TableSchema.MARKER_VERSION_KEY);
    if (!TableSchema.MARKER_CREATED_BY.equals(createdBy)) {
      problems.add(t + " was not made by the Eventstate schema tool (table value " + TableSchema.MARKER_CREATED_BY_KEY
          + " is " + (createdBy == null ? "missing" : "'" + createdBy + "'") + "): its row-key split restriction and"
          + " families are unknown; create the table with SchemaTool create table=" + schema.tableName());
    } else if (!Integer.toString(TableSchema.SCHEMA_VERSION).equals(version)) {
      problems.add(t + " has schema version " + version + ", this EventSink needs " + TableSchema.SCHEMA_VERSION);
    }
    Set<String> cps = d.getCoprocessorDescriptors().stream().map(c -> c.getClassName()).collect(Collectors.toSet());
    for (String cp : schema.coprocessors()) {
      if (!cps.contains(cp)) {
        problems.add(t + " does not load coprocessor " + cp + ", which the sink's atomic per-entity write needs;"
            + " add it with: alter '" + schema.tableName() + "', METHOD => 'table_att', 'coprocessor' => '|" + cp + "|"
            + TableSchema.COPROCESSOR_PRIORITY + "|'");
      }
    }
    return problems;
  }

  /** Every setting of the descriptor that differs from the schema, on top of the structural problems. */
  public static List<String> differences(TableDescriptor d, TableSchema schema) {
    List<String> diffs = new ArrayList<>(structuralProblems(d, schema));
    for (Map.Entry<String, String> v : schema.tableValues().entrySet()) {
      if (!v.getValue().equals(d.getValue(v.getKey()))) {
        diffs.add("table value " + v.getKey() + " is " + d.getValue(v.getKey()) + ", schema says " + v.getValue());
      }
    }
    for (TableSchema.Family f : schema.families()) {
      ColumnFamilyDescriptor actual = d.getColumnFamily(f.name().getBytes(StandardCharsets.UTF_8));
      if (actual == null) {
        continue;
      }
      ColumnFamilyDescriptor want = family(f);
      Map<String, Object[]> pairs = new LinkedHashMap<>();
      pairs.put("VERSIONS", new Object[] {actual.getMaxVersions(), want.getMaxVersions()});
      pairs.put("TTL", new Object[] {actual.getTimeToLive(), want.getTimeToLive()});
      pairs.put("COMPRESSION", new Object[] {actual.getCompressionType(), want.getCompressionType()});
      pairs.put("BLOOMFILTER", new Object[] {actual.getBloomFilterType(), want.getBloomFilterType()});
      pairs.put("DATA_BLOCK_ENCODING", new Object[] {actual.getDataBlockEncoding(), want.getDataBlockEncoding()});
      pairs.put("IN_MEMORY", new Object[] {actual.isInMemory(), want.isInMemory()});
      for (Map.Entry<String, Object[]> p : pairs.entrySet()) {
        if (!p.getValue()[0].equals(p.getValue()[1])) {
          diffs.add("family " + f.name() + " " + p.getKey() + " is " + p.getValue()[0] + ", schema says " + p.getValue()[1]);
        }
      }
    }
    return diffs;
  }

  /** Runs a command; returns the process exit code. */
  public static int run(String[] args, Configuration conf, PrintStream out, PrintStream err) {
    if (args.length == 0 || !Set.of("create", "check", "print").contains(args[0])) {
      err.println("usage: SchemaTool create|check|print [table=NAME] [regions=N]");
      return 2;
    }
    Map<String, String> keys = new LinkedHashMap<>();
    for (int i = 1; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      if (eq <= 0) {
        err.println("argument '" + args[i] + "' must be key=value, e.g. table=eventstate");
        return 2;
      }
      keys.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    TableSchema schema;
    try {
      schema = TableSchema.parse(keys);
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      return 2;
    }
    String command = args[0].toLowerCase(Locale.ROOT);
    if (command.equals("print")) {
      out.print(schema.toHBaseShell());
      return 0;
    }
    try (Connection conn = ConnectionFactory.createConnection(conf); Admin admin = conn.getAdmin()) {
      if (command.equals("create")) {
        boolean created = create(admin, schema);
        out.println((created ? "created " : "exists: ") + schema.tableName());
      }
      List<String> diffs = new ArrayList<>(problems(admin, schema));
      if (diffs.isEmpty()) {
        diffs.addAll(differences(admin.getDescriptor(TableName.valueOf(schema.tableName())), schema));
      }
      if (diffs.isEmpty()) {
        out.println("ok: " + schema.tableName() + " matches schema version " + TableSchema.SCHEMA_VERSION);
        return 0;
      }
      for (String d : diffs) {
        err.println(d);
      }
      return 1;
    } catch (IOException e) {
      err.println("HBase error: " + e);
      return 1;
    }
  }

  public static void main(String[] args) {
    System.exit(run(args, HBaseConfiguration.create(), System.out, System.err));
  }
}
