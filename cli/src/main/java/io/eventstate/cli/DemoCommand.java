package io.eventstate.cli;

import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.rowkey.TableSchema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.apache.flume.instrumentation.util.JMXPollUtil;
import org.apache.flume.node.Application;
import org.apache.flume.node.MaterializedConfiguration;
import org.apache.flume.node.PropertiesFileConfigurationProvider;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.ResultScanner;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.client.Table;

/**
 * {@code ./eventstate demo [--conf DIR] [--data DIR] [--table NAME]}: the whole pipeline on this machine. Starts the
 * embedded HBase ({@code .eventstate/hbase}, kept between runs) with the table and the state coprocessor, runs the
 * example agent {@code conf/flume/eventstate.properties} in this process (its ports, channel and spool directories
 * moved under {@code .eventstate/}, its EventSink pointed at the embedded HBase), feeds the bundled samples to
 * each feed's source with a progress bar, waits until every channel is drained, and prints a summary: entities per
 * state of every machine, sessions, dead letters and the agent's counters. A second run stores the same rows
 * again (deterministic keys, explicit timestamps) and the coprocessor applies each event id once, so nothing is
 * duplicated.
 *
 * <p>Data: {@code --data DIR}, else {@code ../shared/data} beside the repository, else {@code samples/}. The talk's
 * events ({@code seed/events.jsonl}) go to source {@code talk}; the real data sets to the source of their feed.
 */
final class DemoCommand {

  static final String USAGE = "demo [--conf DIR] [--data DIR] [--table NAME]";
  private static final ObjectMapper JSON = new ObjectMapper();

  private DemoCommand() {
  }

