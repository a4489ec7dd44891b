package io.eventstate.core.config;

import io.eventstate.core.rowkey.TableSchema;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The configuration of {@code io.eventstate.flume.sink.EventSink}, parsed from Flume properties. Unknown keys
 * are rejected (Flume's own {@code type} and {@code channel} excepted); every message names the key, the bad
 * value and the fix.
 *
 * <table>
 *   <caption>EventSink keys</caption>
 *   <tr><th>Property</th><th>Default</th><th>Description</th></tr>
 *   <tr><td>{@code table}</td><td>{@code eventstate}</td><td>HBase table made by the schema tool</td></tr>
 *   <tr><td>{@code batchSize}</td><td>100</td><td>events taken from the channel per transaction (1 to 100000)</td></tr>
 *   <tr><td>{@code timeoutMs}</td><td>30000</td><td>upper bound of one HBase write including retries
 *       ({@code hbase.client.operation.timeout}); the RPC timeout is capped to it</td></tr>
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
 *   <tr><td>{@code notify.*}</td><td></td><td>notifications, parsed by {@code io.eventstate.core.notify.NotifySpec}</td></tr>
 * </table>
 */
public record EventSinkSpec(String table, int batchSize, long timeoutMs, String durability, int writeThreads,
    int poisonMaxAttempts, String zookeeperQuorum,
    String znodeParent, String kerberosPrincipal, String kerberosKeytab, SortedMap<String, String> hbaseProperties) {

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

  private static final Set<String> FLUME_KEYS = Set.of("type", "channel");
  private static final Set<String> KNOWN = Set.of(CONFIG_TABLE, CONFIG_BATCH_SIZE, CONFIG_TIMEOUT_MS, CONFIG_DURABILITY,
      CONFIG_WRITE_THREADS, CONFIG_POISON_MAX_ATTEMPTS,
      CONFIG_ZOOKEEPER_QUORUM, CONFIG_ZNODE_PARENT, CONFIG_KERBEROS_PRINCIPAL, CONFIG_KERBEROS_KEYTAB);

  public EventSinkSpec {
    hbaseProperties = Collections.unmodifiableSortedMap(new TreeMap<>(hbaseProperties));
  }

  /** Parses Flume's sink context parameters. */
  public static EventSinkSpec parse(Map<String, String> p) {
    List<String> unknown = new ArrayList<>();
    SortedMap<String, String> passThrough = new TreeMap<>();
    for (Map.Entry<String, String> e : new TreeMap<>(p).entrySet()) {
      String k = e.getKey();
      if (k.startsWith(HBASE_PREFIX)) {
        passThrough.put(k, e.getValue());
      } else if (k.startsWith(io.eventstate.core.notify.NotifySpec.PREFIX)) {
        continue; // validated by NotifySpec
      } else if (!KNOWN.contains(k) && !FLUME_KEYS.contains(k)) {
        unknown.add(k);
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("EventSink: unknown key(s) " + unknown + ": valid keys are " + KNOWN.stream().sorted().toList() + ", hbase.* (passed to the HBase client) and notify.* (NotifySpec)");
    }
    String table = text(p, CONFIG_TABLE, DEFAULT_TABLE);
    try {
      new TableSchema(table, 1);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("EventSink: " + e.getMessage());
    }
    int batchSize = (int) number(p, CONFIG_BATCH_SIZE, DEFAULT_BATCH_SIZE, 1, 100_000);
    long timeoutMs = number(p, CONFIG_TIMEOUT_MS, DEFAULT_TIMEOUT_MS, 1, 24L * 3600 * 1000);
    String durability = text(p, CONFIG_DURABILITY, DEFAULT_DURABILITY);
    if (!DURABILITIES.contains(durability)) {
      throw new IllegalArgumentException("EventSink: key " + CONFIG_DURABILITY + " value was set to '" + durability
          + "', must be one of " + DURABILITIES);
    }
    int writeThreads = (int) number(p, CONFIG_WRITE_THREADS, DEFAULT_WRITE_THREADS, 1, 64);
    int poisonMaxAttempts = (int) number(p, CONFIG_POISON_MAX_ATTEMPTS, DEFAULT_POISON_MAX_ATTEMPTS, 1, 1000);
    String quorum = optional(p, CONFIG_ZOOKEEPER_QUORUM);
    String znode = optional(p, CONFIG_ZNODE_PARENT);
    if (znode != null && !znode.startsWith("/")) {
      throw new IllegalArgumentException("EventSink: key " + CONFIG_ZNODE_PARENT + " value was set to '" + znode
          + "', must be an absolute znode path such as /hbase");
    }
    String principal = optional(p, CONFIG_KERBEROS_PRINCIPAL);
    String keytab = optional(p, CONFIG_KERBEROS_KEYTAB);
    if ((principal == null) != (keytab == null)) {
      String missing = principal == null ? CONFIG_KERBEROS_PRINCIPAL : CONFIG_KERBEROS_KEYTAB;
      String present = principal == null ? CONFIG_KERBEROS_KEYTAB : CONFIG_KERBEROS_PRINCIPAL;
      throw new IllegalArgumentException("EventSink: key " + present + " is set but " + missing
          + " is not: set both (principal and keytab file) or neither");
    }
    return new EventSinkSpec(table, batchSize, timeoutMs, durability, writeThreads, poisonMaxAttempts, quorum, znode, principal, keytab,
        passThrough);
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
    String configuredRpc = hbaseProperties.get("hbase.rpc.timeout");
    if (configuredRpc != null) {
      try {
        rpc = Math.min(rpc, Long.parseLong(configuredRpc.trim()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("EventSink: key hbase.rpc.timeout value was set to '" + configuredRpc
            + "', must be milliseconds");
      }
    }
    c.put("hbase.rpc.timeout", Long.toString(rpc));
    if (kerberosPrincipal != null) {
      c.put("hbase.client.keytab.principal", kerberosPrincipal);
      c.put("hbase.client.keytab.file", kerberosKeytab);
    }
    return Collections.unmodifiableSortedMap(c);
  }

  private static String text(Map<String, String> p, String key, String def) {
    String v = p.get(key);
    if (v == null) {
      return def;
    }
    v = v.trim();
    if (v.isEmpty()) {
      throw new IllegalArgumentException("EventSink: key " + key + " is empty: remove it to use the default " + def);
    }
    return v;
  }

  private static String optional(Map<String, String> p, String key) {
    String v = p.get(key);
    if (v == null) {
      return null;
    }
    v = v.trim();
    if (v.isEmpty()) {
      throw new IllegalArgumentException("EventSink: key " + key + " is empty: remove it or give a value");
    }
    return v;
  }

  private static long number(Map<String, String> p, String key, long def, long min, long max) {
    String v = p.get(key);
    if (v == null) {
      return def;
    }
    long n;
    try {
      n = Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("EventSink: key " + key + " value was set to '" + v + "', must be an integer from "
          + min + " to " + max);
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException("EventSink: key " + key + " value was set to " + n + ", must be from " + min
          + " to " + max);
    }
    return n;
  }
}
