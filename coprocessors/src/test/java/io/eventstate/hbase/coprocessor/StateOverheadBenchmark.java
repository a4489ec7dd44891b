package io.eventstate.hbase.coprocessor;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.rowkey.TableSchema;
import io.eventstate.flume.sink.SchemaTool;
import io.eventstate.flume.sink.SinkWritePath;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.hadoop.hbase.HBaseTestingUtility;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Table;
import io.eventstate.testing.SharedMiniCluster;

/**
 * Sink write throughput with and without the state observer, in the same run (not a test; see docs/performance.md for
 * the command). One mini cluster (no DFS, 2 RegionServers), two tables made by the schema tool (4 regions), the
 * second with {@link EntityStateObserver} (package machine + web sessions). Workload: {@code events} events of
 * ~500 bytes over {@code entities} entities (half packages, half users), each entity's events in time order, written
 * through the sink's path (one MultiRowMutationEndpoint call per region and batch) in batches of {@code batch}; rounds
 * alternate between the tables (each dropped after its run; {@code warmup} uncounted rounds of each first). Reported:
 * the medians of each table's rounds, and the median of the rounds' own overheads (a round's two runs follow each
 * other, so that slow drifts of the machine cancel).
 *
 * <p>Arguments (defaults): {@code events=100000 entities=1000 batch=100 rounds=3 writeThreads=4 warmup=3 burst=1
 * only=both}. {@code writeThreads} as EventSink's key of the same name and default: the region groups of a batch are
 * written in parallel; 1 writes them one after the other. {@code burst}: events an entity sends in a row before the
 * stream moves to another random entity (1: every event from a random entity, the worst case for the state row, which
 * is then written once per event; 10: an entity's events arrive ten at a time, as a player's heartbeats or a user's
 * clicks do). {@code only=plain} or {@code only=state} runs one table (for profiling).
 */
public final class StateOverheadBenchmark {

  private StateOverheadBenchmark() {
  }

