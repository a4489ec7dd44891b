package io.eventstate.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.HBaseTestingUtility;
import org.apache.hadoop.hbase.StartMiniClusterOption;
import org.apache.hadoop.hbase.regionserver.HRegionServer;
import org.apache.hadoop.hbase.util.JVMClusterUtil;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One HBase mini cluster per test JVM, shared by every test class annotated
 * {@code @ExtendWith(SharedMiniCluster.class)}: ZooKeeper, one master and one or more RegionServers on the local
 * file system (no DFS), web UIs off. It is kept in JUnit's root extension store, so it starts before the first
 * class that asks for it and stops once, after the last test of the JVM (surefire and failsafe run each module's
 * tests in one forked JVM).
 *
 * <p>A module tunes its cluster with a test resource {@value #SETTINGS}: every key is set on the HBase
 * configuration, except {@value #REGION_SERVERS} (how many RegionServers, default 1). Example, the coprocessors'
 * tests: the master observer, a short row-lock wait, two RegionServers.
 */
public final class SharedMiniCluster implements BeforeAllCallback {

  /** The class-path resource with a module's cluster settings (optional). */
  public static final String SETTINGS = "eventstate-minicluster.properties";
  /** The settings key for the number of RegionServers. */
  public static final String REGION_SERVERS = "eventstate.minicluster.regionservers";

  private static final String KEY = "eventstate.minicluster";

  /** The running cluster; set before the first test class that uses it runs. */
  private static volatile Cluster cluster;

  @Override
  public void beforeAll(ExtensionContext context) {
    cluster = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(KEY, k -> Cluster.start(), Cluster.class);
  }

  /**
   * Starts a cluster outside JUnit (benchmark programs) and makes it the one {@link #util()} returns; close it
   * when done.
   */
  public static AutoCloseable startOutsideJUnit() {
    Cluster c = Cluster.start();
    cluster = c;
    return c;
  }

  /** The shared testing utility. */
  public static HBaseTestingUtility util() {
    Cluster c = cluster;
    if (c == null) {
      throw new IllegalStateException("annotate the test class with @ExtendWith(SharedMiniCluster.class)");
    }
    return c.util;
  }

  /** The ZooKeeper client port, for components configured by properties. */
  public static int zkPort() {
    return util().getZkCluster().getClientPort();
  }

  /** Stops the HBase part (master and RegionServers) and keeps ZooKeeper, as an outage would. */
  public static void stopHBase() throws Exception {
    util().shutdownMiniHBaseCluster();
  }

  /** Starts HBase again after {@link #stopHBase()}, with the configured number of RegionServers. */
  public static void startHBase() throws Exception {
    util().startMiniHBaseCluster(options(cluster.regionServers));
  }

  /**
   * Fails a test after which a RegionServer has aborted or one is missing: {@code @ExtendWith({SharedMiniCluster.class,
   * SharedMiniCluster.RegionServersAlive.class})} checks {@link #assertNoRegionServerAborted} after every test.
   */
  public static final class RegionServersAlive implements AfterEachCallback {
    @Override
    public void afterEach(ExtensionContext context) {
      assertNoRegionServerAborted();
    }
  }

  /**
   * Fails if any live RegionServer has aborted, or fewer than the configured number are live. (A test that aborts
   * a RegionServer on purpose waits for its thread to end and starts a replacement.)
   */
  public static void assertNoRegionServerAborted() {
    for (JVMClusterUtil.RegionServerThread t : util().getMiniHBaseCluster().getLiveRegionServerThreads()) {
      HRegionServer rs = t.getRegionServer();
      if (rs.isAborted()) {
        throw new AssertionError("RegionServer " + rs.getServerName() + " aborted");
      }
    }
    int live = util().getMiniHBaseCluster().getLiveRegionServerThreads().size();
    if (live < cluster.regionServers) {
      throw new AssertionError("only " + live + " live RegionServers, expected " + cluster.regionServers);
    }
  }

  private static StartMiniClusterOption options(int regionServers) {
    return StartMiniClusterOption.builder().numMasters(1).numRegionServers(regionServers).build();
  }

  private static Properties settings() {
    Properties p = new Properties();
    try (InputStream in = SharedMiniCluster.class.getClassLoader().getResourceAsStream(SETTINGS)) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + SETTINGS, e);
    }
    return p;
  }

  @SuppressWarnings("deprecation") // CloseableResource: the JUnit 5 way to close a root-store value
  private static final class Cluster implements ExtensionContext.Store.CloseableResource, AutoCloseable {
    final HBaseTestingUtility util;
    final int regionServers;

    private Cluster(HBaseTestingUtility util, int regionServers) {
      this.util = util;
      this.regionServers = regionServers;
    }

    static Cluster start() {
      Configuration conf = HBaseConfiguration.create();
      conf.setInt("hbase.master.info.port", -1);
      conf.setInt("hbase.regionserver.info.port", -1);
      conf.setBoolean("hbase.unsafe.stream.capability.enforce", false);
      Properties settings = settings();
      int regionServers = Integer.parseInt(settings.getProperty(REGION_SERVERS, "1").trim());
      for (String key : settings.stringPropertyNames()) {
        if (!key.equals(REGION_SERVERS)) {
          conf.set(key, settings.getProperty(key).trim());
        }
      }
      HBaseTestingUtility util = new HBaseTestingUtility(conf);
      try {
        util.startMiniZKCluster();
        util.startMiniHBaseCluster(options(regionServers));
      } catch (Exception e) {
        throw new IllegalStateException("HBase mini cluster did not start: " + e, e);
      }
      return new Cluster(util, regionServers);
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
