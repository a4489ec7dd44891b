package io.eventstate.core.rowkey;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

import io.eventstate.core.config.ConfigException;
import io.eventstate.core.config.ConfigReader;

/**
 * The Eventstate HBase table, defined once. The schema tool ({@code io.eventstate.flume.sink.SchemaTool},
 * {@code ./eventstate schema}) creates and checks the table from it and prints the shell script
 * {@code conf/hbase/create-events.hbase}; the sink's start-up check reads it too, so they cannot drift.
 *
 * <h2>Keys</h2> (for {@link #parse(Map)}, e.g. from the schema tool's command line)
 * <table>
 *   <caption>schema keys</caption>
 *   <tr><th>Property</th><th>Default</th><th>Description</th></tr>
 *   <tr><td>{@code table}</td><td>{@code eventstate}</td><td>table name, optionally {@code namespace:name}</td></tr>
 *   <tr><td>{@code regions}</td><td>16</td><td>pre-split regions: a power of two from 1 to 256, split on salt boundaries</td></tr>
 * </table>
 *
 * <h2>Column families</h2> One version each, no TTL (cell timestamps are event times, see
 * {@link EventRowCodec}), ROW bloom filters (the workload is point reads and prefix scans of one entity).
 * <ul>
 *   <li>{@code e}: immutable event cells and dead letters; GZ compression (pure Java, no native library
 *       needed; JSON bodies shrink several-fold) and FAST_DIFF block encoding (keys share long prefixes).</li>
 *   <li>{@code d}: per-event derived cells the coprocessor writes (state after the event, session id, flags).</li>
 *   <li>{@code s}: state-row cells; kept in memory in the block cache because every write reads them, and
 *       {@code IN_MEMORY_COMPACTION => BASIC}: an entity's state row takes a new version of a few cells with every
 *       write, so the memstore's skip list of this family is kept small by flattening it in memory, which makes each
 *       insert cheaper (the state's CPU per event falls by about a fifth).</li>
 * </ul>
 *
 * <h2>Table settings</h2>
 * <ul>
 *   <li>{@code hbase.regionserver.region.split_restriction.type = DelimitedKeyPrefix} and
 *       {@code ...delimiter = |}: every split point, automatic or explicit, is cut at its first {@code |}, which
 *       ends the entity prefix ({@link RowKeyCodec}), so an entity never spans two regions.</li>
 *   <li>{@code eventstate.schema.version} and {@code eventstate.created.by}: the marker the sink checks at start.</li>
 *   <li>Coprocessor {@code org.apache.hadoop.hbase.coprocessor.MultiRowMutationEndpoint}: the sink's atomic
 *       multi-row write of an entity's events and state row.</li>
 * </ul>
 */
public record TableSchema(String tableName, int regions) {

  public static final String CONFIG_TABLE = "table";
  public static final String CONFIG_REGIONS = "regions";
  public static final String DEFAULT_TABLE = "eventstate";
  public static final int DEFAULT_REGIONS = 16;

  public static final String FAMILY_EVENT = "e";
  public static final String FAMILY_DERIVED = "d";
  public static final String FAMILY_STATE = "s";

  /** Bumped whenever families or table settings change incompatibly. */
  public static final int SCHEMA_VERSION = 1;
  public static final String MARKER_VERSION_KEY = "eventstate.schema.version";
  public static final String MARKER_CREATED_BY_KEY = "eventstate.created.by";
  public static final String MARKER_CREATED_BY = "eventstate-schema";
  public static final String SPLIT_RESTRICTION_TYPE_KEY = "hbase.regionserver.region.split_restriction.type";
  public static final String SPLIT_RESTRICTION_DELIMITER_KEY = "hbase.regionserver.region.split_restriction.delimiter";
  public static final String MULTI_ROW_ENDPOINT = "org.apache.hadoop.hbase.coprocessor.MultiRowMutationEndpoint";
  /** {@code Coprocessor.PRIORITY_USER}. */
  public static final int COPROCESSOR_PRIORITY = 1073741823;
  /** The state coprocessor's class name (module coprocessors). */
  public static final String STATE_OBSERVER = "io.eventstate.hbase.coprocessor.EntityStateObserver";
  /** The master-side check, for {@code hbase.coprocessor.master.classes}. */
  public static final String MASTER_OBSERVER = "io.eventstate.hbase.coprocessor.EntityStateMasterObserver";

