package io.eventstate.hbase.coprocessor;

import java.util.function.Function;
import org.apache.hadoop.hbase.metrics.Counter;
import org.apache.hadoop.hbase.regionserver.HRegion;
import org.apache.hadoop.hbase.regionserver.HRegionServer;
import org.apache.hadoop.hbase.util.JVMClusterUtil;

/** Reads the observers' counters: each distinct counter once. */
final class ObserverMetrics {

  private ObserverMetrics() {
  }

  static long sum(Function<EntityStateObserver.Metrics, Counter> which) {
    // registries are per coprocessor class and, in one JVM, shared by the mini cluster's RegionServers
    java.util.Set<Counter> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    long total = 0;
    for (JVMClusterUtil.RegionServerThread t : SharedMiniCluster.util().getMiniHBaseCluster().getLiveRegionServerThreads()) {
      HRegionServer rs = t.getRegionServer();
      for (HRegion r : rs.getOnlineRegionsLocalContext()) {
        if (r.getCoprocessorHost() == null) {
          continue;
        }
        for (EntityStateObserver o : r.getCoprocessorHost().findCoprocessors(EntityStateObserver.class)) {
          Counter c = which.apply(o.metrics);
          if (o.metrics != EntityStateObserver.Metrics.NONE && seen.add(c)) {
            total += c.getCount();
          }
        }
      }
    }
    return total;
  }
}
