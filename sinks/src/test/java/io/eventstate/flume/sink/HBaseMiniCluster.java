package io.eventstate.flume.sink;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.HBaseTestingUtility;
import org.apache.hadoop.hbase.StartMiniClusterOption;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One HBase mini cluster per test JVM, shared by every {@code *IT} class that uses
 * {@code @ExtendWith(HBaseMiniCluster.class)}: ZooKeeper plus one master and one region server on the local file
 * system (no DFS), web UIs off. Kept in the root extension store, so JUnit closes it after the last class.
 */
public final class HBaseMiniCluster implements BeforeAllCallback {

  private static final String KEY = "eventstate.hbase.mini";

  /** The running cluster; set before the first test class runs. */
  private static volatile Holder holder;

  @Override
  public void beforeAll(ExtensionContext context) {
    holder = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(KEY, k -> Holder.start(), Holder.class);
  }

  /** Uses a cluster started outside JUnit (the benchmark program). */
  static void use(Holder h) {
    holder = h;
  }

  /** The shared testing utility. */
  public static HBaseTestingUtility util() {
    if (holder == null) {
      throw new IllegalStateException("annotate the test class with @ExtendWith(HBaseMiniCluster.class)");
    }
    return holder.util;
  }

  /** The ZooKeeper client port, for sinks configured by properties. */
  public static int zkPort() {
    return util().getZkCluster().getClientPort();
  }

  /** Stops the HBase part (master and region server) and keeps ZooKeeper, as an outage would. */
  public static void stopHBase() throws Exception {
    util().shutdownMiniHBaseCluster();
  }

  /** Starts HBase again after {@link #stopHBase()}. */
  public static void startHBase() throws Exception {
    util().startMiniHBaseCluster(StartMiniClusterOption.builder().numMasters(1).numRegionServers(1).build());
  }

  @SuppressWarnings("deprecation") // CloseableResource: the JUnit 5 way to close a root-store value
  static final class Holder implements ExtensionContext.Store.CloseableResource {
    final HBaseTestingUtility util;

    private Holder(HBaseTestingUtility util) {
      this.util = util;
    }

    static Holder start() {
      Configuration conf = HBaseConfiguration.create();
      conf.setInt("hbase.master.info.port", -1);
      conf.setInt("hbase.regionserver.info.port", -1);
      conf.setBoolean("hbase.unsafe.stream.capability.enforce", false);
      conf.setInt("hbase.client.retries.number", 5);
      HBaseTestingUtility util = new HBaseTestingUtility(conf);
      try {
        util.startMiniZKCluster();
        util.startMiniHBaseCluster(StartMiniClusterOption.builder().numMasters(1).numRegionServers(1).build());
      } catch (Exception e) {
        throw new IllegalStateException("HBase mini cluster did not start", e);
      }
      return new Holder(util);
    }

    @Override
    public void close() throws Exception {
      try {
        util.shutdownMiniHBaseCluster();
      } finally {
        util.shutdownMiniZKCluster();
        util.cleanupTestDir();
      }
    }
  }
}
