package io.eventstate.hbase.coprocessor;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.testing.SharedMiniCluster;
import io.eventstate.core.rowkey.EventRowCodec;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.state.EntityRows;
import io.eventstate.core.state.EntityStateProcessor;
import io.eventstate.core.state.EntityStateProcessor.StoredState;
import io.eventstate.core.state.EntityStateSpec;
import io.eventstate.flume.sink.SinkWritePath;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;
import org.apache.hadoop.hbase.Cell;
import org.apache.hadoop.hbase.CellUtil;
import org.apache.hadoop.hbase.Coprocessor;
import org.apache.hadoop.hbase.HBaseTestingUtility;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.CoprocessorDescriptorBuilder;
import org.apache.hadoop.hbase.client.Get;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.ResultScanner;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.filter.FirstKeyOnlyFilter;
import org.apache.hadoop.hbase.metrics.Histogram;
import org.apache.hadoop.hbase.util.Bytes;

/**
 * Hot entities (not a test; see docs/performance.md for the command). The harness of {@link StateOverheadBenchmark}
 * (one JVM, one mini cluster of 2 RegionServers, tables of 4 regions made by the schema tool with the state observer,
 * the sink's write path, ~500-byte events, packages and users) with entity popularity following a Zipf law: the
 * entity of rank {@code k} (1-based) sends a share proportional to {@code 1 / k^s} of the events. Skews run in every
 * round: a table without the observer at {@code s = 0} (the baseline), then with the observer at each exponent of
 * {@code skews} and a single entity (one package sends every event). Per run: events/s, the whole JVM's CPU per event,
 * p50/p99 of one batch's write time, row-lock waits ({@link LockWaitProbe}: from the start of each region call to the
 * moment its batch holds its row locks; and the observer's own {@code lockWaitMicros}, which counts only the locks it
 * takes itself), the hottest entity's share, and the state rows written per batch.
 *
 * <p>In the first counted round, each table's state is checked before it is dropped: the event rows are exactly the
 * events written, nothing is too late, and every entity's state row equals, cell for cell, what core's
 * {@link EntityStateProcessor} computes offline over an in-memory store from the same batches in order.
 *
 * <p>Arguments (defaults): {@code events=50000 entities=10000 batch=100 rounds=3 warmup=2 writeThreads=4 writers=1
 * skews=0,0.8,1.1,1.5,single verify=first maxStep=60}. {@code writers}: sinks writing side by side (each takes the
 * next batch; more than one means batches of the same entity contend for its state-row lock and may arrive out of
 * order, which the observer replays as late events: the offline state is still the same when nothing is later than
 * the allowed lateness, 1 h for sessions, so keep {@code maxStep} (seconds between an entity's events) small).
 * {@code verify=all|first|none}.
 */
public final class SkewBenchmark {

  private SkewBenchmark() {
  }

  /** One configuration of a round. */
  private record Config(String label, double exponent, boolean single, boolean state, boolean late) {
  }

