package io.eventstate.cli;

import io.eventstate.core.rowkey.TableSchema;
import io.eventstate.core.state.EntityStateSpec;
import io.eventstate.flume.sink.SchemaTool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.HConstants;
import org.apache.hadoop.hbase.LocalHBaseCluster;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.master.HMaster;
import org.apache.hadoop.hbase.regionserver.HRegionServer;
import org.apache.hadoop.hbase.zookeeper.MiniZooKeeperCluster;

/**
 * A standalone HBase in this JVM for the demo and the lookup commands: ZooKeeper, one master and one region
 * server, the way {@code hbase master start} runs them in local mode, on {@code hbase.rootdir=file://<dir>/hbase}
 * so the data survives between runs. Info servers are off (their web files are not on the class path, and
 * Java 17 would need extra {@code --add-opens}); {@code hbase.unsafe.stream.capability.enforce=false} because
 * the local file system has no hflush/hsync capability to report. While it runs, {@code <dir>/hbase.zk} holds
 * its ZooKeeper address so another {@code ./eventstate} process can use it.
 *
 * <pre>
 *   try (EmbeddedHBase hbase = EmbeddedHBase.start(Path.of(".eventstate"), true)) {
 *     hbase.createTable(TableSchema.defaults());   // idempotent
 *     ... hbase.clientConfiguration() ...
 *   }
 * </pre>
 */
public final class EmbeddedHBase implements AutoCloseable {


  private final Path dir;
  private final Configuration conf;
  private final MiniZooKeeperCluster zk;
  private final LocalHBaseCluster cluster;
  private final int zkPort;

  private EmbeddedHBase(Path dir, Configuration conf, MiniZooKeeperCluster zk, LocalHBaseCluster cluster, int zkPort) {
    this.dir = dir;
    this.conf = conf;
    this.zk = zk;
    this.cluster = cluster;
    this.zkPort = zkPort;
  }

  /**
   * Starts HBase on {@code <dir>/hbase} and waits until it serves requests.
   *
   * @param advertise write {@code <dir>/hbase.zk} so other processes find this instance
   */
  public static EmbeddedHBase start(Path dir, boolean advertise) {
    if (runningZooKeeper(dir) != null) {
      throw new CliException("an embedded HBase already runs on " + dir + " (" + runningZooKeeper(dir)
          + "); stop that ./eventstate process first");
    }
    Path root = dir.toAbsolutePath().resolve("hbase");
    MiniZooKeeperCluster zk = null;
    LocalHBaseCluster cluster = null;
    try {
      Files.createDirectories(root);
      int zkPort = freePort();
      Configuration conf = HBaseConfiguration.create();
      conf.set(HConstants.HBASE_DIR, root.toUri().toString());
      conf.setBoolean(HConstants.CLUSTER_DISTRIBUTED, false);
      conf.set("hbase.zookeeper.quorum", "127.0.0.1");
      conf.setInt("hbase.zookeeper.property.clientPort", zkPort);
      conf.set("hbase.zookeeper.property.dataDir", dir.toAbsolutePath().resolve("zookeeper").toString());
      conf.setInt("hbase.master.info.port", -1);
      conf.setInt("hbase.regionserver.info.port", -1);
      conf.setInt("hbase.master.port", 0);
      conf.setInt("hbase.regionserver.port", 0);
      conf.setBoolean("hbase.unsafe.stream.capability.enforce", false);
      conf.set("hbase.wal.provider", "filesystem");
      // The previous run's region server is still registered in ZooKeeper's stored data until its session
      // expires; a short session lets the restarted master declare it dead and take over its regions quickly.
      conf.setInt("zookeeper.session.timeout", 10_000);
      conf.setInt("hbase.zookeeper.property.tickTime", 1000);
      conf.set("hbase.tmp.dir", dir.toAbsolutePath().resolve("tmp").toString());
      // A process may start the embedded HBase more than once (the demo, then a lookup): let Hadoop's metrics
      // system accept the same source names again, as HBase's own test utility does.
      org.apache.hadoop.metrics2.lib.DefaultMetricsSystem.setMiniClusterMode(true);
      zk = new MiniZooKeeperCluster(conf);
      zk.setDefaultClientPort(zkPort);
      zk.startup(dir.toAbsolutePath().resolve("zookeeper").toFile());
      cluster = new LocalHBaseCluster(conf, 1, 1, HMaster.class, HRegionServer.class);
      cluster.startup();
      EmbeddedHBase h = new EmbeddedHBase(dir, conf, zk, cluster, zkPort);
      h.awaitReady();
      if (advertise) {
        Files.writeString(dir.resolve("hbase.zk"), "127.0.0.1:" + zkPort + "\n", StandardCharsets.UTF_8);
      }
      return h;
    } catch (IOException | InterruptedException | RuntimeException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      stopQuietly(cluster, zk);
      if (e instanceof CliException ce) {
        throw ce;
      }
      throw new CliException("embedded HBase failed to start on " + root + ": " + HBaseAccess.firstLine(e));
    }
  }

