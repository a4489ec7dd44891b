package io.eventstate.hbase.coprocessor;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.function.Function;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.metrics.Counter;
import org.apache.hadoop.hbase.regionserver.HRegion;
import org.apache.hadoop.hbase.util.JVMClusterUtil;
import io.eventstate.testing.SharedMiniCluster;

/**
 * One of the observer's counters as seen by a table's regions. Registries are per coprocessor class and shared by
 * the mini cluster's RegionServers in one JVM (and dropped when the last region using one closes), so a test takes
 * the distinct counter objects its table's observers hold and compares their sum before and after.
 */
final class ObserverMetrics {

  final Set<Counter> counters = Collections.newSetFromMap(new IdentityHashMap<>());

  private ObserverMetrics(TableName table, Function<EntityStateObserver.Metrics, Counter> which) {
    for (JVMClusterUtil.RegionServerThread t : SharedMiniCluster.util().getMiniHBaseCluster().getLiveRegionServerThreads()) {
      for (HRegion r : t.getRegionServer().getRegions(table)) {
        for (EntityStateObserver o : r.getCoprocessorHost().findCoprocessors(EntityStateObserver.class)) {
          if (o.metrics != EntityStateObserver.Metrics.NONE) {
            counters.add(which.apply(o.metrics));
          }
        }
      }
    }
    if (counters.isEmpty()) {
      throw new IllegalStateException("no state observer on the regions of " + table);
    }
  }

  static ObserverMetrics of(TableName table, Function<EntityStateObserver.Metrics, Counter> which) {
    return new ObserverMetrics(table, which);
  }

  long sum() {
    long total = 0;
    for (Counter c : counters) {
      total += c.getCount();
    }
    return total;
  }
}