  /** {@code key=value} arguments over the defaults; an unknown key is refused. */
  static Map<String, String> arguments(String[] args, Map<String, String> defaults) {
    Map<String, String> a = new java.util.HashMap<>(defaults);
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      if (kv.length != 2 || !a.containsKey(kv[0])) {
        throw new IllegalArgumentException("unknown argument '" + arg + "'; the arguments and their defaults: " + a);
      }
      a.put(kv[0], kv[1]);
    }
    return a;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> a = arguments(args, Map.of("events", "100000", "batch", "100", "rounds", "3", "entities",
        "1000", "writeThreads", "4", "warmup", "3", "only", "both", "burst", "1"));
    int events = Integer.parseInt(a.get("events"));
    int batch = Integer.parseInt(a.get("batch"));
    int rounds = Integer.parseInt(a.get("rounds"));
    int entities = Integer.parseInt(a.get("entities"));
    int writeThreads = Integer.parseInt(a.get("writeThreads"));
    int warmup = Integer.parseInt(a.get("warmup"));
    int burst = Integer.parseInt(a.get("burst"));
    String only = a.get("only");
    boolean withPlain = !only.equals("state");
    boolean withState = !only.equals("plain");
    ExecutorService pool = writeThreads > 1 ? Executors.newFixedThreadPool(writeThreads) : null;
    AutoCloseable holder = SharedMiniCluster.startOutsideJUnit();
    HBaseTestingUtility util = SharedMiniCluster.util();
    try {
      double[] plain = new double[rounds];
      double[] state = new double[rounds];
      double[] plainCpu = new double[rounds];
      double[] stateCpu = new double[rounds];
      // warm-up rounds of each, not counted: the region server's code takes long to reach steady speed
      for (int w = 0; w < warmup; w++) {
        List<CanonicalEvent> warm = workload(events, entities, burst, -1 - w);
        double[] cpu = new double[1];
        double wp = withPlain ? run(util, "bench_warm_plain", null, warm, batch, pool, cpu) : Double.NaN;
        double ws = withState ? run(util, "bench_warm_state", StateTables.standardProperties(), warm, batch, pool, cpu)
            : Double.NaN;
        System.out.printf(Locale.ROOT, "warm-up %d: without observer %.0f events/s, with observer %.0f events/s%n", w,
            wp, ws);
      }
      for (int r = 0; r < rounds; r++) {
        List<CanonicalEvent> workload = workload(events, entities, burst, r);
        // odd rounds run the table with the observer first: whatever the first run leaves to the second (WAL roll,
        // garbage) falls on both sides equally
        double[] cpu = new double[1];
        if (r % 2 == 1 && withState) {
          state[r] = run(util, "bench_state_" + r, StateTables.standardProperties(), workload, batch, pool, cpu);
          stateCpu[r] = cpu[0];
        }
        plain[r] = withPlain ? run(util, "bench_plain_" + r, null, workload, batch, pool, cpu) : Double.NaN;
        plainCpu[r] = withPlain ? cpu[0] : Double.NaN;
        if (r % 2 == 0 || !withState) {
          state[r] = withState ? run(util, "bench_state_" + r, StateTables.standardProperties(), workload, batch, pool,
              cpu) : Double.NaN;
          stateCpu[r] = withState ? cpu[0] : Double.NaN;
        }
        System.out.printf(Locale.ROOT, "round %d: without observer %.0f events/s (%.1f CPU-µs/event), with observer %.0f"
            + " events/s (%.1f CPU-µs/event)%n", r, plain[r], plainCpu[r], state[r], stateCpu[r]);
      }
      double p = median(plain);
      double s = median(state);
      double[] paired = new double[rounds];
      double[] pairedCpu = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        paired[r] = 100.0 * (plain[r] - state[r]) / plain[r];
        pairedCpu[r] = 100.0 * (stateCpu[r] - plainCpu[r]) / plainCpu[r];
      }
      System.out.printf(Locale.ROOT, "RESULT events=%d entities=%d burst=%d batch=%d writeThreads=%d rounds=%d: without %.0f"
          + " events/s, with %.0f events/s, overhead %.1f%% (median of the rounds' own overheads %.1f%%)%n", events,
          entities, burst, batch, writeThreads, rounds, p, s, 100.0 * (p - s) / p, median(paired));
      System.out.printf(Locale.ROOT, "RESULT CPU (whole JVM: client, region servers, master): without %.1f µs/event, with"
          + " %.1f µs/event, median of the rounds' own CPU overheads %.1f%%%n", median(plainCpu), median(stateCpu),
          median(pairedCpu));
    } finally {
      if (pool != null) {
        pool.shutdownNow();
      }
      holder.close();
    }
  }

  /**
   * Writes the workload into a new table and drops it; returns events per second, and in {@code cpuMicrosPerEvent[0]}
   * the CPU time of the whole JVM (all threads: the writer, the region servers, the master) per event during the
   * writes, which the scheduling noise of a shared machine disturbs less than wall-clock throughput.
   */
  static double run(HBaseTestingUtility util, String name, Map<String, String> props, List<CanonicalEvent> workload,
      int batch, ExecutorService pool, double[] cpuMicrosPerEvent) throws Exception {
    TableName tn = create(util, name, props, null);
    try {
      return write(util, tn, workload, batch, pool, cpuMicrosPerEvent, null);
    } finally {
      drop(util, tn);
    }
  }

  /**
   * A table made by the schema tool (4 regions); with {@code props}, plus the state observer with those table values;
   * {@code extra} (may be null) adds a coprocessor of the caller's.
   */
  static TableName create(HBaseTestingUtility util, String name, Map<String, String> props,
      org.apache.hadoop.hbase.client.CoprocessorDescriptor extra) throws Exception {
    TableSchema schema = new TableSchema(name, 4);
    org.apache.hadoop.hbase.client.TableDescriptor d = props == null ? SchemaTool.descriptor(schema)
        : StateTables.descriptor(name, EntityStateObserver.class.getName(), null, props, Map.of());
    if (extra != null) {
      d = org.apache.hadoop.hbase.client.TableDescriptorBuilder.newBuilder(d).setCoprocessor(extra).build();
    }
    util.getAdmin().createTable(d, SchemaTool.splitKeys(schema));
    TableName tn = TableName.valueOf(name);
    util.waitTableAvailable(tn);
    return tn;
  }

  /**
   * Writes the workload through the sink's write path in batches; returns events per second, and in
   * {@code cpuMicrosPerEvent[0]} the whole JVM's CPU time per event; {@code batchNanos} (may be null) receives each
   * batch's write time.
   */
  static double write(HBaseTestingUtility util, TableName tn, List<CanonicalEvent> workload, int batch,
      ExecutorService pool, double[] cpuMicrosPerEvent, long[] batchNanos) throws Exception {
    try (Table t = util.getConnection().getTable(tn)) {
      SinkWritePath sink = pool == null ? new SinkWritePath(t, util.getConnection().getRegionLocator(tn))
          : new SinkWritePath(t, util.getConnection().getRegionLocator(tn), pool);
      com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
          java.lang.management.ManagementFactory.getOperatingSystemMXBean();
      long c0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      for (int i = 0, b = 0; i < workload.size(); i += batch, b++) {
        long s0 = System.nanoTime();
        List<String> rejected = sink.write(workload.subList(i, Math.min(workload.size(), i + batch)));
        if (batchNanos != null) {
          batchNanos[b] = System.nanoTime() - s0;
        }
        if (!rejected.isEmpty()) {
          throw new IllegalStateException("rejected: " + rejected);
        }
      }
      long el = System.nanoTime() - t0;
      cpuMicrosPerEvent[0] = (os.getProcessCpuTime() - c0) / 1e3 / workload.size();
      return workload.size() / (el / 1e9);
    }
  }

  /** Drops the table, then collects its memstore's garbage: every run starts from the same empty region server. */
  static void drop(HBaseTestingUtility util, TableName tn) throws Exception {
    util.getAdmin().disableTable(tn);
    util.getAdmin().deleteTable(tn);
    System.gc(); // the dropped table's memstore is garbage now: collect it before the next run, not during it
  }

  static List<CanonicalEvent> workload(int n, int entities, int burst, int seed) {
    return workload(n, entities, burst, seed, r -> r.nextInt(entities), 600);
  }

  /**
   * {@code n} events of ~500 bytes; {@code next} picks the entity (0 to {@code entities - 1}; even: a package, odd:
   * a user) every {@code burst} events; each entity's clock advances by 1 to {@code maxStepSeconds} seconds per event.
   */
  static List<CanonicalEvent> workload(int n, int entities, int burst, int seed,
      java.util.function.ToIntFunction<Random> next, int maxStepSeconds) {
    Random r = new Random(seed);
    String pad = "x".repeat(380);
    long[] clock = new long[entities];
    Arrays.fill(clock, StateTables.T0);
    List<CanonicalEvent> out = new ArrayList<>(n);
    String[] types = {"pre_transit", "in_transit", "in_transit", "out_for_delivery", "delivered"};
    int e = 0;
    for (int i = 0; i < n; i++) {
      if (i % burst == 0) {
        e = next.applyAsInt(r); // the next entity; it sends `burst` events in a row
      }
      clock[e] += (1 + r.nextInt(maxStepSeconds)) * 1_000_000_000L;
      boolean pkg = e % 2 == 0;
      String id = (pkg ? "pkg-" : "user-") + e;
      String type = pkg ? types[r.nextInt(types.length)] : "view";
      CanonicalEvent ev = StateTables.event(pkg ? "package" : "user", id, type, clock[e], id + "-" + seed + "-" + i,
          "status_detail", "arrived_at_facility", "page", "/p/" + r.nextInt(100), "campaign", null);
      out.add(new CanonicalEvent(ev.eventId(), ev.entityType(), ev.entityId(), ev.eventType(), ev.eventTimeNanos(),
          ev.timeSource(), ev.attributes(), ev.tags(),
          ("{\"id\":\"" + ev.eventId() + "\",\"pad\":\"" + pad + "\"}").getBytes(StandardCharsets.UTF_8)));
    }
    return out;
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
