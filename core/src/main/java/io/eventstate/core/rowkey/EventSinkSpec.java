package io.eventstate.core.rowkey;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

import io.eventstate.core.config.ConfigException;
import io.eventstate.core.config.ConfigReader;

/**
 * The configuration of {@code io.eventstate.flume.sink.EventSink}, parsed from Flume properties by the one
 * {@link ConfigReader}. Unknown keys are rejected (Flume's own {@code type} and {@code channel} excepted); every
 * message names the component, the key, the bad value and the fix.
 *
 * <table>
 *   <caption>EventSink keys</caption>
 *   <tr><th>Property</th><th>Default</th><th>Description</th></tr>
 *   <tr><td>{@code table}</td><td>{@code eventstate}</td><td>HBase table made by the schema tool</td></tr>
 *   <tr><td>{@code batchSize}</td><td>100</td><td>events taken from the channel per transaction (1 to 100000)</td></tr>
 *   <tr><td>{@code timeoutMs}</td><td>30000</td><td>upper bound of one HBase write including retries
 *       ({@code hbase.client.operation.timeout}), in milliseconds or as a duration ({@code 30s}); the RPC timeout
 *       is capped to it</td></tr>
 *   <tr><td>{@code durability}</td><td>{@code SYNC_WAL}</td><td>{@code SKIP_WAL}, {@code ASYNC_WAL},
 *       {@code SYNC_WAL}, {@code FSYNC_WAL} or {@code USE_DEFAULT}</td></tr>
 *   <tr><td>{@code writeThreads}</td><td>4</td><td>regions of one batch written in parallel (1 to 64); each
 *       region's share is still one atomic write</td></tr>
 *   <tr><td>{@code zookeeperQuorum}</td><td>from {@code hbase-site.xml}</td><td>{@code host1:2181,host2:2181}
 *       or host names with {@code hbase.zookeeper.property.clientPort}</td></tr>
 *   <tr><td>{@code znodeParent}</td><td>from {@code hbase-site.xml}</td><td>e.g. {@code /hbase-secure}</td></tr>
 *   <tr><td>{@code hbase.*}</td><td></td><td>passed to the HBase client configuration as is</td></tr>
 *   <tr><td>{@code kerberosPrincipal}</td><td></td><td>becomes {@code hbase.client.keytab.principal}; needs
 *       {@code kerberosKeytab}</td></tr>
 *   <tr><td>{@code kerberosKeytab}</td><td></td><td>becomes {@code hbase.client.keytab.file}; the HBase client
 *       logs in from it when {@code hbase.security.authentication=kerberos}</td></tr>
 *   <tr><td>{@code poison.maxAttempts}</td><td>5</td><td>consecutive failed attempts of the batch at the head of
 *       the channel, for a reason HBase calls retryable, after which the sink writes it event by event: an event that
 *       still fails while its region answers reads is dead-lettered with the error (1 to 1000)</td></tr>
 *   <tr><td>{@code idlePollMs}</td><td>0</td><td>when the channel is empty: 0 reports {@code BACKOFF}, and
 *       Flume's sink runner then sleeps 1 s, 2 s, ... up to 5 s before it looks again (events arriving meanwhile
 *       wait); above 0 the sink itself waits this long and reports {@code READY}, so it looks again at once (0 to
 *       5000; the example agent sets 50)</td></tr>
 *   <tr><td>{@code notify.*}</td><td></td><td>notifications, parsed by the sink with {@code io.eventstate.core.act.NotifySpec}</td></tr>
 * </table>
 */
