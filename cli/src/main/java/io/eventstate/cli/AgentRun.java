package io.eventstate.cli;

import io.eventstate.core.fsm.DefinitionCatalog;
import io.eventstate.core.fsm.DefinitionException;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.rowkey.TableSchema;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

import org.apache.flume.instrumentation.util.JMXPollUtil;
import org.apache.flume.node.Application;
import org.apache.flume.node.MaterializedConfiguration;
import org.apache.flume.node.PropertiesFileConfigurationProvider;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.ResultScanner;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.client.Table;

/**
 * The code path shared by {@code ./eventstate demo} and {@code ./eventstate run}: one Flume agent from a properties
 * file, run in this process against the embedded HBase (or a cluster), fed, drained and summarized.
 *
 * <ol>
 *   <li>checks everything that can be checked without HBase: the agent file and its sources, an
 *       {@code io.eventstate.flume.sink.EventSink} among its sinks, the feeds' sources (HTTP or spooling directory)
 *       and the machine definitions;</li>
 *   <li>starts the embedded HBase ({@code .eventstate/hbase}, kept between runs) and creates the table with the
 *       state coprocessor and the machine definitions unless it exists — or, with {@code --hbase-site}/{@code --zk},
 *       uses a cluster whose table must already exist;</li>
 *   <li>rewrites the agent for this machine: every source {@code port} becomes a free local port, every
 *       {@code spoolDir} and file-channel/file-roll directory moves under the work directory, every HDFS sink's
 *       {@code hdfs.path} becomes a {@code file:} path under {@code <work>/hdfs}, every EventSink is
 *       pointed at the table and the HBase of step 2; the result is written to {@code <work>/agent.properties};</li>
 *   <li>starts the agent with Flume's own {@code Application}, sends each feed (an HTTP POST, or a file moved
 *       whole into the spooling directory) with a progress bar, waits until every spooled file is consumed and
 *       every channel is empty, stops the agent and prints the summary.</li>
 * </ol>
 */
final class AgentRun {

  static final String EVENT_SINK = "io.eventstate.flume.sink.EventSink";

  /** One request to one source: a payload for an HTTP source, or a file for a spooling-directory source. */
  record Feed(String source, byte[] payload, Path spoolFile) {
  }

  /**
   * What to run.
   *
   * @param command    the command name for progress lines ({@code demo}, {@code run})
   * @param agentFile  the Flume agent properties file
   * @param agent      the agent name in it
   * @param machines   the directory of machine and session definitions
   * @param hbaseSite  a cluster's hbase-site.xml, or null
   * @param zk         a cluster's ZooKeeper {@code host:port}, or null
   * @param work       where the rewritten agent, its channels and spooling directories live
   * @param feeds      the feeds, given each source's name and type ({@code http}, {@code spooldir}, ...)
   */
  record Plan(String command, Path agentFile, String agent, Path machines, TableSchema schema, String hbaseSite,
      String zk, Path work, Function<Map<String, String>, List<Feed>> feeds) {
  }

  private AgentRun() {
  }

