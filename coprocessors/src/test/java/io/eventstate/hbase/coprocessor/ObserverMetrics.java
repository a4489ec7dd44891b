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

  private ObserverMetrics(org.apache.hadoop.hbase.HBaseTestingUtility util, TableName table,
      Function<EntityStateObserver.Metrics, Counter> which) {
    for (EntityStateObserver.Metrics m : metrics(util, table)) {
      counters.add(which.apply(m));
    }
  }

  static ObserverMetrics of(TableName table, Function<EntityStateObserver.Metrics, Counter> which) {
    return new ObserverMetrics(SharedMiniCluster.util(), table, which);
  }

  static ObserverMetrics of(org.apache.hadoop.hbase.HBaseTestingUtility util, TableName table,
      Function<EntityStateObserver.Metrics, Counter> which) {
    return new ObserverMetrics(util, table, which);
  }

  /** The distinct metrics objects the observers of the table's regions hold. */
  static Set<EntityStateObserver.Metrics> metrics(org.apache.hadoop.hbase.HBaseTestingUtility util, TableName table) {
    Set<EntityStateObserver.Metrics> out = Collections.newSetFromMap(new IdentityHashMap<>());
    for (JVMClusterUtil.RegionServerThread t : util.getMiniHBaseCluster().getLiveRegionServerThreads()) {
      for (HRegion r : t.getRegionServer().getRegions(table)) {
        for (EntityStateObserver o : r.getCoprocessorHost().findCoprocessors(EntityStateObserver.class)) {
          if (o.metrics != EntityStateObserver.Metrics.NONE) {
            out.add(o.metrics);
          }
        }
      }
    }
    if (out.isEmpty()) {
      throw new IllegalStateException("no state observer on the regions of " + table);
    }
    return out;
  }

  long sum() {
    long total = 0;
    for (Counter c : counters) {
      total += c.getCount();
    }
    return total;
  }
}
