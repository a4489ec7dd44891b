package io.eventstate.hbase.coprocessor;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.testing.SharedMiniCluster;
import io.eventstate.core.rowkey.TableSchema;
import io.eventstate.core.state.EntityStateSpec;
import io.eventstate.flume.sink.SchemaTool;
import io.eventstate.flume.sink.SinkWritePath;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.hadoop.hbase.HBaseTestingUtility;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;

/**
 * The rebuild's speed beside the live write rate with state, in the same run (not a test; see docs/performance.md for
 * the command). One mini cluster (no DFS, 2 RegionServers); per round a table of 8 regions with the state observer
 * (package machine + web sessions, v1) is written through the sink's path ({@link StateOverheadBenchmark}'s workload:
 * ~500-byte events, half packages, half users, batches of 100, region groups written by 4 threads): that is the live
 * rate. Then the definitions change (package machine: a guard and a state; sessions: gap 30m to 15m) and the whole
 * table, flushed and major-compacted first, is rebuilt by {@link StateRebuildClient} (every region at once): the
 * rebuild rate, in stored events per second.
 * Reported: each round, and the medians and their ratio.
 *
 * <p>Arguments (defaults): {@code events=1000000 entities=10000 rounds=1 burst=10}.
 */
public final class RebuildBenchmark {

  private RebuildBenchmark() {
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new java.util.HashMap<>(Map.of("events", "1000000", "entities", "10000", "rounds", "1",
        "burst", "10"));
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      a.put(kv[0], kv[1]);
    }
    int events = Integer.parseInt(a.get("events"));
    int entities = Integer.parseInt(a.get("entities"));
    int rounds = Integer.parseInt(a.get("rounds"));
    int burst = Integer.parseInt(a.get("burst"));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    AutoCloseable holder = SharedMiniCluster.startOutsideJUnit();
    HBaseTestingUtility util = SharedMiniCluster.util();
    double[] live = new double[rounds];
    double[] rebuild = new double[rounds];
    double[] liveCpu = new double[rounds];
    double[] rebuildCpu = new double[rounds];
    double[] verify = new double[rounds];
    double[] verifyCpu = new double[rounds];
    com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    try {
      for (int r = 0; r < rounds; r++) {
        List<CanonicalEvent> workload = StateOverheadBenchmark.workload(events, entities, burst, r);
        String name = "bench_rebuild_" + r;
        TableSchema schema = new TableSchema(name, 8);
        util.getAdmin().createTable(TableDescriptorBuilder.newBuilder(StateTables.descriptor(name,
            EntityStateObserver.class.getName(), null, StateTables.standardProperties(), Map.of())).build(),
            SchemaTool.splitKeys(schema));
        TableName tn = TableName.valueOf(name);
        util.waitTableAvailable(tn);
        try (Table t = util.getConnection().getTable(tn)) {
          SinkWritePath sink = new SinkWritePath(t, util.getConnection().getRegionLocator(tn), pool);
          long c0 = os.getProcessCpuTime();
          long t0 = System.nanoTime();
          for (int i = 0; i < workload.size(); i += 100) {
            List<String> rejected = sink.write(workload.subList(i, Math.min(workload.size(), i + 100)));
            if (!rejected.isEmpty()) {
              throw new IllegalStateException("rejected: " + rejected);
            }
          }
          live[r] = workload.size() / ((System.nanoTime() - t0) / 1e9);
          liveCpu[r] = (os.getProcessCpuTime() - c0) / 1e3 / workload.size();
        }
        workload = null;
        System.gc();
        // the rebuild reads what a table holds after a while: compacted HFiles (no compaction during the measurement)
        util.getAdmin().flush(tn);
        util.getAdmin().majorCompact(tn);
        Thread.sleep(1000);
        while (util.getAdmin().getCompactionState(tn) != org.apache.hadoop.hbase.client.CompactionState.NONE) {
          Thread.sleep(500);
        }
        StateRebuildIT.apply(util, tn, v2());
        long c0 = os.getProcessCpuTime();
        StateRebuildClient.Report rep = StateRebuildClient.run(util.getConnection(), tn,
            StateRebuildClient.Options.defaults(), null);
        rebuild[r] = rep.eventsPerSecond();
        rebuildCpu[r] = (os.getProcessCpuTime() - c0) / 1e3 / rep.events();
        if (rep.events() != events) {
          throw new IllegalStateException("rebuilt " + rep.events() + " events of " + events);
        }
        // the same table again, verify-only: nothing to change, nothing written (reads and the fold alone)
        long c1 = os.getProcessCpuTime();
        StateRebuildClient.Report ver = StateRebuildClient.run(util.getConnection(), tn,
            StateRebuildClient.Options.defaults().withVerifyOnly(true), null);
        verify[r] = ver.eventsPerSecond();
        verifyCpu[r] = (os.getProcessCpuTime() - c1) / 1e3 / ver.events();
        if (ver.changed() != 0) {
          throw new IllegalStateException("a verify after the rebuild finds " + ver.changed() + " entities to change");
        }
        System.out.printf(Locale.ROOT, "round %d: live writes with state %.0f events/s (%.1f CPU-µs/event); rebuild %.0f"
            + " events/s (%.1f CPU-µs/event), %d entities, %d changed, %.1f s; verify-only after it %.0f events/s"
            + " (%.1f CPU-µs/event)%n", r, live[r], liveCpu[r], rebuild[r], rebuildCpu[r], rep.entities(),
            rep.changed(), rep.seconds(), verify[r], verifyCpu[r]);
        util.getAdmin().disableTable(tn);
        util.getAdmin().deleteTable(tn);
        System.gc();
      }
      double l = StateOverheadBenchmark.median(live);
      double b = StateOverheadBenchmark.median(rebuild);
      System.out.printf(Locale.ROOT, "RESULT events=%d entities=%d burst=%d rounds=%d: live with state %.0f events/s, "
          + "rebuild %.0f events/s, rebuild/live %.2fx, verify-only %.0f events/s (%.2fx); CPU per event: live %.1f µs,"
          + " rebuild %.1f µs, verify %.1f µs%n", events, entities, burst, rounds, l, b, b / l,
          StateOverheadBenchmark.median(verify), StateOverheadBenchmark.median(verify) / l,
          StateOverheadBenchmark.median(liveCpu), StateOverheadBenchmark.median(rebuildCpu),
          StateOverheadBenchmark.median(verifyCpu));
    } finally {
      pool.shutdownNow();
      holder.close();
    }
  }

  /** The standard definitions changed as the rebuild IT changes them (package machine, session gap). */
  static Map<String, String> v2() {
    String sessions = StateTables.conf("sessions.json").replace("\"gap\": \"30m\"", "\"gap\": \"15m\"");
    return new TreeMap<>(EntityStateSpec.properties(List.of(StateRebuildIT.packageV2(), sessions)));
  }
}