  static void execute(Plan plan, PrintStream out, PrintStream err) {
    long t0 = System.nanoTime();
    Properties props = load(plan.agentFile());
    String a = plan.agent();
    Map<String, String> sourceTypes = new TreeMap<>();
    for (String s : list(props, a + ".sources")) {
      sourceTypes.put(s, props.getProperty(a + ".sources." + s + ".type", "").trim());
    }
    if (sourceTypes.isEmpty()) {
      throw new CliException(plan.agentFile() + ": key " + a + ".sources is missing or empty; is the agent name right?"
          + " (use --agent NAME)");
    }
    List<String> eventSinks = list(props, a + ".sinks").stream()
        .filter(s -> EVENT_SINK.equals(props.getProperty(a + ".sinks." + s + ".type", "").trim())).toList();
    if (eventSinks.isEmpty()) {
      throw new CliException(plan.agentFile() + ": agent " + a + " has no sink of type " + EVENT_SINK
          + "; add one (" + a + ".sinks.hbase.type = " + EVENT_SINK + ", see conf/flume/eventstate.properties)");
    }
    List<Feed> feeds = plan.feeds().apply(sourceTypes);
    if (feeds.isEmpty()) {
      throw new CliException("nothing to feed to agent " + a + " of " + plan.agentFile());
    }
    checkDefinitions(plan.machines());

    if (plan.hbaseSite() != null || plan.zk() != null) {
      try (HBaseAccess cluster = HBaseAccess.open(plan.hbaseSite(), plan.zk(), err)) {
        Connection c = cluster.connection();
        try (Admin admin = c.getAdmin()) {
          if (!admin.tableExists(TableName.valueOf(plan.schema().tableName()))) {
            throw new CliException("table " + plan.schema().tableName() + " does not exist at " + cluster.where()
                + "; create it with the HBase shell script of ./eventstate ddl (with the state coprocessor, README.md)");
          }
        } catch (IOException e) {
          throw new CliException("cannot reach HBase at " + cluster.where() + ": " + HBaseAccess.firstLine(e));
        }
        Configuration conf = c.getConfiguration();
        runAgent(plan, props, eventSinks, conf.get("hbase.zookeeper.quorum"),
            conf.getInt("hbase.zookeeper.property.clientPort", 2181), conf.get("zookeeper.znode.parent"), feeds, err);
        summary(c, plan, out);
      }
    } else {
      Path state = Home.state();
      err.println("eventstate " + plan.command() + ": starting the embedded HBase on " + state.resolve("hbase") + " ...");
      try (EmbeddedHBase hbase = EmbeddedHBase.start(state, true)) {
        boolean created = hbase.createStateTable(plan.schema(), plan.machines());
        err.println("eventstate " + plan.command() + ": table " + plan.schema().tableName()
            + (created ? " created" : " reused (stored data kept)") + "; HBase ready after " + seconds(t0));
        runAgent(plan, props, eventSinks, "127.0.0.1", hbase.zooKeeperPort(), null, feeds, err);
        try (Connection c = ConnectionFactory.createConnection(hbase.clientConfiguration())) {
          summary(c, plan, out);
        } catch (IOException e) {
          throw new CliException("cannot read the summary from HBase: " + HBaseAccess.firstLine(e));
        }
      }
    }
    out.println("done in " + seconds(t0) + "; look around: ./eventstate state TYPE:ID, ./eventstate events TYPE:ID, "
        + "./eventstate sessions TYPE:ID, conf/hive and conf/impala for SQL");
  }