  private void awaitReady() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + 120_000_000_000L;
    IOException last = null;
    while (System.nanoTime() < deadline) {
      if (cluster.getActiveMaster() != null && cluster.getActiveMaster().isInitialized()) {
        try (Connection c = ConnectionFactory.createConnection(conf); Admin a = c.getAdmin()) {
          a.listTableNames();
          return;
        } catch (IOException e) {
          last = e;
        }
      }
      Thread.sleep(250);
    }
    throw new IOException("not ready after 120 s" + (last == null ? "" : ": " + last.getMessage()));
  }

  /** The ZooKeeper address of a running embedded HBase on {@code dir}, or null. */
  static String runningZooKeeper(Path dir) {
    String zk = HBaseAccess.read(dir.resolve("hbase.zk"));
    if (zk == null || zk.isEmpty()) {
      return null;
    }
    int colon = zk.lastIndexOf(':');
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(zk.substring(0, colon), Integer.parseInt(zk.substring(colon + 1))), 1000);
      return zk;
    } catch (IOException | RuntimeException e) {
      return null; // a stale file from a process that was killed
    }
  }

  /** A client configuration for this instance. */
  public Configuration clientConfiguration() {
    Configuration c = HBaseConfiguration.create();
    c.set("hbase.zookeeper.quorum", "127.0.0.1");
    c.setInt("hbase.zookeeper.property.clientPort", zkPort);
    return c;
  }

  public int zooKeeperPort() {
    return zkPort;
  }

  /**
   * Creates the table unless it exists ({@link SchemaTool#create}, idempotent).
   *
   * @return whether it was created now
   */
  public boolean createTable(TableSchema schema) {
    try (Connection c = ConnectionFactory.createConnection(clientConfiguration()); Admin a = c.getAdmin()) {
      return SchemaTool.create(a, schema);
    } catch (IOException e) {
      throw new CliException("cannot create table " + schema.tableName() + ": " + HBaseAccess.firstLine(e));
    }
  }

  /**
   * Creates the table with the state coprocessor ({@code EntityStateObserver}) and every machine and session
   * definition of {@code machinesDir} as table values, unless the table exists (then nothing changes: alter it
   * with the HBase shell, docs/state-on-write.md).
   *
   * @return whether it was created now
   */
  public boolean createStateTable(TableSchema schema, Path machinesDir) {
    Map<String, String> values;
    try {
      values = SchemaTool.stateProperties(machinesDir);
      EntityStateSpec.parse(values);
    } catch (IOException e) {
      throw new CliException("cannot read machine definitions in " + machinesDir + ": " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new CliException("invalid definitions in " + machinesDir + " (run ./eventstate validate): "
          + e.getMessage().lines().findFirst().orElse(""));
    }
    try (Connection c = ConnectionFactory.createConnection(clientConfiguration()); Admin a = c.getAdmin()) {
      TableName name = TableName.valueOf(schema.tableName());
      if (a.tableExists(name)) {
        Map<String, String> stored = new TreeMap<>();
        a.getDescriptor(name).getValues().forEach((k, v) -> {
          String key = k.toString();
          if (key.startsWith(EntityStateSpec.PREFIX)) {
            stored.put(key, v.toString());
          }
        });
        if (!stored.equals(new TreeMap<>(values))) {
          throw new CliException("table " + schema.tableName() + " holds other machine definitions than "
              + machinesDir + " (" + differences(stored, values) + "); pass --table NAME for a table of its own, or "
              + "apply them to this table and re-derive its state from its events: ./eventstate definitions apply --table "
              + schema.tableName() + " --conf " + machinesDir + ", then ./eventstate rebuild --table "
              + schema.tableName());
        }
        return false;
      }
      return SchemaTool.createWithState(a, schema, values);
    } catch (IOException e) {
      throw new CliException("cannot create table " + schema.tableName() + ": " + HBaseAccess.firstLine(e));
    }
  }

  private static String differences(Map<String, String> stored, Map<String, String> wanted) {
    List<String> d = new ArrayList<>();
    for (String k : stored.keySet()) {
      if (!wanted.containsKey(k)) {
        d.add("table only: " + k.substring(EntityStateSpec.CONFIG_MACHINE_PREFIX.length()));
      }
    }
    for (Map.Entry<String, String> e : new TreeMap<>(wanted).entrySet()) {
      String name = e.getKey().startsWith(EntityStateSpec.CONFIG_MACHINE_PREFIX)
          ? e.getKey().substring(EntityStateSpec.CONFIG_MACHINE_PREFIX.length()) : e.getKey();
      if (!stored.containsKey(e.getKey())) {
        d.add("not in the table: " + name);
      } else if (!stored.get(e.getKey()).equals(e.getValue())) {
        d.add("changed: " + name);
      }
    }
    return String.join(", ", d);
  }

  /** Stops region server, master and ZooKeeper; data is flushed and stays in {@code <dir>/hbase}. */
  @Override
  public void close() {
    try {
      Files.deleteIfExists(dir.resolve("hbase.zk"));
    } catch (IOException ignored) {
      // a stale file is detected by runningZooKeeper
    }
    stopQuietly(cluster, zk);
  }

  private static void stopQuietly(LocalHBaseCluster cluster, MiniZooKeeperCluster zk) {
    if (cluster != null) {
      try {
        cluster.shutdown();
        cluster.join();
      } catch (RuntimeException ignored) {
        // best effort: the process is ending
      }
    }
    if (zk != null) {
      try {
        zk.shutdown();
      } catch (IOException | RuntimeException ignored) {
        // best effort
      }
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