  /** One request to one source: a payload for an HTTP source, or a file for a spooling-directory source. */
  private record Feed(String source, byte[] payload, Path spoolFile) {
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    Options o = Options.parse(args, Set.of("conf", "data", "table"), Set.of());
    if (!o.positional().isEmpty()) {
      throw new CliException("unexpected argument '" + o.positional().get(0) + "'; usage: ./eventstate " + USAGE);
    }
    Path conf = Home.conf(o.get("conf"));
    Path agentFile = conf.resolve("flume/eventstate.properties");
    if (!Files.isRegularFile(agentFile)) {
      throw new CliException("agent properties file not found: " + agentFile);
    }
    Path data = dataDir(o.get("data"));
    TableSchema schema = new TableSchema(o.get("table", TableSchema.DEFAULT_TABLE), 4);
    Path state = Home.state();
    long t0 = System.nanoTime();
    err.println("eventstate demo: starting the embedded HBase on " + state.resolve("hbase") + " ...");
    try (EmbeddedHBase hbase = EmbeddedHBase.start(state, true)) {
      boolean created = hbase.createStateTable(schema, conf.resolve("machines"));
      err.println("eventstate demo: table " + schema.tableName() + (created ? " created" : " reused (stored data kept)")
          + "; HBase ready after " + seconds(t0));
      Map<String, Integer> ports = new TreeMap<>();
      Map<String, Path> spools = new TreeMap<>();
      Path props = agentProperties(agentFile, state, schema, hbase.zooKeeperPort(), ports, spools);
      List<Feed> feeds = feeds(data, ports.keySet(), spools.keySet());
      if (feeds.isEmpty()) {
        throw new CliException("no sample data found in " + data + "; pass --data DIR");
      }
      Application agent = startAgent(props, ports);
      try {
        feed(feeds, ports, spools, err);
        awaitDrained(spools, err);
      } finally {
        // Flume's file channel prints "Attempting to shutdown background worker." on System.out when it stops.
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(java.io.OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8));
        try {
          agent.stop();
        } finally {
          System.setOut(stdout);
        }
      }
      summary(hbase, schema, out);
      out.println("done in " + seconds(t0) + "; look around: ./eventstate state package:EZ4000000004, "
          + "./eventstate events session:<id>, conf/hive and conf/impala for SQL");
    }
    return 0;
  }

  private static String seconds(long t0) {
    return String.format("%.1f s", (System.nanoTime() - t0) / 1e9);
  }

  static Path dataDir(String option) {
    List<Path> candidates = option != null ? List.of(Path.of(option))
        : List.of(Home.dir().resolveSibling("shared").resolve("data"), Home.dir().resolve("samples"));
    for (Path p : candidates) {
      if (Files.isDirectory(p.resolve("seed")) || Files.isDirectory(p.resolve("real"))) {
        return p.toAbsolutePath().normalize();
      }
    }
    throw new CliException("no sample data in " + candidates + " (expected seed/ or real/ inside); pass --data DIR");
  }

  /** The example agent with its ports, directories and HBase moved to this machine's demo. */
  private static Path agentProperties(Path file, Path state, TableSchema schema, int zkPort, Map<String, Integer> ports,
      Map<String, Path> spools) {
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
      Path flume = Files.createDirectories(state.resolve("flume"));
      for (String k : p.stringPropertyNames()) {
        String[] parts = k.split("\\.");
        if (k.startsWith("a1.sources.") && k.endsWith(".port") && parts.length == 4) {
          int port = freePort();
          p.setProperty(k, Integer.toString(port));
          ports.put(parts[2], port);
        } else if (k.startsWith("a1.sources.") && k.endsWith(".spoolDir") && parts.length == 4) {
          Path dir = Files.createDirectories(state.resolve("spool").resolve(parts[2]));
          try (Stream<Path> old = Files.list(dir)) {
            for (Path f : (Iterable<Path>) old::iterator) {
              if (f.getFileName().toString().endsWith(".COMPLETED")) {
                Files.delete(f); // consumed by an earlier run; the file is fed again below
              }
            }
          }
          p.setProperty(k, dir.toString());
          spools.put(parts[2], dir);
        } else if (k.endsWith(".checkpointDir") || k.endsWith(".dataDirs") || k.endsWith(".sink.directory")
            || k.endsWith(".backupCheckpointDir")) {
          p.setProperty(k, Files.createDirectories(flume.resolve(k.substring(3).replace('.', '/'))).toString());
        }
      }
      p.setProperty("a1.sinks.hbase.table", schema.tableName());
      p.setProperty("a1.sinks.hbase.zookeeperQuorum", "127.0.0.1");
      p.setProperty("a1.sinks.hbase.hbase.zookeeper.property.clientPort", Integer.toString(zkPort));
      Path out = state.resolve("agent.properties");
      StringBuilder text = new StringBuilder("# conf/flume/eventstate.properties as the demo runs it\n");
      new TreeMap<>(p).forEach((k, v) -> text.append(k).append(" = ").append(v).append('\n'));
      Files.writeString(out, text, StandardCharsets.UTF_8);
      return out;
    } catch (IOException e) {
      throw new CliException("cannot prepare the agent from " + file + ": " + e.getMessage());
    }
  }

  private static Application startAgent(Path props, Map<String, Integer> ports) {
    MaterializedConfiguration mc = new PropertiesFileConfigurationProvider("a1", props.toFile()).getConfiguration();
    if (mc.getSinkRunners().isEmpty() || mc.getSourceRunners().isEmpty()) {
      throw new CliException("the example agent's configuration was rejected; run ./eventstate validate");
    }
    Application app = new Application();
    app.handleConfigurationEvent(mc);
    long deadline = System.nanoTime() + 60_000_000_000L;
    for (int port : ports.values()) {
      while (!listening(port)) {
        if (System.nanoTime() > deadline) {
          app.stop();
          throw new CliException("the example agent's HTTP source on port " + port + " did not start in 60 s");
        }
        pause(100);
      }
    }
    return app;
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** What to send where: the talk's events and every real data set the example agent has a feed for. */
  private static List<Feed> feeds(Path data, Set<String> http, Set<String> spool) {
    List<Feed> f = new ArrayList<>();
    try {
      Path seed = data.resolve("seed/events.jsonl");
      if (http.contains("talk") && Files.isRegularFile(seed)) {
        f.add(new Feed("talk", Files.readAllBytes(seed), null));
      }
      Path real = data.resolve("real");
      Path trackers = real.resolve("easypost/extracted/trackers.jsonl");
      if (http.contains("easypost_trackers") && Files.isRegularFile(trackers)) {
        for (String line : Files.readAllLines(trackers, StandardCharsets.UTF_8)) {
          if (!line.isBlank()) {
            f.add(new Feed("easypost_trackers", line.getBytes(StandardCharsets.UTF_8), null));
          }
        }
      }
      Path otto = real.resolve("otto-sessions/train.jsonl");
      if (http.contains("otto") && Files.isRegularFile(otto)) {
        f.add(new Feed("otto", Files.readAllBytes(otto), null));
      }
      Path lorawan = real.resolve("lorawan-uplinks");
      if (http.contains("lorawan") && Files.isDirectory(lorawan)) {
        try (Stream<Path> s = Files.walk(lorawan)) {
          for (Path p : s.filter(x -> x.toString().endsWith(".json")).sorted().toList()) {
            f.add(new Feed("lorawan", Files.readAllBytes(p), null));
          }
        }
      }
      Path eyevinn = real.resolve("video-player-sessions-eyevinn/json");
      if (http.contains("eyevinn") && Files.isDirectory(eyevinn)) {
        for (String name : List.of("valid_sequences.json", "invalid_sequences.json", "eventsink_test_events.json")) {
          Path p = eyevinn.resolve(name);
          if (Files.isRegularFile(p)) {
            for (Iterator<JsonNode> it = JSON.readTree(p.toFile()).elements(); it.hasNext();) {
              f.add(new Feed("eyevinn", JSON.writeValueAsBytes(it.next()), null));
            }
          }
        }
      }
      Path wikimedia = real.resolve("wikimedia-recentchange/wikimedia.ndjson");
      if (spool.contains("wikimedia") && Files.isRegularFile(wikimedia)) {
        f.add(new Feed("wikimedia", null, wikimedia));
      }
      Path events = real.resolve("easypost/extracted/events.jsonl");
      if (spool.contains("easypost_events") && Files.isRegularFile(events)) {
        f.add(new Feed("easypost_events", null, events));
      }
    } catch (IOException e) {
      throw new CliException("cannot read the sample data in " + data + ": " + e.getMessage());
    }
    return f;
  }

  private static void feed(List<Feed> feeds, Map<String, Integer> ports, Map<String, Path> spools, PrintStream err) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    Map<String, int[]> statuses = new TreeMap<>();
    for (int i = 0; i < feeds.size(); i++) {
      Feed f = feeds.get(i);
      int status;
      try {
        if (f.spoolFile() != null) {
          Path target = spools.get(f.source()).resolve(f.spoolFile().getFileName());
          Path tmp = spools.get(f.source()).resolveSibling(f.source() + ".incoming");
          Files.copy(f.spoolFile(), tmp, StandardCopyOption.REPLACE_EXISTING);
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE); // the spooling source needs whole files
          status = 200;
        } else {
          HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get(f.source()) + "/"))
              .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json; charset=UTF-8")
              .POST(HttpRequest.BodyPublishers.ofByteArray(f.payload())).build();
          status = http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
        }
      } catch (IOException e) {
        throw new CliException("feeding " + f.source() + " failed: " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CliException("interrupted while feeding " + f.source());
      }
      statuses.computeIfAbsent(f.source(), k -> new int[2])[status == 200 ? 0 : 1]++;
      progress(err, i + 1, feeds.size(), f.source());
    }
    err.println();
    statuses.forEach((source, c) -> err.println("  " + source + ": " + c[0] + " accepted"
        + (c[1] > 0 ? ", " + c[1] + " refused whole (HTTP 400: malformed payload)" : "")));
  }

  private static void progress(PrintStream err, int done, int total, String what) {
    int width = 30;
    int filled = (int) ((long) done * width / total);
    err.print(String.format("\r  feeding [%s%s] %d/%d %-20s", "#".repeat(filled), " ".repeat(width - filled), done,
        total, what));
    err.flush();
  }

  /** Until every spooled file is consumed and every channel's puts have all been taken and committed. */
  private static void awaitDrained(Map<String, Path> spools, PrintStream err) {
    long deadline = System.nanoTime() + 300_000_000_000L;
    int stable = 0;
    while (System.nanoTime() < deadline) {
      boolean spooled = spools.values().stream().allMatch(DemoCommand::allCompleted);
      Map<String, Map<String, String>> beans = JMXPollUtil.getAllMBeans();
      boolean drained = spooled;
      StringBuilder sizes = new StringBuilder();
      for (Map.Entry<String, Map<String, String>> b : new TreeMap<>(beans).entrySet()) {
        if (b.getKey().startsWith("CHANNEL.")) {
          String size = b.getValue().get("ChannelSize");
          drained &= "0".equals(size);
          sizes.append(' ').append(b.getKey().substring("CHANNEL.".length())).append('=').append(size);
        }
      }
      err.print("\r  draining, channel sizes:" + sizes + "          ");
      err.flush();
      // twice in a row: a spooling source may read a file between two polls
      stable = drained ? stable + 1 : 0;
      if (stable >= 3) {
        err.println();
        err.println("  drained");
        return;
      }
      pause(500);
    }
    throw new CliException("the agent did not drain in 300 s; is HBase healthy? see the counters with "
        + "-Dflume.monitoring.type=http");
  }

  private static boolean allCompleted(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      // .flumespool is the source's own tracker directory
      return s.map(p -> p.getFileName().toString()).allMatch(n -> n.startsWith(".") || n.endsWith(".COMPLETED"));
    } catch (IOException e) {
      return false;
    }
  }

  private static void summary(EmbeddedHBase hbase, TableSchema schema, PrintStream out) {
    Map<String, Map<String, Integer>> perMachine = new TreeMap<>();
    Map<String, Long> sessions = new TreeMap<>();
    Map<String, Integer> entities = new TreeMap<>();
    long events = 0;
    long deadLetters = 0;
    try (Connection c = ConnectionFactory.createConnection(hbase.clientConfiguration());
         Table t = c.getTable(TableName.valueOf(schema.tableName()));
         ResultScanner s = t.getScanner(new Scan())) {
      for (Result r : s) {
        String key = RowKeyCodec.fromBytes(r.getRow());
        RowKeyCodec.DecodedKey k = RowKeyCodec.decode(key);
        switch (k.kind()) {
          case DEAD_LETTER -> deadLetters++;
          case EVENT -> events++;
          case STATE -> {
            entities.merge(k.entityType(), 1, Integer::sum);
            Map<byte[], byte[]> fam = r.getFamilyMap(TableSchema.FAMILY_STATE.getBytes(StandardCharsets.UTF_8));
            if (fam == null) {
              continue;
            }
            fam.forEach((q, v) -> {
              String qs = new String(q, StandardCharsets.UTF_8);
              if (qs.startsWith("m.") && qs.endsWith(".state")) {
                perMachine.computeIfAbsent(qs.substring(2, qs.length() - ".state".length()), x -> new TreeMap<>())
                    .merge(new String(v, StandardCharsets.UTF_8), 1, Integer::sum);
              } else if (qs.startsWith("sess.") && qs.endsWith(".count") && v.length == 8) {
                sessions.merge(qs.substring(5, qs.length() - ".count".length()),
                    java.nio.ByteBuffer.wrap(v).getLong(), Long::sum);
              }
            });
          }
          default -> { }
        }
      }
    } catch (IOException e) {
      throw new CliException("cannot read the summary from HBase: " + HBaseAccess.firstLine(e));
    }
    out.println();
    out.println("== table " + schema.tableName() + ": " + events + " events, " + entities.values().stream()
        .mapToInt(Integer::intValue).sum() + " entities " + entities + ", " + deadLetters + " dead letters stored by the sink");
    for (Map.Entry<String, Map<String, Integer>> m : perMachine.entrySet()) {
      out.println("== machine " + m.getKey() + ": entities per state");
      List<List<String>> rows = new ArrayList<>();
      m.getValue().forEach((st, n) -> rows.add(List.of(st, Integer.toString(n))));
      LookupCommand.table(out, List.of("state", "entities"), rows);
    }
    sessions.forEach((name, n) -> out.println("== sessions " + name + ": " + n));
    Map<String, Map<String, String>> all = JMXPollUtil.getAllMBeans();
    out.println("== this run: dead letters " + all.getOrDefault("CHANNEL.deadletter", Map.of())
        .getOrDefault("EventPutSuccessCount", "0") + " (with their reason, in " + Home.state().resolve("flume/sinks")
        + "), gated " + all.getOrDefault("CHANNEL.gated", Map.of()).getOrDefault("EventPutSuccessCount", "0")
        + ", refused whole at HTTP: see the feeding lines above");
    out.println("== agent counters (Flume JMX, also at -Dflume.monitoring.type=http)");
    List<List<String>> rows = new ArrayList<>();
    Map<String, Map<String, String>> beans = new TreeMap<>(JMXPollUtil.getAllMBeans());
    for (Map.Entry<String, Map<String, String>> b : beans.entrySet()) {
      Map<String, String> shown = new LinkedHashMap<>();
      new TreeMap<>(b.getValue()).forEach((k, v) -> {
        if (!v.equals("0") && !k.equals("StartTime") && !k.equals("StopTime") && !k.equals("Type")
            && !k.endsWith("Percentage")) {
          shown.put(k, v);
        }
      });
      if (!shown.isEmpty()) {
        rows.add(List.of(b.getKey(), shown.toString().replace("{", "").replace("}", "")));
      }
    }
    LookupCommand.table(out, List.of("component", "counters (non-zero)"), rows);
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new CliException("no free port: " + e.getMessage());
    }
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted");
    }
  }
}