public record EventSinkSpec(String table, int batchSize, long timeoutMs, String durability, int writeThreads,
    int poisonMaxAttempts, String zookeeperQuorum,
    String znodeParent, String kerberosPrincipal, String kerberosKeytab, SortedMap<String, String> hbaseProperties,
    long idlePollMs) {

  /** The prefix of the sink's notification keys (parsed by {@code io.eventstate.core.act.NotifySpec}). */
  public static final String NOTIFY_PREFIX = "notify.";
  /** Table name. */
  public static final String CONFIG_TABLE = "table";
  /** Events per transaction. */
  public static final String CONFIG_BATCH_SIZE = "batchSize";
  /** Bound of one HBase write. */
  public static final String CONFIG_TIMEOUT_MS = "timeoutMs";
  /** WAL durability of every write. */
  public static final String CONFIG_DURABILITY = "durability";
  /** Parallel region writes per batch. */
  public static final String CONFIG_WRITE_THREADS = "writeThreads";
  /** Failed attempts of one batch before the sink isolates a poison event that HBase calls retryable. */
  public static final String CONFIG_POISON_MAX_ATTEMPTS = "poison.maxAttempts";
  /** ZooKeeper quorum override. */
  public static final String CONFIG_ZOOKEEPER_QUORUM = "zookeeperQuorum";
  /** HBase znode parent override. */
  public static final String CONFIG_ZNODE_PARENT = "znodeParent";
  /** Kerberos principal of the sink. */
  public static final String CONFIG_KERBEROS_PRINCIPAL = "kerberosPrincipal";
  /** Kerberos keytab file of the sink. */
  public static final String CONFIG_KERBEROS_KEYTAB = "kerberosKeytab";
  /** How long the sink waits by itself when the channel is empty (0: Flume's back-off). */
  public static final String CONFIG_IDLE_POLL_MS = "idlePollMs";
  /** Prefix of keys passed through to the HBase client configuration. */
  public static final String HBASE_PREFIX = "hbase.";

  public static final String DEFAULT_TABLE = TableSchema.DEFAULT_TABLE;
  public static final int DEFAULT_BATCH_SIZE = 100;
  public static final long DEFAULT_TIMEOUT_MS = 30_000L;
  public static final String DEFAULT_DURABILITY = "SYNC_WAL";
  public static final int DEFAULT_WRITE_THREADS = 4;
  public static final int DEFAULT_POISON_MAX_ATTEMPTS = 5;

  /** HBase's {@code Durability} names. */
  public static final List<String> DURABILITIES = List.of("SKIP_WAL", "ASYNC_WAL", "SYNC_WAL", "FSYNC_WAL", "USE_DEFAULT");

  /** Every exact key {@link #parse(Map)} accepts (besides {@code hbase.*}, {@code notify.*} and Flume's own). */
  public static final Set<String> KEYS = Set.of(CONFIG_TABLE, CONFIG_BATCH_SIZE, CONFIG_TIMEOUT_MS, CONFIG_DURABILITY,
      CONFIG_WRITE_THREADS, CONFIG_POISON_MAX_ATTEMPTS, CONFIG_ZOOKEEPER_QUORUM, CONFIG_ZNODE_PARENT, CONFIG_KERBEROS_PRINCIPAL,
      CONFIG_KERBEROS_KEYTAB, CONFIG_IDLE_POLL_MS);

  public EventSinkSpec {
    hbaseProperties = Collections.unmodifiableSortedMap(new TreeMap<>(hbaseProperties));
  }

  /**
   * Parses Flume's sink context parameters ({@code notify.*} keys are declared here and read by
   * {@code io.eventstate.core.act.NotifySpec#parse(Map)}, by the sink).
   *
   * @throws ConfigException naming the key, the bad value and the fix
   */
  public static EventSinkSpec parse(Map<String, String> p) {
    ConfigReader r = new ConfigReader(null, p).keys(KEYS)
        .prefix(HBASE_PREFIX, HBASE_PREFIX + "* (passed to the HBase client)")
        .prefix(NOTIFY_PREFIX, NOTIFY_PREFIX + "* (notifications)")
        .ignore("type", "channel")
        .rejectUnknown();
    String table = r.text(CONFIG_TABLE, DEFAULT_TABLE);
    new TableSchema(table, 1);
    int batchSize = r.intValue(CONFIG_BATCH_SIZE, DEFAULT_BATCH_SIZE, 1, 100_000);
    long timeoutMs = r.millis(CONFIG_TIMEOUT_MS, DEFAULT_TIMEOUT_MS, 1, 24L * 3600 * 1000);
    String durability = r.oneOf(CONFIG_DURABILITY, DEFAULT_DURABILITY, DURABILITIES);
    int writeThreads = r.intValue(CONFIG_WRITE_THREADS, DEFAULT_WRITE_THREADS, 1, 64);
    int poisonMaxAttempts = r.intValue(CONFIG_POISON_MAX_ATTEMPTS, DEFAULT_POISON_MAX_ATTEMPTS, 1, 1000);
    String quorum = r.optional(CONFIG_ZOOKEEPER_QUORUM);
    String znode = r.optional(CONFIG_ZNODE_PARENT);
    if (znode != null && !znode.startsWith("/")) {
      throw r.bad(CONFIG_ZNODE_PARENT, "must be an absolute znode path such as /hbase");
    }
    String principal = r.optional(CONFIG_KERBEROS_PRINCIPAL);
    String keytab = r.optional(CONFIG_KERBEROS_KEYTAB);
    if ((principal == null) != (keytab == null)) {
      String missing = principal == null ? CONFIG_KERBEROS_PRINCIPAL : CONFIG_KERBEROS_KEYTAB;
      String present = principal == null ? CONFIG_KERBEROS_KEYTAB : CONFIG_KERBEROS_PRINCIPAL;
      throw r.missing(missing, present + " is set, so set both (principal and keytab file) or neither");
    }
    SortedMap<String, String> passThrough = r.under(HBASE_PREFIX);
    if (passThrough.containsKey("hbase.rpc.timeout")) {
      r.millis("hbase.rpc.timeout", timeoutMs, 1, Long.MAX_VALUE);
    }
    long idlePollMs = r.millis(CONFIG_IDLE_POLL_MS, 0, 0, 5000);
    return new EventSinkSpec(table, batchSize, timeoutMs, durability, writeThreads, poisonMaxAttempts, quorum, znode, principal, keytab,
        passThrough, idlePollMs);
  }

  /**
   * The HBase client configuration overrides, applied on top of {@code hbase-site.xml}: pass-through keys
   * first, then the named keys, so {@code timeoutMs} wins over a pass-through timeout.
   */
  public SortedMap<String, String> clientProperties() {
    SortedMap<String, String> c = new TreeMap<>(hbaseProperties);
    if (zookeeperQuorum != null) {
      c.put("hbase.zookeeper.quorum", zookeeperQuorum);
    }
    if (znodeParent != null) {
      c.put("zookeeper.znode.parent", znodeParent);
    }
    c.put("hbase.client.operation.timeout", Long.toString(timeoutMs));
    long rpc = timeoutMs;
    if (hbaseProperties.containsKey("hbase.rpc.timeout")) {
      rpc = Math.min(rpc, new ConfigReader(null, hbaseProperties).millis("hbase.rpc.timeout", rpc, 1,
          Long.MAX_VALUE));
    }
    c.put("hbase.rpc.timeout", Long.toString(rpc));
    if (kerberosPrincipal != null) {
      c.put("hbase.client.keytab.principal", kerberosPrincipal);
      c.put("hbase.client.keytab.file", kerberosKeytab);
    }
    return Collections.unmodifiableSortedMap(c);
  }
}
