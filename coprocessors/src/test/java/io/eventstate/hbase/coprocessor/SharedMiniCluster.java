package io.eventstate.hbase.coprocessor;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.HBaseTestingUtility;
import org.apache.hadoop.hbase.StartMiniClusterOption;
import org.apache.hadoop.hbase.regionserver.HRegionServer;
import org.apache.hadoop.hbase.util.JVMClusterUtil;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One HBase mini cluster per test JVM (the sinks module's pattern): ZooKeeper, one master with
 * {@link EntityStateMasterObserver}, two RegionServers on the local file system, a short row-lock wait (R9).
 */
public final class SharedMiniCluster implements BeforeAllCallback {

  private static final String KEY = "eventstate.coprocessors.mini";
  /** Row-lock wait of the cluster: short, so that contention produces timeouts and client retries. */
  static final int ROW_LOCK_WAIT_MS = 2000;
  private static volatile Holder holder;

  @Override
  public void beforeAll(ExtensionContext context) {
    holder = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(KEY, k -> Holder.start(), Holder.class);
  }

  static HBaseTestingUtility util() {
    if (holder == null) {
      throw new IllegalStateException("annotate the test class with @ExtendWith(SharedMiniCluster.class)");
    }
    return holder.util;
  }

  /**
   * Fails if any live RegionServer has aborted (invariant 3), or fewer than two are live. (The one test that aborts
   * a RegionServer on purpose waits for its thread to end and starts a replacement.)
   */
  static void assertNoRegionServerAborted() {
    for (JVMClusterUtil.RegionServerThread t : util().getMiniHBaseCluster().getLiveRegionServerThreads()) {
      HRegionServer rs = t.getRegionServer();
      if (rs.isAborted()) {
        throw new AssertionError("RegionServer " + rs.getServerName() + " aborted");
      }
    }
    int live = util().getMiniHBaseCluster().getLiveRegionServerThreads().size();
    if (live < 2) {
      throw new AssertionError("only " + live + " live RegionServers, expected 2");
    }
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
      conf.set("hbase.coprocessor.master.classes", EntityStateMasterObserver.class.getName());
      conf.setInt("hbase.rowlock.wait.duration", ROW_LOCK_WAIT_MS);
      conf.setInt("hbase.client.retries.number", 15);
      conf.setLong("hbase.client.pause", 50);
      HBaseTestingUtility util = new HBaseTestingUtility(conf);
      try {
        util.startMiniZKCluster();
        util.startMiniHBaseCluster(StartMiniClusterOption.builder().numMasters(1).numRegionServers(2).build());
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