  private static final Pattern TABLE_NAME = Pattern.compile("([A-Za-z0-9_]+:)?[A-Za-z0-9_][A-Za-z0-9_.-]*");

  /**
   * One column family.
   *
   * @param ttl {@code FOREVER} or seconds
   * @param inMemoryCompaction HBase's {@code MemoryCompactionPolicy} name: {@code NONE} or {@code BASIC}
   */
  public record Family(String name, String purpose, int maxVersions, String ttl, String compression, String bloom,
      String dataBlockEncoding, boolean inMemory, String inMemoryCompaction) {
  }

  private static final List<Family> FAMILIES = List.of(
      new Family(FAMILY_EVENT, "immutable event cells and dead letters", 1, "FOREVER", "GZ", "ROW", "FAST_DIFF", false,
          "NONE"),
      new Family(FAMILY_DERIVED, "per-event derived cells written by the coprocessor", 1, "FOREVER", "NONE", "ROW",
          "FAST_DIFF", false, "NONE"),
      new Family(FAMILY_STATE, "per-entity state cells", 1, "FOREVER", "NONE", "ROW", "NONE", true, "BASIC"));

  public TableSchema {
    if (tableName == null || !TABLE_NAME.matcher(tableName).matches()) {
      throw ConfigException.badValue(null, CONFIG_TABLE, tableName,
          "must be an HBase table name such as eventstate or ns:eventstate");
    }
    if (regions < 1 || regions > RowKeyCodec.SALT_BUCKETS || Integer.bitCount(regions) != 1) {
      throw ConfigException.badValue(null, CONFIG_REGIONS, Integer.toString(regions),
          "must be a power of two from 1 to " + RowKeyCodec.SALT_BUCKETS + " (pre-split regions by salt)");
    }
  }

  public static TableSchema defaults() {
    return new TableSchema(DEFAULT_TABLE, DEFAULT_REGIONS);
  }

  /** Parses {@code table} and {@code regions}; unknown keys are rejected. */
  public static TableSchema parse(Map<String, String> properties) {
    ConfigReader r = new ConfigReader(null, properties).keys(CONFIG_TABLE, CONFIG_REGIONS).rejectUnknown();
    return new TableSchema(r.text(CONFIG_TABLE, DEFAULT_TABLE),
        r.intValue(CONFIG_REGIONS, DEFAULT_REGIONS, 1, RowKeyCodec.SALT_BUCKETS));
  }

  public List<Family> families() {
    return FAMILIES;
  }

  /** The pre-split points: salts at equal distances, e.g. {@code 40, 80, c0} for 4 regions. */
  public List<String> splitPoints() {
    List<String> points = new ArrayList<>(regions - 1);
    int step = RowKeyCodec.SALT_BUCKETS / regions;
    for (int i = 1; i < regions; i++) {
      points.add(String.format("%02x", i * step));
    }
    return Collections.unmodifiableList(points);
  }

  /** The table descriptor values: split restriction and the schema marker. */
  public SortedMap<String, String> tableValues() {
    SortedMap<String, String> v = new TreeMap<>();
    v.put(SPLIT_RESTRICTION_TYPE_KEY, "DelimitedKeyPrefix");
    v.put(SPLIT_RESTRICTION_DELIMITER_KEY, String.valueOf(RowKeyCodec.DELIMITER));
    v.put(MARKER_VERSION_KEY, Integer.toString(SCHEMA_VERSION));
    v.put(MARKER_CREATED_BY_KEY, MARKER_CREATED_BY);
    return Collections.unmodifiableSortedMap(v);
  }

  /** Coprocessor class names the table loads. */
  public List<String> coprocessors() {
    return List.of(MULTI_ROW_ENDPOINT);
  }
}
