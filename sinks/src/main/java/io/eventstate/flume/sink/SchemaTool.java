package io.eventstate.flume.sink;

import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.rowkey.TableSchema;
import io.eventstate.core.state.EntityStateSpec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.MemoryCompactionPolicy;
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
 * The one way to install the Eventstate table and its state coprocessor, from the one schema definition,
 * {@link TableSchema}, and the machine and session definitions ({@link EntityStateSpec}). Reached as
 * {@code ./eventstate schema ...} (docs/operations.md):
 *
 * <pre>
 *   create [table=eventstate] [regions=16]    create the table unless it exists, then check it
 *   check  [table=eventstate] [regions=16]    exit 1 and list every difference
 *   print  [table=eventstate] [regions=16]    print the HBase shell script (conf/hbase/create-events.hbase)
 *   print-state table=NAME jar=URI [lateness=DURATION] DEFINITION.json...
 *                                             print the shell commands loading the state coprocessor
 * </pre>
 * {@code create} is idempotent: running it on an existing table made by this tool changes nothing; on a table not
 * made by it, it reports the problems and fails rather than altering someone else's table. From Java,
 * {@link #create(Admin, TableSchema)} and {@link #createWithState(Admin, TableSchema, Map)} do the same; the
 * embedded HBase of {@code ./eventstate demo|run|hbase} and the tests create their tables with them.
 */
public final class SchemaTool {

  private SchemaTool() {
  }

  /** The HBase table descriptor of a schema (without the state coprocessor). */
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
        .setInMemory(f.inMemory())
        .setInMemoryCompaction(MemoryCompactionPolicy.valueOf(f.inMemoryCompaction()));
    try {
      b.setTimeToLive(f.ttl());
    } catch (HBaseException e) {
      throw new IllegalStateException("TableSchema family " + f.name() + " has a bad TTL " + f.ttl(), e);
    }
    return b.build();
  }

  /**
   * The descriptor of a table whose writes also advance state: the schema's, plus the state coprocessor (loaded
   * from the RegionServers' class path) and the definitions as table values (coprocessor properties cannot hold
   * JSON: HBase refuses values with commas).
   *
   * @param stateProperties spec keys (see {@link EntityStateSpec}), e.g. {@link #stateProperties(Path)}; validated
   */
  public static TableDescriptor stateDescriptor(TableSchema schema, Map<String, String> stateProperties) {
    EntityStateSpec.parse(stateProperties);
    TableDescriptorBuilder b = TableDescriptorBuilder.newBuilder(descriptor(schema));
    try {
      b.setCoprocessor(CoprocessorDescriptorBuilder.newBuilder(TableSchema.STATE_OBSERVER)
          .setPriority(TableSchema.COPROCESSOR_PRIORITY).build());
    } catch (IOException e) {
      throw new IllegalStateException("coprocessor " + TableSchema.STATE_OBSERVER + " cannot be set", e);
    }
    stateProperties.forEach(b::setValue);
    return b.build();
  }

  /** The spec keys of every machine and session definition ({@code *.json}) of a directory, in name order. */
  public static Map<String, String> stateProperties(Path definitionsDir) throws IOException {
    List<String> definitions = new ArrayList<>();
    try (Stream<Path> files = Files.list(definitionsDir)) {
      for (Path p : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".json")).sorted()::iterator) {
        definitions.add(Files.readString(p, StandardCharsets.UTF_8));
      }
    }
    return EntityStateSpec.properties(definitions);
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
   * Creates the table with the state coprocessor and the definitions ({@link #stateDescriptor}) unless it exists.
   * Returns true when it created it.
   */
  public static boolean createWithState(Admin admin, TableSchema schema, Map<String, String> stateProperties)
      throws IOException {
    TableDescriptor d = stateDescriptor(schema, stateProperties);
    if (admin.tableExists(d.getTableName())) {
      return false;
    }
    try {
      admin.createTable(d, splitKeys(schema));
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
    String create = "; create it with: ./eventstate schema create table=" + schema.tableName()
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
            + schema.tableName() + "', " + "{NAME => '" + f.name() + "'} or recreate the table with ./eventstate schema create");
      }
    }
    String createdBy = d.getValue(TableSchema.MARKER_CREATED_BY_KEY);
    String version = d.getValue(TableSchema.MARKER_VERSION_KEY);
    if (!TableSchema.MARKER_CREATED_BY.equals(createdBy)) {
      problems.add(t + " was not made by the Eventstate schema tool (table value " + TableSchema.MARKER_CREATED_BY_KEY
          + " is " + (createdBy == null ? "missing" : "'" + createdBy + "'") + "): its row-key split restriction and"
          + " families are unknown; create the table with ./eventstate schema create table=" + schema.tableName());
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
      // unset: the cluster's hbase.hregion.compacting.memstore.type, NONE unless an operator changed it
      pairs.put("IN_MEMORY_COMPACTION", new Object[] {actual.getInMemoryCompaction() == null
          ? MemoryCompactionPolicy.NONE : actual.getInMemoryCompaction(), want.getInMemoryCompaction()});
      for (Map.Entry<String, Object[]> p : pairs.entrySet()) {
        if (!p.getValue()[0].equals(p.getValue()[1])) {
          diffs.add("family " + f.name() + " " + p.getKey() + " is " + p.getValue()[0] + ", schema says " + p.getValue()[1]);
        }
      }
    }
    return diffs;
  }

  /** Where {@link #run} gets an {@link Admin} from (only {@code create} and {@code check} need one). */
  public interface Cluster {
    /** An admin of the cluster; closed by the caller. */
    Admin admin() throws IOException;
  }

  /** Runs a command against the cluster of {@code conf}; returns the process exit code. */
  public static int run(String[] args, Configuration conf, PrintStream out, PrintStream err) {
    Connection[] conn = new Connection[1];
    try {
      return run(args, () -> {
        if (conn[0] == null) {
          conn[0] = ConnectionFactory.createConnection(conf);
        }
        return conn[0].getAdmin();
      }, out, err);
    } finally {
      if (conn[0] != null) {
        try {
          conn[0].close();
        } catch (IOException e) {
          err.println("HBase error on close: " + e);
        }
      }
    }
  }

  /** Runs a command (see the class comment); returns the process exit code. */
  public static int run(String[] args, Cluster cluster, PrintStream out, PrintStream err) {
    if (args.length == 0 || !COMMANDS.contains(args[0])) {
      err.println(USAGE);
      return 2;
    }
    if (args[0].equals("print-state")) {
      return printState(Arrays.copyOfRange(args, 1, args.length), out, err);
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
      out.print(createScript(schema));
      return 0;
    }
    try (Admin admin = cluster.admin()) {
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

  /** The commands of {@link #run}. */
  public static final Set<String> COMMANDS = Set.of("create", "check", "print", "print-state");
  /** One line of usage per command. */
  public static final String USAGE = String.join("\n",
      "usage: schema create|check|print [table=NAME] [regions=N]",
      "       schema print-state table=NAME jar=URI [lateness=DURATION] DEFINITION.json...");

  private static int printState(String[] args, PrintStream out, PrintStream err) {
    String table = null;
    String jar = null;
    Map<String, String> props = new TreeMap<>();
    List<String> definitions = new ArrayList<>();
    try {
      for (String a : args) {
        if (a.startsWith("table=")) {
          table = a.substring(6);
        } else if (a.startsWith("jar=")) {
          jar = a.substring(4);
        } else if (a.startsWith("lateness=")) {
          props.put(EntityStateSpec.CONFIG_LATENESS, a.substring(9));
        } else {
          definitions.add(Files.readString(Path.of(a), StandardCharsets.UTF_8));
        }
      }
      if (table == null || jar == null || definitions.isEmpty()) {
        err.println(USAGE);
        return 2;
      }
      props.putAll(EntityStateSpec.properties(definitions));
      out.print(stateScript(table, props, jar));
      return 0;
    } catch (IOException e) {
      err.println("cannot read a definition file: " + e);
      return 2;
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      return 2;
    }
  }

  /** Family attributes in HBase shell spelling, in a fixed order. */
  static Map<String, String> shellAttributes(TableSchema.Family f) {
    Map<String, String> a = new LinkedHashMap<>();
    a.put("NAME", quote(f.name()));
    a.put("VERSIONS", Integer.toString(f.maxVersions()));
    a.put("TTL", "FOREVER".equals(f.ttl()) ? quote("FOREVER") : f.ttl());
    a.put("COMPRESSION", quote(f.compression()));
    a.put("BLOOMFILTER", quote(f.bloom()));
    a.put("DATA_BLOCK_ENCODING", quote(f.dataBlockEncoding()));
    a.put("IN_MEMORY", quote(Boolean.toString(f.inMemory())));
    a.put("IN_MEMORY_COMPACTION", quote(f.inMemoryCompaction()));
    return a;
  }

  /**
   * The HBase shell script creating the table, what {@link #create(Admin, TableSchema)} makes;
   * {@code conf/hbase/create-events.hbase} is this text for the defaults.
   */
  public static String createScript(TableSchema schema) {
    String tableName = schema.tableName();
    StringBuilder sb = new StringBuilder();
    sb.append("# Eventstate table, schema version ").append(TableSchema.SCHEMA_VERSION).append(".\n");
    sb.append("# GENERATED by the schema tool: do not edit; regenerate with\n");
    sb.append("#   ./eventstate schema print table=... regions=...  (docs/store.md); a test keeps this file equal to it.\n");
    sb.append("# Equivalent to: ./eventstate schema create table=").append(tableName).append(" regions=")
        .append(schema.regions()).append('\n');
    sb.append("# Run: hbase shell -n conf/hbase/create-events.hbase\n");
    for (TableSchema.Family f : schema.families()) {
      sb.append("#   ").append(f.name()).append(": ").append(f.purpose()).append('\n');
    }
    sb.append("create ").append(quote(tableName));
    for (TableSchema.Family f : schema.families()) {
      sb.append(",\n  {");
      boolean first = true;
      for (Map.Entry<String, String> a : shellAttributes(f).entrySet()) {
        sb.append(first ? "" : ", ").append(a.getKey()).append(" => ").append(a.getValue());
        first = false;
      }
      sb.append('}');
    }
    sb.append(",\n  SPLITS => [");
    List<String> points = schema.splitPoints();
    for (int i = 0; i < points.size(); i++) {
      sb.append(i == 0 ? "" : ", ").append(quote(points.get(i)));
    }
    sb.append("],\n  METADATA => {");
    boolean first = true;
    for (Map.Entry<String, String> v : schema.tableValues().entrySet()) {
      sb.append(first ? "" : ",\n    ").append(quote(v.getKey())).append(" => ").append(quote(v.getValue()));
      first = false;
    }
    sb.append("}\n");
    for (String cp : schema.coprocessors()) {
      sb.append("alter ").append(quote(tableName)).append(", METHOD => 'table_att', 'coprocessor' => '|")
          .append(cp).append('|').append(TableSchema.COPROCESSOR_PRIORITY).append("|'\n");
    }
    return sb.toString();
  }

  /**
   * The HBase shell commands that load the state coprocessor on an existing table (what
   * {@link #createWithState} sets when it creates one): one {@code alter} setting the definitions as table values,
   * one adding the coprocessor from its jar.
   *
   * @param table      the table name
   * @param properties spec keys (see {@link EntityStateSpec}); validated first
   * @param jarUri     where every RegionServer can read the shaded jar, e.g. {@code hdfs:///eventstate/...jar} or
   *                   {@code file:///opt/eventstate/...jar}; empty when it is on the RegionServers' class path
   */
  public static String stateScript(String table, Map<String, String> properties, String jarUri) {
    EntityStateSpec.parse(properties);
    StringBuilder sb = new StringBuilder();
    sb.append("# Eventstate state coprocessor (GENERATED by the schema tool: ./eventstate schema print-state)\n");
    // The shell's alter applies arbitrary table values only inside METADATA; a bare 'key' => 'value' next to
    // METHOD => 'table_att' is printed as "Unknown argument ignored" and dropped (HBaseShellIT runs these lines).
    sb.append("alter ").append(quote(table)).append(", METHOD => 'table_att', METADATA => {");
    String sep = "\n  ";
    for (Map.Entry<String, String> e : new TreeMap<>(properties).entrySet()) {
      sb.append(sep).append(quote(e.getKey())).append(" => ").append(quote(e.getValue()));
      sep = ",\n  ";
    }
    sb.append("}\n");
    sb.append("alter ").append(quote(table)).append(", METHOD => 'table_att', 'coprocessor' => ")
        .append(quote(jarUri + "|" + TableSchema.STATE_OBSERVER + "|" + TableSchema.COPROCESSOR_PRIORITY + "|"))
        .append('\n');
    return sb.toString();
  }

  static String quote(String s) {
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}
