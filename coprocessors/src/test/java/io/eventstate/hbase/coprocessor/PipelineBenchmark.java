package io.eventstate.hbase.coprocessor;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.testing.SharedMiniCluster;
import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.state.EntityStateSpec;
import io.eventstate.flume.interceptor.JsonHttpHandler;
import io.eventstate.flume.testing.DataFeeds;
import io.eventstate.testing.InProcessAgent;
import java.io.File;
import java.io.IOException;
import java.io.Reader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.Transaction;
import org.apache.flume.channel.file.FileChannel;
import org.apache.flume.conf.Configurables;
import org.apache.flume.event.EventBuilder;
import org.apache.flume.interceptor.Interceptor;
import org.apache.hadoop.hbase.HBaseTestingUtility;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.ResultScanner;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.filter.FirstKeyOnlyFilter;

/**
 * The whole pipeline's speed (not a test; see docs/performance.md for the command): the shipped example agent
 * (conf/flume/eventstate.properties, in this JVM through the agent runner, every directory moved to a temporary one)
 * against a mini cluster (2 RegionServers, table of 4 regions with the state observer: package, sessions and checkout
 * machines), fed talk-style user events through its HTTP source {@code talk} (JSON arrays of {@code post} events per
 * request, one client) and wikimedia-style user events through its spooling-directory source {@code wikimedia} (one
 * file), half each, over {@code users} users (disjoint per source, so each entity's events keep their order).
 * Measured per round, from the first byte fed: when the sources had accepted every event (source + interceptors +
 * channel puts), when {@code EventSink} had drained them into HBase (end to end), when the HDFS sink had landed them;
 * the CPU of this JVM's threads by stage over the run (the JIT compilers and the garbage collector from /proc, where
 * there is one). In the same round, baselines of the same events: the sink's
 * write path alone with state ({@code SinkWritePath}, the same batch size and {@code writeThreads}, a fresh table),
 * and one file channel alone (put in transactions of the spooling source's batch, taken in the sink's).
 *
 * <p>Arguments (defaults): {@code events=100000 users=20000 rounds=3 warmup=1 post=500}; {@code set.KEY=VALUE} overrides
 * a key of the agent (relative to {@code a1.}, e.g. {@code set.sinks.hbase.batchSize=1000}), {@code alt.KEY=VALUE}
 * runs a second configuration in every round; in their values {@code @DIR@} stands for the round's own directory
 * (e.g. {@code alt.channels.events.dataDirs=@DIR@/a,@DIR@/b}).
 */
public final class PipelineBenchmark {

  private PipelineBenchmark() {
  }