  private static Properties load(Path file) {
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
      return p;
    } catch (NoSuchFileException e) {
      throw new CliException("agent properties file not found: " + file);
    } catch (IOException | IllegalArgumentException e) {
      throw new CliException("cannot read agent properties " + file + ": " + e.getMessage());
    }
  }

  private static List<String> list(Properties p, String key) {
    String v = p.getProperty(key);
    return v == null || v.isBlank() ? List.of() : Arrays.asList(v.trim().split("\\s+"));
  }

  /** Every definition file must load; the first problem is reported as it names the file, the JSON path and the fix. */
  static void checkDefinitions(Path machines) {
    if (!Files.isDirectory(machines)) {
      throw new CliException("machine definitions directory not found: " + machines + "; pass --machines DIR");
    }
    try {
      DefinitionCatalog.load(machines);
    } catch (DefinitionException e) {
      List<String> problems = e.problems();
      throw new CliException("invalid definition: " + problems.get(0)
          + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more: ./eventstate validate --conf DIR)" : ""));
    } catch (IOException e) {
      throw new CliException("cannot read machine definitions in " + machines + ": " + e.getMessage());
    }
  }

  private static void runAgent(Plan plan, Properties props, List<String> eventSinks, String zkQuorum, int zkPort,
      String znodeParent, List<Feed> feeds, PrintStream err) {
    Map<String, Integer> ports = new TreeMap<>();
    Map<String, Path> spools = new TreeMap<>();
    Path file = rewrite(plan, props, eventSinks, zkQuorum, zkPort, znodeParent, ports, spools);
    for (Feed f : feeds) {
      if (f.spoolFile() != null ? !spools.containsKey(f.source()) : !ports.containsKey(f.source())) {
        throw new CliException(plan.agentFile() + ": source " + f.source() + " has no "
            + (f.spoolFile() != null ? "spoolDir" : "port") + " key");
      }
    }
    Application agent = startAgent(plan, file, ports);
    try {
      feed(feeds, ports, spools, err);
      awaitDrained(list(props, plan.agent() + ".channels"), spools, err);
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
  }

  /** The agent with its ports, directories and HBase moved to this machine. */
  private static Path rewrite(Plan plan, Properties original, List<String> eventSinks, String zkQuorum, int zkPort,
      String znodeParent, Map<String, Integer> ports, Map<String, Path> spools) {
    Properties p = new Properties();
    p.putAll(original);
    String a = plan.agent();
    Path work = plan.work();
    try {
      Path flume = Files.createDirectories(work.resolve("flume"));
      for (String k : p.stringPropertyNames()) {
        if (!k.startsWith(a + ".")) {
          continue;
        }
        String rest = k.substring(a.length() + 1);
        String[] parts = rest.split("\\.");
        if (rest.startsWith("sources.") && rest.endsWith(".port") && parts.length == 3) {
          int port = freePort();
          p.setProperty(k, Integer.toString(port));
          ports.put(parts[1], port);
        } else if (rest.startsWith("sources.") && rest.endsWith(".spoolDir") && parts.length == 3) {
          Path dir = Files.createDirectories(work.resolve("spool").resolve(parts[1]));
          try (Stream<Path> old = Files.list(dir)) {
            for (Path f : (Iterable<Path>) old::iterator) {
              if (f.getFileName().toString().endsWith(".COMPLETED")) {
                Files.delete(f); // consumed by an earlier run; the file is fed again
              }
            }
          }
          p.setProperty(k, dir.toString());
          spools.put(parts[1], dir);
        } else if (rest.endsWith(".checkpointDir") || rest.endsWith(".dataDirs") || rest.endsWith(".sink.directory")
            || rest.endsWith(".backupCheckpointDir")) {
          p.setProperty(k, Files.createDirectories(flume.resolve(rest.replace('.', '/'))).toString());
        } else if (rest.startsWith("sinks.") && rest.endsWith(".hdfs.path") && parts.length == 4) {
          // hdfs://namenode:8020/eventstate/events/... -> file:<work>/hdfs/eventstate/events/... (escapes kept)
          String path = p.getProperty(k).trim().replaceFirst("^[A-Za-z][A-Za-z0-9+.-]*://[^/]*", "");
          Path hdfs = Files.createDirectories(work.resolve("hdfs"));
          p.setProperty(k, hdfs.toUri().toString().replaceAll("/$", "") + path);
        }
      }
      for (String s : eventSinks) {
        String prefix = a + ".sinks." + s + ".";
        p.setProperty(prefix + "table", plan.schema().tableName());
        p.setProperty(prefix + "zookeeperQuorum", zkQuorum);
        p.setProperty(prefix + "hbase.zookeeper.property.clientPort", Integer.toString(zkPort));
        if (znodeParent != null) {
          p.setProperty(prefix + "znodeParent", znodeParent);
        }
      }
      Path out = work.resolve("agent.properties");
      StringBuilder text = new StringBuilder("# " + plan.agentFile() + " (agent " + a + ") as ./eventstate "
          + plan.command() + " runs it\n");
      new TreeMap<>(p).forEach((k, v) -> text.append(k).append(" = ").append(v).append('\n'));
      Files.writeString(out, text, StandardCharsets.UTF_8);
      return out;
    } catch (IOException e) {
      throw new CliException("cannot prepare the agent from " + plan.agentFile() + ": " + e.getMessage());
    }
  }

  private static Application startAgent(Plan plan, Path props, Map<String, Integer> ports) {
    MaterializedConfiguration mc = new PropertiesFileConfigurationProvider(plan.agent(), props.toFile())
        .getConfiguration();
    if (mc.getSinkRunners().isEmpty() || mc.getSourceRunners().isEmpty()) {
      throw new CliException("Flume rejected agent " + plan.agent() + " of " + plan.agentFile()
          + "; run ./eventstate validate --conf DIR for the key and the fix");
    }
    Application app = new Application();
    app.handleConfigurationEvent(mc);
    long deadline = System.nanoTime() + 60_000_000_000L;
    for (Map.Entry<String, Integer> port : ports.entrySet()) {
      while (!listening(port.getValue())) {
        if (System.nanoTime() > deadline) {
          app.stop();
          throw new CliException("source " + port.getKey() + " of " + plan.agentFile() + " did not listen on port "
              + port.getValue() + " within 60 s");
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

  /**
   * Until every spooled file is consumed and, three polls in a row, every channel of the agent is empty with all its
   * puts taken and committed (a batch the sink rolled back is put back, so it is not counted as taken).
   */
  private static void awaitDrained(Collection<String> channels, Map<String, Path> spools, PrintStream err) {
    long deadline = System.nanoTime() + 300_000_000_000L;
    int stable = 0;
    while (System.nanoTime() < deadline) {
      boolean drained = spools.values().stream().allMatch(AgentRun::allCompleted);
      Map<String, Map<String, String>> beans = JMXPollUtil.getAllMBeans();
      StringBuilder sizes = new StringBuilder();
      for (String c : channels) {
        Map<String, String> b = beans.get("CHANNEL." + c);
        if (b == null) {
          drained = false;
          continue;
        }
        String size = b.get("ChannelSize");
        drained &= "0".equals(size) && count(b, "EventTakeSuccessCount") >= count(b, "EventPutSuccessCount");
        sizes.append(' ').append(c).append('=').append(size);
      }
      err.print("\r  draining, channel sizes:" + sizes + "          ");
      err.flush();
      // three times in a row: a spooling source may read a file between two polls
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

  private static long count(Map<String, String> bean, String key) {
    try {
      return Long.parseLong(bean.getOrDefault(key, "0"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static boolean allCompleted(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      // .flumespool is the source's own tracker directory
      return s.map(p -> p.getFileName().toString()).allMatch(n -> n.startsWith(".") || n.endsWith(".COMPLETED"));
    } catch (IOException e) {
      return false;
    }
  }

  private static Path deadLetterPlace(Plan plan) {
    Path hdfs = plan.work().resolve("hdfs");
    try (Stream<Path> s = Files.exists(hdfs) ? Files.walk(hdfs, 3) : Stream.empty()) {
      return s.filter(p -> p.getFileName().toString().equals("deadletter")).findFirst()
          .orElse(plan.work().resolve("flume/sinks"));
    } catch (IOException e) {
      return plan.work().resolve("flume/sinks");
    }
  }

  /**
   * The Avro files the agent's HDFS sinks landed under {@code <work>/hdfs} (every run so far: the HDFS copy is at
   * least once, so a second run adds records, not event ids): records and distinct event ids per partition.
   */
  private static void landed(Plan plan, PrintStream out) {
    Path root = plan.work().resolve("hdfs");
    if (!Files.isDirectory(root)) {
      return;
    }
    Map<String, long[]> records = new TreeMap<>();
    Map<String, java.util.Set<String>> ids = new TreeMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : (Iterable<Path>) files.filter(p -> p.getFileName().toString().endsWith(".avro"))::iterator) {
        String partition = root.relativize(f.getParent()).toString();
        try (org.apache.avro.file.DataFileStream<org.apache.avro.generic.GenericRecord> in =
            new org.apache.avro.file.DataFileStream<>(Files.newInputStream(f),
                new org.apache.avro.generic.GenericDatumReader<>())) {
          boolean canonical = in.getSchema().getField("event_id") != null;
          for (org.apache.avro.generic.GenericRecord r : in) {
            records.computeIfAbsent(partition, k -> new long[1])[0]++;
            if (canonical) {
              ids.computeIfAbsent(partition, k -> new java.util.TreeSet<>()).add(r.get("event_id").toString());
            }
          }
        }
      }
    } catch (IOException | org.apache.avro.AvroRuntimeException e) {
      out.println("== files landed for SQL: cannot read " + root + ": " + e.getMessage());
      return;
    }
    out.println("== files landed for SQL (HDFS sinks, Avro) under " + root + ": partition, records, event ids");
    List<List<String>> rows = new ArrayList<>();
    records.forEach((p, n) -> rows.add(List.of(p, Long.toString(n[0]),
        ids.containsKey(p) ? Integer.toString(ids.get(p).size()) : "-")));
    LookupCommand.table(out, List.of("partition", "records", "event ids"), rows);
  }

  /** What the table holds (entities per state per machine, sessions, events, dead letters) and the agent's counters. */
  private static void summary(Connection c, Plan plan, PrintStream out) {
    TableSchema schema = plan.schema();
    Map<String, Map<String, Integer>> perMachine = new TreeMap<>();
    Map<String, Long> sessions = new TreeMap<>();
    Map<String, Integer> entities = new TreeMap<>();
    long events = 0;
    long deadLetters = 0;
    try (Table t = c.getTable(TableName.valueOf(schema.tableName()));
         ResultScanner s = t.getScanner(new Scan())) {
      for (Result r : s) {
        RowKeyCodec.DecodedKey k = RowKeyCodec.decode(RowKeyCodec.fromBytes(r.getRow()));
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
                sessions.merge(qs.substring(5, qs.length() - ".count".length()), ByteBuffer.wrap(v).getLong(),
                    Long::sum);
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
    landed(plan, out);
    out.println("== this run: dead letters " + all.getOrDefault("CHANNEL.deadletter", Map.of())
        .getOrDefault("EventPutSuccessCount", "0") + " (with their reason, in " + deadLetterPlace(plan)
        + "), gated " + all.getOrDefault("CHANNEL.gated", Map.of()).getOrDefault("EventPutSuccessCount", "0")
        + ", refused whole at HTTP: see the feeding lines above");
    out.println("== agent counters (Flume JMX, also at -Dflume.monitoring.type=http)");
    List<List<String>> rows = new ArrayList<>();
    for (Map.Entry<String, Map<String, String>> b : new TreeMap<>(all).entrySet()) {
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

  static String seconds(long t0) {
    return String.format("%.1f s", (System.nanoTime() - t0) / 1e9);
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