  /** What one run measured. */
  private record Run(double eventsPerSecond, double cpuMicros, double p50Ms, double p99Ms, long calls, double waitMeanMs,
      long waitP99Ms, long observerLockWaits, double topShare, double entitiesPerBatch, double topEventsPerBatch) {
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> defaults = new HashMap<>(Map.of("events", "50000", "batch", "100", "rounds", "3",
        "entities", "10000", "writeThreads", "4", "warmup", "2", "writers", "1", "skews", "0,0.8,1.1,1.5,single",
        "verify", "first"));
    defaults.put("maxStep", "60");
    Map<String, String> a = StateOverheadBenchmark.arguments(args, defaults);
    int events = Integer.parseInt(a.get("events"));
    int batch = Integer.parseInt(a.get("batch"));
    int rounds = Integer.parseInt(a.get("rounds"));
    int entities = Integer.parseInt(a.get("entities"));
    int writeThreads = Integer.parseInt(a.get("writeThreads"));
    int warmup = Integer.parseInt(a.get("warmup"));
    int writers = Integer.parseInt(a.get("writers"));
    int maxStep = Integer.parseInt(a.get("maxStep"));
    String verify = a.get("verify");
    List<Config> configs = new ArrayList<>();
    configs.add(new Config("plain s=0", 0, false, false, false));
    for (String s : a.get("skews").split(",")) {
      boolean late = s.endsWith("+late");
      String x = late ? s.substring(0, s.length() - "+late".length()) : s;
      configs.add(x.equals("single") ? new Config("single entity" + (late ? " +late" : ""), 0, true, true, late)
          : new Config("state s=" + x + (late ? " +late" : ""), Double.parseDouble(x), false, true, late));
    }
    double lateShare = Double.parseDouble(a.getOrDefault("lateShare", "0.05"));
    int lateBy = Integer.parseInt(a.getOrDefault("lateBy", "300"));
    Map<String, String> props = StateTables.standardProperties();
    EntityStateSpec spec = EntityStateSpec.parse(props);
    List<ExecutorService> pools = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      pools.add(writeThreads > 1 ? Executors.newFixedThreadPool(writeThreads) : null);
    }
    ExecutorService writerPool = Executors.newFixedThreadPool(writers);
    AutoCloseable holder = SharedMiniCluster.startOutsideJUnit();
    HBaseTestingUtility util = SharedMiniCluster.util();
    int seq = 0;
    try {
      Map<String, List<Run>> runs = new LinkedHashMap<>();
      for (int r = -warmup; r < rounds; r++) {
        // a different order every round: drifts of the shared machine fall on every configuration
        List<Config> order = new ArrayList<>(configs);
        java.util.Collections.rotate(order, Math.floorMod(r, order.size()));
        for (Config c : order) {
          List<CanonicalEvent> workload = c.single()
              ? StateOverheadBenchmark.workload(events, 1, 1, r * 31 + 7, x -> 0, maxStep)
              : StateOverheadBenchmark.workload(events, entities, 1, r * 31 + 7, zipf(entities, c.exponent()), maxStep);
          List<CanonicalEvent> inOrder = workload;
          if (c.late()) {
            workload = delayed(workload, lateShare, lateBy, r);
          }
          String name = "skew_" + (c.state() ? "state" : "plain") + "_" + (seq++);
          TableName tn = StateOverheadBenchmark.create(util, name, c.state() ? props : null,
              CoprocessorDescriptorBuilder.newBuilder(LockWaitProbe.class.getName())
                  .setPriority(Coprocessor.PRIORITY_USER - 1).build());
          try {
            long lateBefore = 0;
            if (c.state()) {
              lockWaits(util, tn); // snapshots reset HBase's histograms
              replays(util, tn);
              lateBefore = ObserverMetrics.of(util, tn, m -> m.late).sum();
            }
            LockWaitProbe.reset();
            long[] batchNanos = new long[(workload.size() + batch - 1) / batch];
            double[] cpu = new double[1];
            double rate = write(util, tn, workload, batch, pools, writerPool, cpu, batchNanos);
            long observerWaits = c.state() ? lockWaits(util, tn) : 0;
            if (c.late()) {
              long[] rp = replays(util, tn);
              System.out.printf(Locale.ROOT, "LATE %s: %d late events applied, %d replays, %.1f stored events replayed"
                  + " per replay (mean)%n", c.label(), ObserverMetrics.of(util, tn, m -> m.late).sum() - lateBefore,
                  rp[0], rp[1] / 10.0);
            }
            long[] sorted = batchNanos.clone();
            Arrays.sort(sorted);
            double[] shape = shape(workload, batch);
            Run run = new Run(rate, cpu[0], sorted[sorted.length / 2] / 1e6, sorted[(int) (sorted.length * 0.99)] / 1e6,
                LockWaitProbe.CALLS.sum(), LockWaitProbe.CALLS.sum() == 0 ? 0
                    : (double) LockWaitProbe.WAIT_MS.sum() / LockWaitProbe.CALLS.sum(), LockWaitProbe.quantileMs(0.99),
                observerWaits, shape[0], shape[1], shape[2]);
            System.out.printf(Locale.ROOT, "%s %-14s %8.0f events/s %7.1f CPU-µs/event  batch p50 %6.1f ms p99 %7.1f ms"
                    + "  region calls %6d lock wait mean %5.2f ms p99 %3d ms (observer's own: %d)  top entity %4.1f%%,"
                    + " %5.1f entities/batch, top entity %5.1f events/batch%n", r < 0 ? "warm-up " + (r + warmup)
                    : "round " + r, c.label(), run.eventsPerSecond(), run.cpuMicros(), run.p50Ms(), run.p99Ms(),
                run.calls(), run.waitMeanMs(), run.waitP99Ms(), run.observerLockWaits(), 100 * run.topShare(),
                run.entitiesPerBatch(), run.topEventsPerBatch());
            if (r >= 0) {
              runs.computeIfAbsent(c.label(), k -> new ArrayList<>()).add(run);
              if (c.state() && (verify.equals("all") || verify.equals("first") && r == 0)) {
                // late events are replayed: the state must still be that of the events in time order
                verify(util, tn, spec, inOrder, batch, c.label());
              }
            }
          } finally {
            StateOverheadBenchmark.drop(util, tn);
          }
        }
      }
      report(runs, configs, events, entities, batch, writeThreads, writers, rounds);
      model(runs, configs, batch);
    } finally {
      for (ExecutorService p : pools) {
        if (p != null) {
          p.shutdownNow();
        }
      }
      writerPool.shutdownNow();
      holder.close();
    }
  }

  /** The medians of each configuration, and the medians of each round's ratios to the baselines of that round. */
  private static void report(Map<String, List<Run>> runs, List<Config> configs, int events, int entities, int batch,
      int writeThreads, int writers, int rounds) {
    List<Run> plain = runs.get(configs.get(0).label());
    List<Run> uniform = runs.get("state s=0");
    System.out.printf(Locale.ROOT, "RESULT events=%d entities=%d batch=%d writeThreads=%d writers=%d rounds=%d (medians;"
        + " ratios: median of each round's own)%n", events, entities, batch, writeThreads, writers, rounds);
    System.out.printf(Locale.ROOT, "RESULT | %-14s | events/s | vs plain s=0 | vs state s=0 | CPU-µs/event | batch p50 ms"
        + " | batch p99 ms | lock wait mean ms | lock wait p99 ms | top entity share | entities/batch | top entity"
        + " events/batch |%n", "run");
    for (Config c : configs) {
      List<Run> rs = runs.get(c.label());
      double[] vsPlain = new double[rs.size()];
      double[] vsUniform = new double[rs.size()];
      for (int i = 0; i < rs.size(); i++) {
        vsPlain[i] = rs.get(i).eventsPerSecond() / plain.get(i).eventsPerSecond();
        vsUniform[i] = uniform == null ? Double.NaN : rs.get(i).eventsPerSecond() / uniform.get(i).eventsPerSecond();
      }
      System.out.printf(Locale.ROOT, "RESULT | %-14s | %,.0f | %.2f | %.2f | %.1f | %.1f | %.1f | %.2f | %.0f | %.1f %% |"
              + " %.1f | %.1f |%n", c.label(), med(rs, Run::eventsPerSecond), StateOverheadBenchmark.median(vsPlain),
          StateOverheadBenchmark.median(vsUniform), med(rs, Run::cpuMicros), med(rs, Run::p50Ms), med(rs, Run::p99Ms),
          med(rs, Run::waitMeanMs), med(rs, run -> run.waitP99Ms()), 100 * med(rs, Run::topShare),
          med(rs, Run::entitiesPerBatch), med(rs, Run::topEventsPerBatch));
    }
  }

  /**
   * The capacity model of docs/performance.md, checked per round: CPU per event = c_event + c_entity × (entities per
   * batch / batch size), the two costs fitted from the round's own uniform and single-entity runs; throughput = the
   * cores those two runs used (rate × CPU per event, their mean) / the predicted CPU per event. Printed: each skewed
   * configuration's predicted and measured figures, the medians of the rounds' own errors.
   */
  private static void model(Map<String, List<Run>> runs, List<Config> configs, int batch) {
    List<Run> uniform = runs.get("state s=0");
    List<Run> single = runs.get("single entity");
    if (uniform == null || single == null) {
      return;
    }
    for (Config c : configs) {
      if (!c.state() || c.single() || c.exponent() == 0) {
        continue;
      }
      List<Run> rs = runs.get(c.label());
      double[] rateErr = new double[rs.size()];
      double[] cpuErr = new double[rs.size()];
      double[] predicted = new double[rs.size()];
      for (int i = 0; i < rs.size(); i++) {
        Run u = uniform.get(i);
        Run s = single.get(i);
        double perEntity = (u.cpuMicros() - s.cpuMicros()) / ((u.entitiesPerBatch() - s.entitiesPerBatch()) / batch);
        double perEvent = s.cpuMicros() - perEntity * s.entitiesPerBatch() / batch;
        double cores = (u.eventsPerSecond() * u.cpuMicros() + s.eventsPerSecond() * s.cpuMicros()) / 2e6;
        double cpu = perEvent + perEntity * rs.get(i).entitiesPerBatch() / batch;
        predicted[i] = cores * 1e6 / cpu;
        rateErr[i] = 100 * (predicted[i] / rs.get(i).eventsPerSecond() - 1);
        cpuErr[i] = 100 * (cpu / rs.get(i).cpuMicros() - 1);
        System.out.printf(Locale.ROOT, "MODEL round %d %-14s c_event %.1f µs, c_entity %.1f µs, %.2f cores: predicted"
                + " %,.0f events/s (%.1f CPU-µs/event), measured %,.0f (%.1f): %+.0f%% (CPU %+.0f%%)%n", i, c.label(),
            perEvent, perEntity, cores, predicted[i], cpu, rs.get(i).eventsPerSecond(), rs.get(i).cpuMicros(),
            rateErr[i], cpuErr[i]);
      }
      System.out.printf(Locale.ROOT, "RESULT MODEL %-14s predicted %,.0f events/s, measured %,.0f: median error %+.0f%%"
              + " (CPU per event %+.0f%%)%n", c.label(), StateOverheadBenchmark.median(predicted),
          med(rs, Run::eventsPerSecond), StateOverheadBenchmark.median(rateErr), StateOverheadBenchmark.median(cpuErr));
    }
  }

  private static double med(List<Run> rs, java.util.function.ToDoubleFunction<Run> f) {
    double[] v = new double[rs.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = f.applyAsDouble(rs.get(i));
    }
    return StateOverheadBenchmark.median(v);
  }

  /**
   * Entity of rank k (0-based) with probability proportional to 1 / (k + 1)^s; s = 0 is uniform. Entity k is a
   * package when k is even, a user when odd: the hottest entity is a package, the second a user.
   */
  static ToIntFunction<Random> zipf(int n, double s) {
    double[] cdf = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += 1 / Math.pow(i + 1, s);
      cdf[i] = sum;
    }
    for (int i = 0; i < n; i++) {
      cdf[i] /= sum;
    }
    return r -> {
      int i = Arrays.binarySearch(cdf, r.nextDouble());
      return Math.min(n - 1, i >= 0 ? i : -i - 1);
    };
  }

  /**
   * The workload with a share of its events each moved {@code by} places later: arriving after later events of their
   * entity (if it had any in between), they are late events the observer replays.
   */
  static List<CanonicalEvent> delayed(List<CanonicalEvent> workload, double share, int by, int seed) {
    Random r = new Random(seed ^ 0x5eed);
    List<CanonicalEvent> out = new ArrayList<>(workload.size());
    java.util.TreeMap<Integer, List<CanonicalEvent>> held = new java.util.TreeMap<>();
    for (int i = 0; i < workload.size(); i++) {
      List<CanonicalEvent> due = held.remove(i);
      if (due != null) {
        out.addAll(due);
      }
      if (r.nextDouble() < share) {
        held.computeIfAbsent(i + by, k -> new ArrayList<>()).add(workload.get(i));
      } else {
        out.add(workload.get(i));
      }
    }
    held.values().forEach(out::addAll);
    return out;
  }

  /** The hottest entity's share of the events, the mean distinct entities per batch, its mean events per batch. */
  private static double[] shape(List<CanonicalEvent> workload, int batch) {
    Map<String, Integer> counts = new HashMap<>();
    long distinct = 0;
    int batches = 0;
    for (int i = 0; i < workload.size(); i += batch) {
      Set<String> in = new HashSet<>();
      for (CanonicalEvent e : workload.subList(i, Math.min(workload.size(), i + batch))) {
        in.add(e.entityId());
        counts.merge(e.entityId(), 1, Integer::sum);
      }
      distinct += in.size();
      batches++;
    }
    int top = counts.values().stream().max(Integer::compare).orElse(0);
    return new double[] {(double) top / workload.size(), (double) distinct / batches, (double) top / batches};
  }

  /**
   * Writes the workload with {@code pools.size()} writers side by side, each its own sink (its own pool for the
   * regions of a batch), each taking the next batch; returns events/s, the JVM's CPU per event and each batch's time.
   */
  private static double write(HBaseTestingUtility util, TableName tn, List<CanonicalEvent> workload, int batch,
      List<ExecutorService> pools, ExecutorService writerPool, double[] cpuMicrosPerEvent, long[] batchNanos)
      throws Exception {
    if (pools.size() == 1) {
      return StateOverheadBenchmark.write(util, tn, workload, batch, pools.get(0), cpuMicrosPerEvent, batchNanos);
    }
    com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    AtomicInteger next = new AtomicInteger();
    List<Future<?>> fs = new ArrayList<>();
    long c0 = os.getProcessCpuTime();
    long t0 = System.nanoTime();
    for (ExecutorService pool : pools) {
      fs.add(writerPool.submit(() -> {
        try (Table t = util.getConnection().getTable(tn)) {
          SinkWritePath sink = pool == null ? new SinkWritePath(t, util.getConnection().getRegionLocator(tn))
              : new SinkWritePath(t, util.getConnection().getRegionLocator(tn), pool);
          for (int b = next.getAndIncrement(); b * batch < workload.size(); b = next.getAndIncrement()) {
            long s0 = System.nanoTime();
            List<String> rejected = sink.write(workload.subList(b * batch, Math.min(workload.size(), (b + 1) * batch)));
            batchNanos[b] = System.nanoTime() - s0;
            if (!rejected.isEmpty()) {
              throw new IllegalStateException("rejected: " + rejected);
            }
          }
        }
        return null;
      }));
    }
    for (Future<?> f : fs) {
      f.get();
    }
    long el = System.nanoTime() - t0;
    cpuMicrosPerEvent[0] = (os.getProcessCpuTime() - c0) / 1e3 / workload.size();
    return workload.size() / (el / 1e9);
  }

  /** Replays since the last call (the observer's recomputeLength histogram): their number, 10 × their mean length. */
  private static long[] replays(HBaseTestingUtility util, TableName tn) {
    Set<Histogram> hs = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    for (EntityStateObserver.Metrics m : ObserverMetrics.metrics(util, tn)) {
      hs.add(m.recomputeLength);
    }
    long n = 0;
    double sum = 0;
    for (Histogram h : hs) {
      org.apache.hadoop.hbase.metrics.Snapshot snap = h.snapshot();
      n += snap.getCount();
      sum += (double) snap.getMean() * snap.getCount();
    }
    return new long[] {n, n == 0 ? 0 : Math.round(10 * sum / n)};
  }

  /** The observer's own lock waits since the last call (its histograms reset on a snapshot). */
  private static long lockWaits(HBaseTestingUtility util, TableName tn) {
    Set<Histogram> hs = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    for (EntityStateObserver.Metrics m : ObserverMetrics.metrics(util, tn)) {
      hs.add(m.lockWaitMicros);
    }
    long n = 0;
    for (Histogram h : hs) {
      n += h.snapshot().getCount();
    }
    return n;
  }

  /**
   * Nothing lost, nothing applied twice: the event rows are exactly the events, none is too late, and every state row
   * equals what core's processor computes over an in-memory store from the same batches in order.
   */
  static void verify(HBaseTestingUtility util, TableName tn, EntityStateSpec spec, List<CanonicalEvent> workload,
      int batch, String label) throws Exception {
    Offline offline = new Offline(new EntityStateProcessor(spec));
    for (int i = 0; i < workload.size(); i += batch) {
      offline.write(workload.subList(i, Math.min(workload.size(), i + batch)));
    }
    long eventRows = 0;
    long tooLate = 0;
    Scan scan = new Scan().setFilter(new FirstKeyOnlyFilter()).setCaching(5000);
    try (Table t = util.getConnection().getTable(tn); ResultScanner s = t.getScanner(scan)) {
      for (Result r : s) {
        if (RowKeyCodec.decode(Bytes.toString(r.getRow())).kind() == RowKeyCodec.Kind.EVENT) {
          eventRows++;
        }
      }
    }
    try (Table t = util.getConnection().getTable(tn); ResultScanner s = t.getScanner(new Scan()
        .addColumn(Bytes.toBytes("d"), Bytes.toBytes(io.eventstate.core.state.StateColumns.TOO_LATE)))) {
      for (Result r : s) {
        tooLate++;
      }
    }
    int mismatches = 0;
    List<String> rows = new ArrayList<>(offline.states.keySet());
    try (Table t = util.getConnection().getTable(tn)) {
      for (int i = 0; i < rows.size(); i += 1000) {
        List<Get> gets = new ArrayList<>();
        for (String row : rows.subList(i, Math.min(rows.size(), i + 1000))) {
          gets.add(new Get(Bytes.toBytes(row)).addFamily(Bytes.toBytes("s")));
        }
        Result[] got = t.get(gets);
        for (int j = 0; j < got.length; j++) {
          TreeMap<String, String> stored = new TreeMap<>();
          for (Cell c : got[j].rawCells()) {
            String q = Bytes.toString(CellUtil.cloneQualifier(c));
            if (!q.equals(EventRowCodec.Q_TOUCH)) {
              stored.put(q, HexFormat.of().formatHex(CellUtil.cloneValue(c)));
            }
          }
          TreeMap<String, String> expected = new TreeMap<>();
          offline.states.get(rows.get(i + j)).cells().forEach((q, v) -> expected.put(q, HexFormat.of().formatHex(v)));
          if (!stored.equals(expected)) {
            if (mismatches++ < 3) {
              System.out.println("MISMATCH " + rows.get(i + j) + "\n  stored   " + stored + "\n  expected " + expected);
            }
          }
        }
      }
    }
    long distinct = workload.stream().map(CanonicalEvent::eventId).distinct().count();
    String verdict = eventRows == distinct && tooLate == 0 && mismatches == 0 ? "OK" : "FAILED";
    System.out.printf(Locale.ROOT, "VERIFY %s %s: %d event rows of %d events, %d too late, %d state rows compared with"
            + " the offline recompute, %d differ; offline: %d state-row writes (one per entity and batch) for %d"
            + " events, %.1f state cells per write%n", label, verdict, eventRows, distinct, tooLate, rows.size(),
        mismatches, offline.advances, workload.size(), (double) offline.stateCells / offline.advances);
    if (!verdict.equals("OK")) {
      throw new AssertionError("state differs from the offline recompute at " + label);
    }
  }

  /**
   * Core's processor over an in-memory store, as the observer runs it over a region: per batch, each entity's events
   * in one {@code advance} (one state-row read and one write per entity and batch).
   */
  static final class Offline {
    final EntityStateProcessor processor;
    final Map<String, StoredState> states = new LinkedHashMap<>();
    final Map<String, TreeMap<String, CanonicalEvent>> events = new HashMap<>();
    long advances;
    long stateCells;

    Offline(EntityStateProcessor processor) {
      this.processor = processor;
    }

    void write(List<CanonicalEvent> batch) throws java.io.IOException {
      Map<String, List<CanonicalEvent>> byEntity = new LinkedHashMap<>();
      for (CanonicalEvent e : batch) {
        byEntity.computeIfAbsent(RowKeyCodec.entityPrefix(e.entityType(), e.entityId()), k -> new ArrayList<>()).add(e);
      }
      for (Map.Entry<String, List<CanonicalEvent>> en : byEntity.entrySet()) {
        String prefix = en.getKey();
        CanonicalEvent first = en.getValue().get(0);
        if (!processor.appliesTo(first.entityType())) {
          continue;
        }
        String stateRow = RowKeyCodec.stateRowKeyUnder(prefix);
        TreeMap<String, CanonicalEvent> stored = events.computeIfAbsent(prefix, k -> new TreeMap<>());
        EntityStateProcessor.Result res = processor.advance(prefix, first.entityType(), first.entityId(), en.getValue(),
            new EntityRows() {
              @Override
              public StoredState stateRow() {
                return states.getOrDefault(stateRow, StoredState.EMPTY);
              }

              @Override
              public Set<String> storedIds(List<CanonicalEvent> candidates) {
                Set<String> ids = new HashSet<>();
                for (CanonicalEvent c : candidates) {
                  if (stored.containsKey(RowKeyCodec.eventRowKeyUnder(prefix, c.eventTimeNanos(), c.eventId()))) {
                    ids.add(c.eventId());
                  }
                }
                return ids;
              }

              @Override
              public String greatestIdAt(long timeNanos) {
                RowKeyCodec.KeyRange at = RowKeyCodec.eventsAt(prefix, timeNanos);
                String max = null;
                for (CanonicalEvent c : stored.subMap(at.start(), at.stop()).values()) {
                  max = max == null || c.eventId().compareTo(max) > 0 ? c.eventId() : max;
                }
                return max;
              }

              @Override
              public ReplayWindow replayWindow(long fromNanos, Predicate<EntityStateProcessor.StoredEvent> isSnapshot) {
                throw new IllegalStateException("the benchmark's events of an entity are in time order: no replay");
              }
            });
        advances++;
        stateCells += res.stateCells().size();
        states.put(stateRow, res.stateAfter());
        for (CanonicalEvent e : en.getValue()) {
          stored.put(RowKeyCodec.eventRowKeyUnder(prefix, e.eventTimeNanos(), e.eventId()), e);
        }
      }
    }
  }
}