  private record Round(double sourceRate, double endToEndRate, double hdfsRate, double sinkPathRate,
      double channelRate, double channelPutCpu, double channelTakeCpu, Map<String, Double> cpuByStage,
      double cpuPerEvent, double sinkPathCpu, Map<String, Double> sinkPathCpuByStage) {
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>(Map.of("events", "100000", "users", "20000", "rounds", "3", "warmup", "1",
        "post", "500"));
    Map<String, String> overrides = new LinkedHashMap<>();
    Map<String, String> alternative = new LinkedHashMap<>();
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      if (kv[0].startsWith("set.")) {
        overrides.put(kv[0].substring(4), kv[1]);
      } else if (kv[0].startsWith("alt.")) {
        alternative.put(kv[0].substring(4), kv[1]);
      } else {
        a.put(kv[0], kv[1]);
      }
    }
    int events = Integer.parseInt(a.get("events"));
    int users = Integer.parseInt(a.get("users"));
    int rounds = Integer.parseInt(a.get("rounds"));
    int warmup = Integer.parseInt(a.get("warmup"));
    int post = Integer.parseInt(a.get("post"));
    Map<String, String> props = EntityStateSpec.properties(List.of(StateTables.conf("package.json"),
        StateTables.conf("sessions.json"), StateTables.conf("checkout.json")));
    Path conf = DataFeeds.repositoryRoot().resolve("conf/flume/eventstate.properties");
    Path work = Files.createTempDirectory("pipeline-bench");
    AutoCloseable holder = SharedMiniCluster.startOutsideJUnit();
    HBaseTestingUtility util = SharedMiniCluster.util();
    Map<String, Map<String, String>> configs = new LinkedHashMap<>();
    configs.put("agent file" + (overrides.isEmpty() ? "" : " " + overrides), overrides);
    if (!alternative.isEmpty()) {
      Map<String, String> alt = new LinkedHashMap<>(overrides);
      alt.putAll(alternative);
      configs.put("alternative " + alternative, alt);
    }
    Map<String, List<Round>> counted = new LinkedHashMap<>();
    try {
      for (int r = -warmup; r < rounds; r++) {
        List<String> order = new ArrayList<>(configs.keySet());
        if (Math.floorMod(r, 2) == 1) {
          java.util.Collections.reverse(order);
        }
        for (String label : order) {
          int seed = (r + warmup) * 2 + (label.startsWith("alt") ? 1 : 0);
          Round round = round(util, conf, work.resolve("run" + seed), props, configs.get(label), events, users, post,
              seed, label.equals(order.get(0)) || configs.size() == 1);
          System.out.printf(Locale.ROOT, "%s [%s]: sources %,.0f events/s, end to end (HBase) %,.0f events/s, HDFS sink"
                  + " %,.0f events/s; baselines: sink path with state %,.0f events/s, one file channel put+take %,.0f"
                  + " events/s (CPU %.1f µs/event put, %.1f take); end to end / sink path %.2f; CPU %.1f µs/event"
                  + " (sink path alone %.1f) by stage %s (sink path alone %s)%n",
              r < 0 ? "warm-up" : "round " + r, label, round.sourceRate(), round.endToEndRate(), round.hdfsRate(),
              round.sinkPathRate(), round.channelRate(), round.channelPutCpu(), round.channelTakeCpu(),
              round.endToEndRate() / round.sinkPathRate(),
              round.cpuPerEvent(), round.sinkPathCpu(), round.cpuByStage(), round.sinkPathCpuByStage());
          if (r >= 0) {
            counted.computeIfAbsent(label, k -> new ArrayList<>()).add(round);
          }
        }
      }
      System.out.printf(Locale.ROOT, "RESULT events=%d users=%d rounds=%d (medians; the machine is shared)%n", events,
          users, rounds);
      for (Map.Entry<String, List<Round>> c : counted.entrySet()) {
        List<Round> rs = c.getValue();
        double[] ratio = new double[rs.size()];
        for (int i = 0; i < ratio.length; i++) {
          ratio[i] = rs.get(i).endToEndRate() / rs.get(i).sinkPathRate();
        }
        Map<String, Double> stages = new TreeMap<>();
        for (String stage : rs.get(0).cpuByStage().keySet()) {
          stages.put(stage, med(rs, x -> x.cpuByStage().getOrDefault(stage, 0.0)));
        }
        Map<String, Double> sinkPathStages = new TreeMap<>();
        for (String stage : rs.get(0).sinkPathCpuByStage().keySet()) {
          sinkPathStages.put(stage, med(rs, x -> x.sinkPathCpuByStage().getOrDefault(stage, 0.0)));
        }
        System.out.printf(Locale.ROOT, "RESULT [%s] sources (HTTP + spooldir, interceptors, channel puts) %,.0f events/s;"
                + " end to end through EventSink %,.0f events/s; HDFS sink %,.0f events/s; sink path alone with state"
                + " %,.0f events/s; one file channel put+take %,.0f events/s (CPU %.1f µs/event put, %.1f take)%n",
            c.getKey(), med(rs, Round::sourceRate), med(rs, Round::endToEndRate), med(rs, Round::hdfsRate),
            med(rs, Round::sinkPathRate), med(rs, Round::channelRate), med(rs, Round::channelPutCpu),
            med(rs, Round::channelTakeCpu));
        System.out.printf(Locale.ROOT, "RESULT [%s] end to end / sink path with state: %.2f (median of the rounds' own);"
                + " CPU %.1f µs/event end to end, %.1f sink path alone; CPU µs/event by stage %s (sink path alone %s)%n",
            c.getKey(), StateOverheadBenchmark.median(ratio), med(rs, Round::cpuPerEvent), med(rs, Round::sinkPathCpu),
            stages, sinkPathStages);
      }
    } finally {
      holder.close();
    }
  }

  private static double med(List<Round> rs, java.util.function.ToDoubleFunction<Round> f) {
    double[] v = new double[rs.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = f.applyAsDouble(rs.get(i));
    }
    return StateOverheadBenchmark.median(v);
  }

  private static Round round(HBaseTestingUtility util, Path conf, Path dir, Map<String, String> props,
      Map<String, String> overrides, int events, int users, int post, int seed, boolean channelBaseline)
      throws Exception {
    Files.createDirectories(dir);
    // the feeds: talk-style events as JSON arrays for HTTP, wikimedia-style lines in one file for the spooling source
    Random rnd = new Random(seed);
    List<String> talk = new ArrayList<>();
    List<String> wiki = new ArrayList<>();
    long[] clock = new long[users];
    java.util.Arrays.fill(clock, 1_700_000_000_000L + seed * 86_400_000L); // a day later per run
    String[] types = {"view_item", "view_item", "add_to_cart", "view_item", "begin_checkout", "shipping_submitted",
        "button_pressed"};
    for (int i = 0; i < events; i++) {
      boolean http = i % 2 == 0;
      int u = http ? rnd.nextInt(users / 2) : users / 2 + rnd.nextInt(users - users / 2);
      clock[u] += 1000 + rnd.nextInt(120_000);
      long ms = clock[u];
      if (http) {
        talk.add(String.format(Locale.ROOT, "{\"time_utc\":\"%d.%03d000000\",\"user_id\":\"user-%d-%d\","
                + "\"event_type\":\"%s\",\"button_type\":\"one-click purchase\",\"item_sku\":\"1 23456 %05d 9\","
                + "\"item_description\":\"Tony's Run-flat Tire\",\"item_unit_price\":\"129.99\",\"session\":\"s-%d\","
                + "\"user_agent\":\"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36\"}", ms / 1000, ms % 1000,
            seed, u, types[rnd.nextInt(types.length)], rnd.nextInt(100_000), i));
      } else {
        wiki.add(String.format(Locale.ROOT, "{\"meta\":{\"id\":\"%d-%d\",\"dt\":\"%s\",\"uri\":"
                + "\"https://en.wikipedia.org/wiki/Page_%d\"},\"type\":\"edit\",\"user\":\"user-%d-%d\",\"title\":"
                + "\"Page %d\",\"wiki\":\"enwiki\",\"namespace\":0,\"bot\":false,\"minor\":false,\"comment\":"
                + "\"copyedit\",\"id\":%d,\"revision\":{\"old\":%d,\"new\":%d},\"length\":{\"old\":%d,\"new\":%d},"
                + "\"server_name\":\"en.wikipedia.org\"}", seed, i, java.time.Instant.ofEpochMilli(ms), i % 5000, seed,
            u, i % 5000, i, i, i + 1, 1000 + i % 700, 1010 + i % 700));
      }
    }
    Path spoolFile = dir.resolve("wikimedia-" + seed + ".jsonl");
    Files.write(spoolFile, wiki, StandardCharsets.UTF_8);
    List<byte[]> requests = new ArrayList<>();
    for (int i = 0; i < talk.size(); i += post) {
      requests.add(("[" + String.join(",", talk.subList(i, Math.min(talk.size(), i + post))) + "]")
          .getBytes(StandardCharsets.UTF_8));
    }

    // end to end
    String table = "pipeline_" + seed;
    TableName tn = StateOverheadBenchmark.create(util, table, props, null);
    double sourceRate;
    double e2eRate;
    double hdfsRate;
    Map<String, Double> cpuByStage;
    double cpuPerEvent;
    Properties effective = new Properties();
    int sinkBatch;
    int writeThreads;
    try {
      InProcessAgent.Builder b = InProcessAgent.fromFile(conf, "a1").workDir(dir.resolve("agent"))
          .hbase(table, "127.0.0.1", util.getZkCluster().getClientPort());
      overrides.forEach((k, v) -> b.override(k, v.replace("@DIR@", dir.toString()))); // @DIR@: this round's
      try (InProcessAgent agent = b.start()) {
        try (Reader in = Files.newBufferedReader(agent.propertiesFile(), StandardCharsets.UTF_8)) {
          effective.load(in);
        }
        sinkBatch = Integer.parseInt(effective.getProperty("a1.sinks.hbase.batchSize", "100").trim());
        writeThreads = Integer.parseInt(effective.getProperty("a1.sinks.hbase.writeThreads", "4").trim());
        long drainedBefore = counter("sink", "hbase", "EventDrainSuccessCount");
        // every sink of the HDFS landing's channel (one in the shipped agent; a configuration may add more)
        List<String> hdfsSinks = new ArrayList<>();
        for (String sink : effective.getProperty("a1.sinks", "").trim().split("\\s+")) {
          if ("events_hdfs".equals(effective.getProperty("a1.sinks." + sink + ".channel", "").trim())) {
            hdfsSinks.add(sink);
          }
        }
        long hdfsBefore = drained(hdfsSinks);
        long talkBefore = counter("source", "talk", "EventAcceptedCount");
        long wikiBefore = counter("source", "wikimedia", "EventAcceptedCount");
        Map<String, Long> cpu0 = cpuByStage();
        long c0 = processCpu();
        long t0 = System.nanoTime();
        ExecutorService feeder = Executors.newSingleThreadExecutor(r -> new Thread(r, "feeder"));
        Future<?> feeding = feeder.submit(() -> {
          HttpClient client = HttpClient.newHttpClient(); // one connection, as a sender keeps it
          for (byte[] body : requests) {
            int status;
            while ((status = DataFeeds.post(client, agent, "talk", body)) == 503) {
              Thread.sleep(20); // the channel is full: the agent pushes back
            }
            if (status != 200) {
              throw new IllegalStateException("HTTP " + status);
            }
          }
          return null;
        });
        DataFeeds.spool(agent, "wikimedia", spoolFile);
        long tSources = 0;
        long tTalk = 0;
        long tWiki = 0;
        long tSink = 0;
        long tHdfs = 0;
        int unnamedRunners = Integer.MAX_VALUE;
        long deadline = System.nanoTime() + 1_800_000_000_000L;
        while ((tSources == 0 || tSink == 0 || tHdfs == 0) && System.nanoTime() < deadline) {
          Thread.sleep(20);
          long now = System.nanoTime() - t0;
          if (unnamedRunners > 0 && now < 2_000_000_000L) {
            unnamedRunners = nameSinkRunners(); // in the first seconds only: each look stops the runners briefly
          }
          long talkIn = counter("source", "talk", "EventAcceptedCount") - talkBefore;
          long wikiIn = counter("source", "wikimedia", "EventAcceptedCount") - wikiBefore;
          if (tTalk == 0 && talkIn >= talk.size()) {
            tTalk = now;
          }
          if (tWiki == 0 && wikiIn >= wiki.size()) {
            tWiki = now;
          }
          if (tSources == 0 && talkIn + wikiIn >= events) {
            tSources = now;
          }
          if (tSink == 0 && counter("sink", "hbase", "EventDrainSuccessCount") - drainedBefore >= events) {
            tSink = now;
          }
          if (tHdfs == 0 && (hdfsSinks.isEmpty() ? tSink != 0 : drained(hdfsSinks) - hdfsBefore >= events)) {
            tHdfs = now; // a configuration without the HDFS landing: its time is the HBase sink's
          }
          if (counter("channel", "deadletter", "EventPutSuccessCount") > 0) {
            throw new IllegalStateException("dead letters: the generated events are not all valid");
          }
        }
        feeding.get();
        feeder.shutdown();
        if (tSink == 0) {
          throw new IllegalStateException("not drained: " + InProcessAgent.counters("sink", "hbase"));
        }
        long elapsedCpu = processCpu() - c0;
        cpuByStage = perEvent(cpu0, cpuByStage(), events);
        cpuPerEvent = elapsedCpu / 1e3 / events;
        System.out.printf(Locale.ROOT, "round %d: HTTP source (talk) %,.0f events/s, spooling source (wikimedia) %,.0f"
            + " events/s, each alone would be faster: they share the CPU%n", seed, talk.size() / (tTalk / 1e9),
            wiki.size() / (tWiki / 1e9));
        sourceRate = events / (tSources / 1e9);
        e2eRate = events / (tSink / 1e9);
        hdfsRate = events / (tHdfs / 1e9);
      }
      long rows = 0;
      try (Table t = util.getConnection().getTable(tn);
           ResultScanner s = t.getScanner(new Scan().setFilter(new FirstKeyOnlyFilter()).setCaching(5000))) {
        for (org.apache.hadoop.hbase.client.Result x : s) {
          rows++;
        }
      }
      if (rows < events) {
        throw new IllegalStateException("only " + rows + " rows for " + events + " events");
      }
    } finally {
      StateOverheadBenchmark.drop(util, tn);
    }

    // the same events as the agent's interceptors make them, in feed order (talk and wikimedia alternating)
    List<Event> flume = offline(effective, requests, wiki);
    List<CanonicalEvent> canonical = new ArrayList<>(flume.size());
    for (Event e : flume) {
      canonical.add(EventHeaders.read(e.getHeaders(), e.getBody()));
    }
    // baseline 1: the sink's write path alone, with state
    TableName base = StateOverheadBenchmark.create(util, table + "_sinkpath", props, null);
    double sinkPath;
    double[] cpu = new double[1];
    AtomicInteger writers = new AtomicInteger();
    ExecutorService pool = writeThreads > 1 ? Executors.newFixedThreadPool(writeThreads,
        r -> new Thread(r, "sinkpath-writer-" + writers.incrementAndGet())) : null;
    Map<String, Double> sinkPathByStage;
    try {
      Map<String, Long> s0 = cpuByStage();
      sinkPath = StateOverheadBenchmark.write(util, base, canonical, sinkBatch, pool, cpu, null);
      sinkPathByStage = perEvent(s0, cpuByStage(), events); // before the writers end and take their CPU time along
    } finally {
      if (pool != null) {
        pool.shutdownNow();
      }
      StateOverheadBenchmark.drop(util, base);
    }
    // baseline 2: one file channel alone, configured as the agent's events channel
    double[] channel = channelBaseline ? fileChannel(effective, dir.resolve("channel"), flume,
        Integer.parseInt(effective.getProperty("a1.sources.wikimedia.batchSize", "100").trim()), sinkBatch)
        : new double[] {Double.NaN, Double.NaN, Double.NaN};
    return new Round(sourceRate, e2eRate, hdfsRate, sinkPath, channel[0], channel[1], channel[2], cpuByStage,
        cpuPerEvent, cpu[0], sinkPathByStage);
  }

  /** CPU µs per event by stage between two readings of {@link #cpuByStage()}, to 0.1 µs. */
  private static Map<String, Double> perEvent(Map<String, Long> before, Map<String, Long> after, int events) {
    Map<String, Double> out = new TreeMap<>();
    for (Map.Entry<String, Long> e : after.entrySet()) {
      out.put(e.getKey(), Math.round((e.getValue() - before.getOrDefault(e.getKey(), 0L)) / 100.0 / events) / 10.0);
    }
    return out;
  }

  private static long drained(List<String> sinks) {
    long n = 0;
    for (String sink : sinks) {
      n += counter("sink", sink, "EventDrainSuccessCount");
    }
    return n;
  }

  private static List<Event> offline(Properties p, List<byte[]> requests, List<String> wiki) throws Exception {
    List<Interceptor> talkChain = DataFeeds.buildChain(p, "talk", "bench");
    List<Interceptor> wikiChain = DataFeeds.buildChain(p, "wikimedia", "bench");
    JsonHttpHandler h = new JsonHttpHandler();
    h.configure(new Context(DataFeeds.sub(p, "a1.sources.talk.handler.")));
    List<Event> talk = new ArrayList<>();
    for (byte[] body : requests) {
      talk.addAll(run(talkChain, h.toEvents(body, Map.of())));
    }
    List<Event> lines = new ArrayList<>();
    for (String line : wiki) {
      lines.add(EventBuilder.withBody(line.getBytes(StandardCharsets.UTF_8), new HashMap<>()));
    }
    List<Event> wikimedia = new ArrayList<>();
    for (int i = 0; i < lines.size(); i += 100) {
      wikimedia.addAll(run(wikiChain, lines.subList(i, Math.min(lines.size(), i + 100))));
    }
    List<Event> out = new ArrayList<>();
    for (int i = 0; i < Math.max(talk.size(), wikimedia.size()); i++) {
      for (List<Event> l : List.of(talk, wikimedia)) {
        if (i < l.size() && "valid".equals(l.get(i).getHeaders().get(EventHeaders.ROUTE))) {
          out.add(l.get(i));
        }
      }
    }
    return out;
  }

  private static List<Event> run(List<Interceptor> chain, List<Event> events) {
    List<Event> batch = new ArrayList<>(events);
    for (Interceptor i : chain) {
      batch = i.intercept(batch);
    }
    return batch;
  }

  /**
   * One file channel alone, configured as the agent's {@code events}: every event put (in transactions of
   * {@code putBatch}), then taken (of {@code takeBatch}), by this thread. Returns the events per second and this
   * thread's CPU µs per event for the puts and for the takes (system time included: a put and a take each make
   * several system calls).
   */
  private static double[] fileChannel(Properties p, Path dir, List<Event> events, int putBatch, int takeBatch)
      throws Exception {
    Map<String, String> keys = DataFeeds.sub(p, "a1.channels.events.");
    keys.remove("type");
    keys.put("checkpointDir", dir.resolve("checkpoint").toString());
    keys.put("dataDirs", dir.resolve("data").toString());
    FileChannel ch = new FileChannel();
    ch.setName("bench-channel-" + dir.getFileName());
    Configurables.configure(ch, new Context(keys));
    ch.start();
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    try {
      long t0 = System.nanoTime();
      long c0 = mx.getCurrentThreadCpuTime();
      for (int i = 0; i < events.size(); i += putBatch) {
        Transaction tx = ch.getTransaction();
        tx.begin();
        for (Event e : events.subList(i, Math.min(events.size(), i + putBatch))) {
          ch.put(e);
        }
        tx.commit();
        tx.close();
      }
      long c1 = mx.getCurrentThreadCpuTime();
      int taken = 0;
      while (taken < events.size()) {
        Transaction tx = ch.getTransaction();
        tx.begin();
        for (int k = 0; k < takeBatch && ch.take() != null; k++) {
          taken++;
        }
        tx.commit();
        tx.close();
      }
      long c2 = mx.getCurrentThreadCpuTime();
      return new double[] {events.size() / ((System.nanoTime() - t0) / 1e9), (c1 - c0) / 1e3 / events.size(),
          (c2 - c1) / 1e3 / events.size()};
    } finally {
      ch.stop();
    }
  }

  private static long counter(String kind, String name, String attribute) {
    return InProcessAgent.registered(kind, name) ? InProcessAgent.counter(kind, name, attribute) : 0;
  }

  private static long processCpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** The CPU time of this JVM's live threads, by stage (from their names), in ns. */
  static Map<String, Long> cpuByStage() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Map<String, Long> out = new TreeMap<>();
    for (long id : mx.getAllThreadIds()) {
      ThreadInfo info = mx.getThreadInfo(id);
      long cpu = mx.getThreadCpuTime(id);
      if (info == null || cpu < 0) {
        continue;
      }
      out.merge(stage(info.getThreadName()), cpu, Long::sum);
    }
    nativeThreadCpu(out);
    return out;
  }

  /**
   * Adds the JVM's own threads, which the thread bean does not see, from Linux's {@code /proc/self/task}: the JIT
   * compilers as "jit", the garbage collector's as "gc" (in clock ticks of 10 ms; nothing where there is no /proc).
   */
  private static void nativeThreadCpu(Map<String, Long> out) {
    File[] tasks = new File("/proc/self/task").listFiles();
    if (tasks == null) {
      return;
    }
    for (File t : tasks) {
      try {
        String comm = Files.readString(t.toPath().resolve("comm")).trim();
        String group = comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler") ? "jit"
            : comm.startsWith("GC Thread") || comm.startsWith("G1 ") ? "gc" : null;
        if (group == null) {
          continue;
        }
        String stat = Files.readString(t.toPath().resolve("stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
        out.merge(group, ticks * 10_000_000L, Long::sum);
      } catch (IOException | RuntimeException e) {
        // the thread ended meanwhile
      }
    }
  }

  /**
   * Flume names every sink's runner thread alike; the first time one is seen inside a sink of ours it is renamed after
   * it ({@code SinkRunner-EventSink}, {@code SinkRunner-HdfsLandingSink}), so that its CPU goes to that sink's stage.
   * A runner is created with its agent, idle until the feed starts: what it used before the rename is negligible.
   * Returns how many runners are still unnamed (those of sinks that had nothing to do yet, e.g. the dead letters').
   */
  private static int nameSinkRunners() {
    ThreadGroup root = Thread.currentThread().getThreadGroup();
    while (root.getParent() != null) {
      root = root.getParent();
    }
    Thread[] all = new Thread[root.activeCount() * 2];
    int n = root.enumerate(all, true);
    int unnamed = 0;
    for (int i = 0; i < n; i++) {
      Thread t = all[i];
      if (!t.getName().startsWith("SinkRunner-PollingRunner")) {
        continue;
      }
      unnamed++;
      for (StackTraceElement f : t.getStackTrace()) { // this thread alone is stopped for it
        String cls = f.getClassName();
        if (cls.endsWith(".EventSink") || cls.endsWith(".HdfsLandingSink") || cls.endsWith(".HDFSEventSink")) {
          t.setName("SinkRunner-" + cls.substring(cls.lastIndexOf('.') + 1));
          unnamed--;
          break;
        }
      }
    }
    return unnamed;
  }

  private static String stage(String thread) {
    if (thread.equals("feeder") || thread.startsWith("HttpClient")) {
      return "feeder"; // the benchmark's HTTP client, a sender elsewhere in a deployment
    }
    if (thread.startsWith("qtp") || thread.contains("SpoolDirectorySource")
        || thread.startsWith("pool-") && thread.contains("thread")) {
      return "source"; // Jetty (HTTP source + interceptors), the spooling reader
    }
    if (thread.equals("SinkRunner-EventSink") || thread.startsWith("eventsink-") || thread.startsWith("sinkpath-")
        || thread.startsWith("hconnection") || thread.startsWith("RPCClient") || thread.contains("-shared-pool")) {
      return "sink-hbase"; // EventSink's runner (channel takes, encoding) and writers, the HBase client
    }
    if (thread.equals("SinkRunner-HdfsLandingSink") || thread.equals("SinkRunner-HDFSEventSink")
        || thread.startsWith("landing-") || thread.startsWith("hdfs-")) {
      return "landing"; // the HDFS landing's runner (channel takes) and its I/O thread
    }
    if (thread.startsWith("SinkRunner")) {
      return "sinks"; // a runner not yet seen at work
    }
    if (thread.startsWith("Log-BackgroundWorker")) {
      return "channel-checkpoint";
    }
    if (thread.startsWith("RpcServer") || thread.startsWith("RS") || thread.contains("regionserver")
        || thread.contains("MemStoreFlusher") || thread.contains("WAL") || thread.contains("Compact")
        || thread.startsWith("M:") || thread.contains("master")) {
      return "hbase";
    }
    return "other";
  }
}
