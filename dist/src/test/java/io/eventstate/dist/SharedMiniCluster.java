package io.eventstate.dist;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.HBaseTestingUtility;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One HBase mini cluster (ZooKeeper + master + region server, local file system, no DFS) per test JVM,
 * kept in the root {@link ExtensionContext} store so every test class reuses it and JUnit shuts it down
 * once at the end.
 */
public final class SharedMiniCluster implements BeforeAllCallback {

  private static HBaseTestingUtility util;

  @Override
  public void beforeAll(ExtensionContext context) {
    context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(SharedMiniCluster.class.getName(), k -> start(), Holder.class);
  }

  /** The running cluster; call from a test of a class extended with this extension. */
  public static HBaseTestingUtility util() {
    if (util == null) {
      throw new IllegalStateException("annotate the test class with @ExtendWith(SharedMiniCluster.class)");
    }
    return util;
  }

  /** The ZooKeeper client port of the cluster. */
  public static int zkPort() {
    return util().getZkCluster().getClientPort();
  }

  private static Holder start() {
    HBaseTestingUtility u = new HBaseTestingUtility();
    Configuration c = u.getConfiguration();
    c.setInt("hbase.master.info.port", -1);
    c.setInt("hbase.regionserver.info.port", -1);
    c.setBoolean("hbase.unsafe.stream.capability.enforce", false);
    try {
      u.startMiniZKCluster();
      u.startMiniHBaseCluster();
    } catch (Exception e) {
      throw new IllegalStateException("mini cluster failed to start: " + e, e);
    }
    util = u;
    return new Holder(u);
  }

  private record Holder(HBaseTestingUtility util) implements ExtensionContext.Store.CloseableResource {
    @Override
    public void close() throws Exception {
      util.shutdownMiniHBaseCluster();
      util.shutdownMiniZKCluster();
    }
  }
}
