package io.eventstate.cli;

import io.eventstate.core.state.DefinitionCatalog;
import io.eventstate.core.fsm.DefinitionException;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.rowkey.TableSchema;
import io.eventstate.core.state.StateColumns;
import io.eventstate.flume.agent.AgentFile;
import io.eventstate.flume.agent.AgentRunner;
import io.eventstate.flume.agent.FlumeCheck;
import io.eventstate.flume.agent.Relocation;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

import org.apache.flume.instrumentation.util.JMXPollUtil;
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
 * The code path shared by {@code ./eventstate demo} and {@code ./eventstate run}: the agents of one Flume properties
 * file, run in this process against the embedded HBase (or a cluster), fed, drained and summarized.
 *
 * <ol>
 *   <li>checks everything that can be checked without HBase: the agent file and its agents (every agent the file
 *       defines, or the ones named), an {@code io.eventstate.flume.sink.EventSink} among their sinks, the feeds'
 *       sources (HTTP or spooling directory), the machine definitions, and the agents as Flume will build them
 *       ({@link FlumeCheck}: Flume's own checks, lookup files loaded, batch sizes against transaction
 *       capacities), each problem with Flume's reason, the component and the key;</li>
 *   <li>starts the embedded HBase ({@code .eventstate/hbase}, kept between runs) and creates the table with the
 *       state coprocessor and the machine definitions unless it exists — or, with {@code --hbase-site}/{@code --zk},
 *       uses a cluster whose table must already exist;</li>
 *   <li>moves the agents to this machine ({@link Relocation}): free ports for every source (and every sink that
 *       sends to one of them, notifications included), channel, spooling and sink directories under a work
 *       directory of their own for this table and agent file, every HBase-reading component pointed at the table
 *       and the HBase of step 2; the result is written to {@code <work>/agent.properties};</li>
 *   <li>starts the agents (receivers first) with the shared {@link AgentRunner}, reports events an earlier run of
 *       the same file into the same table left in its channels or spooling directories (they are delivered now),
 *       sends each feed with a progress bar, waits until every spooled file is consumed and every channel is
 *       empty, stops the agents and prints the summary.</li>
 * </ol>
 */
final class AgentRun {

  static final String EVENT_SINK = "io.eventstate.flume.sink.EventSink";
  static final String STATE_DECORATOR = "io.eventstate.flume.sink.StateDecoratingInterceptor$Builder";
  static final String NOTIFICATION_SINK = "io.eventstate.flume.sink.NotificationSink";
  static final String LOOKUP = "io.eventstate.flume.interceptor.LookupInterceptor$Builder";
  static final String TAGGING = "io.eventstate.flume.interceptor.TaggingInterceptor$Builder";

  /** One request to one source: a payload for an HTTP source, or a file for a spooling-directory source. */
  record Feed(String source, byte[] payload, Path spoolFile) {
  }

  /**
   * What to run.
   *
   * @param command      the command name for progress lines ({@code demo}, {@code run})
   * @param agentFile    the Flume agent properties file
   * @param agents       the agents to run; empty: every agent the file defines
   * @param machines     the directory of machine and session definitions
   * @param hbaseSite    a cluster's hbase-site.xml, or null
   * @param zk           a cluster's ZooKeeper {@code host:port}, or null
   * @param runs         where each table's and agent file's work directory is made
   * @param drainTimeout how long to wait for the agents to drain after feeding
   * @param feeds        the feeds, given each feedable source's name and type ({@code http}, {@code spooldir})
   * @param overlays     properties files read after the agent file, each key replacing the same key before it (as
   *                     when the files are concatenated)
   */
  record Plan(String command, Path agentFile, List<String> agents, Path machines, TableSchema schema,
      String hbaseSite, String zk, Path runs, Duration drainTimeout, Function<Map<String, String>, List<Feed>> feeds,
      List<Path> overlays) {

    Plan(String command, Path agentFile, List<String> agents, Path machines, TableSchema schema, String hbaseSite,
        String zk, Path runs, Duration drainTimeout, Function<Map<String, String>, List<Feed>> feeds) {
      this(command, agentFile, agents, machines, schema, hbaseSite, zk, runs, drainTimeout, feeds, List.of());
    }
  }

  private AgentRun() {
  }

  static void execute(Plan plan, PrintStream out, PrintStream err) {
    long t0 = System.nanoTime();
    AgentFile file = load(plan);
    List<String> agents = agents(plan, file);
    Map<String, String> feedable = new TreeMap<>();
    for (String a : agents) {
      for (String s : file.components(a, "sources")) {
        String type = file.type(a, "sources", s);
        String name = feedName(agents, file, a, s);
        if (type.equals("spooldir") || type.equals("http") || type.equals("org.apache.flume.source.http.HTTPSource")) {
          feedable.put(name, type.equals("spooldir") ? "spooldir" : "http");
        } else {
          feedable.putIfAbsent(name, type);
        }
      }
    }
    boolean eventSink = agents.stream().anyMatch(a -> file.components(a, "sinks").stream()
        .anyMatch(s -> EVENT_SINK.equals(file.type(a, "sinks", s))));
    if (!eventSink) {
      throw new CliException(plan.agentFile() + ": " + (agents.size() == 1 ? "agent " + agents.get(0) + " has no"
          : "none of the agents " + agents + " has a") + " sink of type " + EVENT_SINK
          + "; add one (" + agents.get(0) + ".sinks.hbase.type = " + EVENT_SINK
          + ", see conf/flume/eventstate.properties)");
    }
    List<Feed> feeds = plan.feeds().apply(feedable);
    if (feeds.isEmpty()) {
      throw new CliException("nothing to feed to " + agents + " of " + plan.agentFile());
    }
    checkDefinitions(plan.machines());
    Path work = workDir(plan);
    // Everything Flume will say about the agents, before HBase starts (its ZooKeeper address is not needed).
    Relocation.Result checked = relocation(plan, work, new Relocation.HBaseTarget(plan.schema().tableName(), "127.0.0.1",
        2181, null)).apply(file, agents);
    checkTargets(plan, agents, checked);
    checkWithFlume(plan, agents, checked.properties(), work);
    reportOtherLeftovers(plan, work, err);

    if (plan.hbaseSite() != null || plan.zk() != null) {
      try (HBaseAccess cluster = HBaseAccess.open(plan.hbaseSite(), plan.zk(), err)) {
        Connection c = cluster.connection();
        try (Admin admin = c.getAdmin()) {
          if (!admin.tableExists(TableName.valueOf(plan.schema().tableName()))) {
            throw new CliException("table " + plan.schema().tableName() + " does not exist at " + cluster.where()
                + "; create it with the HBase shell script of ./eventstate ddl (with the state coprocessor, docs/state-on-write.md)");
          }
        } catch (IOException e) {
          throw new CliException("cannot reach HBase at " + cluster.where() + ": " + HBaseAccess.firstLine(e));
        }
        Configuration conf = c.getConfiguration();
        Relocation.HBaseTarget target = new Relocation.HBaseTarget(plan.schema().tableName(),
            conf.get("hbase.zookeeper.quorum"), conf.getInt("hbase.zookeeper.property.clientPort", 2181),
            conf.get("zookeeper.znode.parent"));
        long[] fed = new long[1];
        Relocation.Result relocated = runAgents(plan, file, agents, work, target, feeds, err, fed);
        summary(c, plan, relocated, work, out, fed[0]);
      }
    } else {
      Path state = Home.state();
      err.println("eventstate " + plan.command() + ": starting the embedded HBase on " + state.resolve("hbase") + " ...");
      try (EmbeddedHBase hbase = EmbeddedHBase.start(state, true)) {
        boolean created = hbase.createStateTable(plan.schema(), plan.machines());
        err.println("eventstate " + plan.command() + ": table " + plan.schema().tableName()
            + (created ? " created" : " reused (stored data kept)") + "; HBase ready after " + seconds(t0));
        long[] fed = new long[1];
        Relocation.Result relocated = runAgents(plan, file, agents, work,
            new Relocation.HBaseTarget(plan.schema().tableName(), "127.0.0.1", hbase.zooKeeperPort(), null), feeds,
            err, fed);
        try (Connection c = ConnectionFactory.createConnection(hbase.clientConfiguration())) {
          summary(c, plan, relocated, work, out, fed[0]);
        } catch (IOException e) {
          throw new CliException("cannot read the summary from HBase: " + HBaseAccess.firstLine(e));
        }
      }
    }
    out.println("done in " + seconds(t0) + "; look around: ./eventstate state TYPE:ID, ./eventstate events TYPE:ID, "
        + "./eventstate sessions TYPE:ID, conf/hive and conf/impala for SQL");
  }

  /** The agent file, with the overlays' keys replacing its own. */
  private static AgentFile load(Plan plan) {
    AgentFile file = load(plan.agentFile());
    if (plan.overlays().isEmpty()) {
      return file;
    }
    Properties merged = file.properties();
    for (Path o : plan.overlays()) {
      merged.putAll(load(o).properties());
    }
    return AgentFile.of(merged, plan.agentFile() + " + " + plan.overlays());
  }

  private static AgentFile load(Path file) {
    try {
      return AgentFile.read(file);
    } catch (NoSuchFileException e) {
      throw new CliException("agent properties file not found: " + file);
    } catch (IOException e) {
      throw new CliException("cannot read agent properties " + file + ": " + e.getMessage());
    }
  }

  private static List<String> agents(Plan plan, AgentFile file) {
    List<String> agents = plan.agents().isEmpty() ? new ArrayList<>(file.agents()) : plan.agents();
    if (agents.isEmpty()) {
      throw new CliException(plan.agentFile() + ": no agent defined (no AGENT.sources key); is this a Flume agent "
          + "properties file?");
    }
    for (String a : agents) {
      if (file.components(a, "sources").isEmpty()) {
        throw new CliException(plan.agentFile() + ": key " + a + ".sources is missing or empty; is the agent name "
            + "right? (use --agent NAME; the file defines " + file.agents() + ")");
      }
    }
    return agents;
  }

  /** {@code <runs>/<table>/<file name>-<hash of its path>}: one table's and one agent file's channels and spools. */
  static Path workDir(Plan plan) {
    String name = plan.agentFile().getFileName().toString().replaceAll("\\.properties$", "")
        .replaceAll("[^A-Za-z0-9_.-]", "_");
    try {
      StringBuilder files = new StringBuilder(plan.agentFile().toAbsolutePath().normalize().toString());
      plan.overlays().forEach(o -> files.append('\n').append(o.toAbsolutePath().normalize()));
      byte[] h = MessageDigest.getInstance("SHA-256").digest(files.toString().getBytes(StandardCharsets.UTF_8));
      return plan.runs().resolve(plan.schema().tableName()).resolve(name + "-" + HexFormat.of().formatHex(h, 0, 4));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Relative lookup files are looked for in the working directory (as Flume does), then in the home directory, then
   * beside the agent file and in its parents (so {@code conf/lookup/plans.csv} of a shipped file is found from
   * anywhere).
   */
  private static Relocation relocation(Plan plan, Path work, Relocation.HBaseTarget target) {
    List<Path> bases = new ArrayList<>(List.of(Path.of("").toAbsolutePath(), Home.dir()));
    for (Path p = plan.agentFile().toAbsolutePath().getParent(); p != null; p = p.getParent()) {
      bases.add(p);
    }
    return Relocation.into(work).hbase(target).resolveFilesAgainst(bases.toArray(Path[]::new)).build();
  }

  /** A sink sending to a local port no agent of this run listens on would fail every send: refused up front. */
  private static void checkTargets(Plan plan, List<String> agents, Relocation.Result r) {
    if (!r.unresolved().isEmpty()) {
      throw new CliException(plan.agentFile() + ": " + r.unresolved().get(0) + " points at a local port no source of "
          + "the agents run " + agents + " listens on, so every send would fail; run the receiving agent too "
          + "(--agent " + String.join(",", agents) + ",RECEIVER) or point it at a source of these agents");
    }
  }

  private static void checkWithFlume(Plan plan, List<String> agents, Properties effective, Path work) {
    List<FlumeCheck.Problem> problems = new ArrayList<>();
    for (String a : agents) {
      for (String route : RouteCheck.unmapped(effective, a)) {
        throw new CliException(plan.agentFile() + ": " + route);
      }
      problems.addAll(FlumeCheck.check(effective, work.resolve("checked.properties"), a));
    }
    if (!problems.isEmpty()) {
      throw new CliException(plan.agentFile() + ": Flume rejects " + problems.get(0)
          + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more: ./eventstate validate --conf DIR)" : ""));
    }
  }

  /** Channels left by other agent files in this table, and by the layout that shared one directory for all runs. */
  private static void reportOtherLeftovers(Plan plan, Path work, PrintStream err) {
    for (Path shared : List.of(plan.runs().resolve("flume"), plan.runs().resolveSibling("flume"))) {
      if (Files.isDirectory(shared)) {
        err.println("eventstate " + plan.command() + ": " + shared + " holds channels shared by every table and agent "
            + "file (an older layout); nothing reads them any more: remove it");
      }
    }
    Path table = work.getParent();
    try (Stream<Path> others = Files.isDirectory(table) ? Files.list(table) : Stream.empty()) {
      for (Path o : (Iterable<Path>) others::iterator) {
        if (!o.equals(work) && Files.isDirectory(o) && hasChannelData(o)) {
          err.println("eventstate " + plan.command() + ": " + o + " holds channel data of another agent file run into"
              + " table " + plan.schema().tableName() + "; it is delivered when that file runs again, never by this run");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean hasChannelData(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.anyMatch(p -> p.getParent() != null && p.getParent().getFileName().toString().equals("data")
          && p.getFileName().toString().startsWith("log-") && !p.getFileName().toString().endsWith(".meta"));
    } catch (IOException e) {
      return false;
    }
  }

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

  /**
   * Runs the agents, feeds them and waits until they drained; {@code fedToDrainedNanos[0]} receives the time from the
   * first event fed to the last one drained.
   */
  private static Relocation.Result runAgents(Plan plan, AgentFile file, List<String> agents, Path work,
      Relocation.HBaseTarget target, List<Feed> feeds, PrintStream err, long[] fedToDrainedNanos) {
    Relocation.Result r = relocation(plan, work, target).apply(file, agents);
    Map<String, Path> spools = new TreeMap<>();
    Map<String, Integer> ports = new TreeMap<>();
    for (String a : agents) {
      for (String s : file.components(a, "sources")) {
        String name = feedName(agents, file, a, s);
        if (r.spoolDirs().getOrDefault(a, Map.of()).containsKey(s)) {
          spools.put(name, r.spoolDirs().get(a).get(s));
        }
        if (r.port(a, s) != null) {
          ports.put(name, r.port(a, s));
        }
      }
    }
    for (Feed f : feeds) {
      if (f.spoolFile() != null ? !spools.containsKey(f.source()) : !ports.containsKey(f.source())) {
        throw new CliException(plan.agentFile() + ": source " + f.source() + " has no "
            + (f.spoolFile() != null ? "spoolDir" : "port") + " key");
      }
    }
    List<String> leftover = new ArrayList<>();
    for (Map.Entry<String, Path> s : spools.entrySet()) {
      try (Stream<Path> files = Files.list(s.getValue())) {
        for (Path f : (Iterable<Path>) files::iterator) {
          String n = f.getFileName().toString();
          if (n.endsWith(".COMPLETED")) {
            Files.delete(f); // consumed by an earlier run; the file is fed again
          } else if (!n.startsWith(".")) {
            leftover.add(s.getKey() + "/" + n);
          }
        }
      } catch (IOException e) {
        throw new CliException("cannot read spooling directory " + s.getValue() + ": " + e.getMessage());
      }
    }
    Path effective = work.resolve("agent.properties");
    Properties header = r.properties();
    Path unfinished = work.resolve("run.unfinished");
    boolean earlier = Files.exists(unfinished);
    try {
      Files.writeString(unfinished, plan.command() + " into table " + plan.schema().tableName() + "\n");
    } catch (IOException e) {
      throw new CliException("cannot write " + unfinished + ": " + e.getMessage());
    }
    AgentRunner runner;
    PrintStream stdout = System.out;
    try {
      runner = AgentRunner.start(header, effective, startOrder(agents, file, r), r.ports(),
          new AgentRunner.Options(60_000, false, false));
    } catch (IllegalStateException e) {
      throw new CliException("Flume did not start " + agents + " of " + plan.agentFile() + ": " + e.getMessage());
    }
    try {
      err.println("eventstate " + plan.command() + ": agents " + runner.agents().keySet() + " of " + plan.agentFile()
          + " running (effective configuration: " + effective + ")");
      reportLeftovers(plan, agents, file, earlier, leftover, err);
      long fedAt = System.nanoTime();
      feed(feeds, ports, spools, err);
      awaitDrained(plan, agents, file, spools, err);
      fedToDrainedNanos[0] = System.nanoTime() - fedAt;
      try {
        Files.deleteIfExists(unfinished);
      } catch (IOException e) {
        throw new CliException("cannot remove " + unfinished + ": " + e.getMessage());
      }
    } finally {
      // Flume's file channel prints "Attempting to shutdown background worker." on System.out when it stops.
      System.setOut(new PrintStream(java.io.OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8));
      try {
        runner.close();
      } finally {
        System.setOut(stdout);
      }
    }
    return r;
  }

  private static String feedName(List<String> agents, AgentFile file, String a, String s) {
    return agents.size() > 1 && agents.stream().filter(o -> !o.equals(a))
        .anyMatch(o -> file.components(o, "sources").contains(s)) ? a + "." + s : s;
  }

  /** Receivers first: an agent whose source another agent sends to starts before the sender. */
  private static List<String> startOrder(List<String> agents, AgentFile file, Relocation.Result r) {
    List<String> receivers = new ArrayList<>();
    List<String> senders = new ArrayList<>();
    for (String a : agents) {
      boolean targeted = false;
      for (Integer port : r.ports().getOrDefault(a, Map.of()).values()) {
        for (String o : agents) {
          if (o.equals(a)) {
            continue;
          }
          for (String k : file.components(o, "sinks")) {
            String p = o + ".sinks." + k + ".";
            targeted |= String.valueOf(port).equals(r.properties().getProperty(p + "port"))
                || String.valueOf(port).equals(r.properties().getProperty(p + "notify.port"));
          }
        }
      }
      (targeted ? receivers : senders).add(a);
    }
    receivers.addAll(senders);
    return receivers;
  }

  /** Events an earlier run of this agent file into this table left behind: delivered by this run, and said so. */
  private static void reportLeftovers(Plan plan, List<String> agents, AgentFile file, boolean earlier,
      List<String> spooled, PrintStream err) {
    List<String> found = new ArrayList<>();
    for (String a : agents) {
      for (String c : file.components(a, "channels")) {
        long size = AgentRunner.counterOr("channel", c, "ChannelSize", 0);
        if (size > 0) {
          found.add("channel " + c + ": " + size + " events");
        }
      }
    }
    spooled.forEach(s -> found.add("spooled file " + s));
    if (earlier || !found.isEmpty()) {
      err.println("eventstate " + plan.command() + ": an earlier run of " + plan.agentFile().getFileName()
          + " into table " + plan.schema().tableName() + " did not finish; its leftovers are delivered now"
          + (found.isEmpty() ? " (the sinks are taking them)" : ": " + String.join(", ", found)));
    }
  }

  private static void feed(List<Feed> feeds, Map<String, Integer> ports, Map<String, Path> spools, PrintStream err) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    Map<String, int[]> statuses = new TreeMap<>();
    Map<String, int[]> retries503 = new TreeMap<>();
    for (int i = 0; i < feeds.size(); i++) {
      Feed f = feeds.get(i);
      int status;
      try {
        if (f.spoolFile() != null) {
          Path target = spools.get(f.source()).resolve(f.spoolFile().getFileName());
          Path tmp = spools.get(f.source()).resolveSibling(f.spoolFile().getFileName() + ".incoming");
          Files.copy(f.spoolFile(), tmp, StandardCopyOption.REPLACE_EXISTING);
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE); // the spooling source needs whole files
          status = 200;
        } else {
          HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get(f.source()) + "/"))
              .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json; charset=UTF-8")
              .POST(HttpRequest.BodyPublishers.ofByteArray(f.payload())).build();
          status = postRetrying503(http, req, f.source(), retries503, err);
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
        + (c[1] > 0 ? ", " + c[1] + " refused whole (HTTP 400: malformed payload)" : "")
        + (retries503.containsKey(source) ? ", " + retries503.get(source)[0]
            + " resent after HTTP 503 (channel full: the agent pushed back while its sink caught up)" : "")));
  }

  /** How long one payload is resent while the source answers 503 (its channel is full). */
  static final Duration MAX_503_WAIT = Duration.ofMinutes(10);

  /**
   * Posts; while the source answers 503 (Flume's HTTP source when its channel is full: the sink is behind or HBase is
   * down), waits with exponential backoff (0.1 s doubling to 5 s) and sends again, for up to {@link #MAX_503_WAIT}.
   * Returns the final status (200, or 400 for a malformed payload).
   */
  static int postRetrying503(HttpClient http, HttpRequest req, String source, Map<String, int[]> retries,
      PrintStream err) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + MAX_503_WAIT.toNanos();
    long pauseMs = 100;
    boolean told = false;
    while (true) {
      int status = http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
      if (status != 503) {
        if (status != 200 && status != 400) {
          throw new CliException("source " + source + " answered HTTP " + status + " to a payload");
        }
        return status;
      }
      retries.computeIfAbsent(source, k -> new int[1])[0]++;
      if (!told) {
        err.println();
        err.println("  " + source + ": HTTP 503 (channel full): the agent pushes back while its sink catches up; "
            + "resending with backoff");
        told = true;
      }
      if (System.nanoTime() > deadline) {
        throw new CliException("source " + source + " answered HTTP 503 (channel full) for " + MAX_503_WAIT.toMinutes()
            + " minutes: the sink does not drain its channel; is HBase healthy?");
      }
      Thread.sleep(pauseMs);
      pauseMs = Math.min(5_000, pauseMs * 2);
    }
  }

  private static void progress(PrintStream err, int done, int total, String what) {
    int width = 30;
    int filled = (int) ((long) done * width / total);
    err.print(String.format("\r  feeding [%s%s] %d/%d %-20s", "#".repeat(filled), " ".repeat(width - filled), done,
        total, what));
    err.flush();
  }

  /**
   * Until every spooled file is consumed and, three polls in a row, every channel of the agents is empty with all its
   * puts taken and committed (a batch the sink rolled back is put back, so it is not counted as taken).
   */
  private static void awaitDrained(Plan plan, List<String> agents, AgentFile file, Map<String, Path> spools,
      PrintStream err) {
    List<String> channels = new ArrayList<>();
    Map<String, List<String>> sinksOf = new TreeMap<>();
    for (String a : agents) {
      channels.addAll(file.components(a, "channels"));
      for (String k : file.components(a, "sinks")) {
        String c = file.get(a + ".sinks." + k + ".channel");
        if (c != null) {
          sinksOf.computeIfAbsent(c, x -> new ArrayList<>()).add(k);
        }
      }
    }
    long deadline = System.nanoTime() + plan.drainTimeout().toNanos();
    int stable = 0;
    StringBuilder sizes = new StringBuilder();
    while (System.nanoTime() < deadline) {
      boolean drained = spools.values().stream().allMatch(AgentRun::allCompleted);
      Map<String, Map<String, String>> beans = JMXPollUtil.getAllMBeans();
      sizes.setLength(0);
      for (String c : channels) {
        Map<String, String> b = beans.get("CHANNEL." + c);
        if (b == null) {
          drained = false;
          continue;
        }
        String size = b.get("ChannelSize");
        drained &= "0".equals(size) && committed(b, sinksOf.getOrDefault(c, List.of()), beans);
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
    err.println();
    throw new CliException("the agents did not drain in " + plan.drainTimeout().toSeconds() + " s (channel sizes:"
        + sizes + ")" + failures(JMXPollUtil.getAllMBeans()) + "; the events stay in the channels of " + workDir(plan)
        + " and are delivered by the next run of this file into table " + plan.schema().tableName()
        + "; details in .eventstate/eventstate.log");
  }

  /**
   * Whether every event put into a channel was taken in a transaction that committed: the channel's sinks drained
   * (Flume counts {@code EventDrainSuccessCount} after the commit) at least as many events as were put. A take in an
   * open transaction empties the channel for a while, and a rolled-back take still counts as taken, so the
   * channel's own counters cannot say. A sink without counters (Flume's logger sink) falls back on the channel's.
   */
  private static boolean committed(Map<String, String> channel, List<String> sinks,
      Map<String, Map<String, String>> beans) {
    long puts = count(channel, "EventPutSuccessCount");
    long drained = 0;
    for (String k : sinks) {
      Map<String, String> s = beans.get("SINK." + k);
      if (s == null || !s.containsKey("EventDrainSuccessCount")) {
        return count(channel, "EventTakeSuccessCount") >= puts;
      }
      drained += count(s, "EventDrainSuccessCount");
    }
    return drained >= puts;
  }

  /** The non-zero failure counters of every component: why a channel does not drain. */
  private static String failures(Map<String, Map<String, String>> beans) {
    List<String> found = new ArrayList<>();
    new TreeMap<>(beans).forEach((component, counters) -> new TreeMap<>(counters).forEach((k, v) -> {
      String l = k.toLowerCase(java.util.Locale.ROOT);
      if ((l.contains("fail") || l.contains("error") || l.contains("unavailable")) && !v.equals("0")) {
        found.add(component + " " + k + "=" + v);
      }
    }));
    return found.isEmpty() ? "" : "; failing: " + String.join(", ", found);
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

  /**
   * The Avro files the agents' HDFS sinks landed under {@code root} (every run so far: the HDFS copy is at least once,
   * so a second run adds records, not event ids): records and distinct event ids per partition.
   */
  private static void landed(Path root, PrintStream out) {
    if (!Files.isDirectory(root)) {
      return;
    }
    Map<String, long[]> records = new TreeMap<>();
    Map<String, java.util.Set<String>> ids = new TreeMap<>();
    try (java.util.stream.Stream<Path> files = Files.walk(root)) {
      for (Path f : (Iterable<Path>) files.filter(x -> x.getFileName().toString().endsWith(".avro"))::iterator) {
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
    EntityQueryCommand.table(out, List.of("partition", "records", "event ids"), rows);
  }

  /** What the table holds (entities per state per machine, sessions, events, dead letters) and the agent's counters. */
  private static void summary(Connection c, Plan plan, Relocation.Result relocated, Path work, PrintStream out,
      long fedToDrainedNanos) {
    TableSchema schema = plan.schema();
    Map<String, Map<String, Integer>> perMachine = new TreeMap<>();
    Map<String, Long> sessions = new TreeMap<>();
    Map<String, Integer> entities = new TreeMap<>();
    long events = 0;
    long deadLetters = 0;
    long applied = 0;
    long tooLate = 0;
    byte[] family = StateColumns.utf8(StateColumns.STATE_FAMILY);
    try (Table t = c.getTable(TableName.valueOf(schema.tableName()));
         ResultScanner s = t.getScanner(new Scan())) {
      for (Result r : s) {
        RowKeyCodec.DecodedKey k = RowKeyCodec.decode(RowKeyCodec.fromBytes(r.getRow()));
        switch (k.kind()) {
          case DEAD_LETTER -> deadLetters++;
          case EVENT -> events++;
          case STATE -> {
            entities.merge(k.entityType(), 1, Integer::sum);
            byte[] e = r.getValue(family, StateColumns.utf8(StateColumns.EVENTS));
            applied += e != null && e.length == 8 ? StateColumns.toLong(e) : 0;
            byte[] late = r.getValue(family, StateColumns.utf8(StateColumns.TOO_LATE));
            tooLate += late != null && late.length == 8 ? StateColumns.toLong(late) : 0;
            Map<byte[], byte[]> fam = r.getFamilyMap(family);
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
      EntityQueryCommand.table(out, List.of("state", "entities"), rows);
    }
    sessions.forEach((name, n) -> out.println("== sessions " + name + ": " + n));
    Map<String, Map<String, String>> all = JMXPollUtil.getAllMBeans();
    out.println("== this run: dead letters " + all.getOrDefault("CHANNEL.deadletter", Map.of())
        .getOrDefault("EventPutSuccessCount", "0") + " (with their reason, " + deadLetterWhere(relocated.properties())
        + "), gated " + all.getOrDefault("CHANNEL.gated", Map.of()).getOrDefault("EventPutSuccessCount", "0")
        + ", refused whole at HTTP: see the feeding lines above");
    actions(relocated.properties(), applied, tooLate, all, out);
    speed(relocated.properties(), all, fedToDrainedNanos, out);
    landed(work.resolve(Relocation.HDFS_DIR), out);
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
    EntityQueryCommand.table(out, List.of("component", "counters (non-zero)"), rows);
  }

  /**
   * Where the dead letters of this run went: the directory of each sink draining a channel named {@code deadletter}
   * ({@code file_roll}'s {@code sink.directory}, an HDFS sink's {@code hdfs.path}), or the sink's type when it writes no
   * file (a logger); never a directory that was not written.
   */
  static String deadLetterWhere(Properties p) {
    List<String> where = new ArrayList<>();
    for (String k : new TreeMap<>(propertiesMap(p)).keySet()) {
      if (!k.matches("[^.]+\\.sinks\\.[^.]+\\.channel") || !p.getProperty(k).trim().equals("deadletter")) {
        continue;
      }
      String base = k.substring(0, k.length() - ".channel".length());
      String sink = base.substring(base.lastIndexOf('.') + 1);
      String type = p.getProperty(base + ".type", "").trim();
      String dir = p.getProperty(base + ".sink.directory");
      if (dir == null) {
        dir = p.getProperty(base + ".hdfs.path");
      }
      if (dir == null) {
        dir = p.getProperty(base + ".directory");
      }
      where.add(dir != null ? "in " + dir.trim() : "to sink " + sink + " (" + type + ", no file)");
    }
    return where.isEmpty() ? "no sink drains a deadletter channel" : String.join(", ", where);
  }

  private static Map<String, String> propertiesMap(Properties p) {
    Map<String, String> m = new TreeMap<>();
    for (String k : p.stringPropertyNames()) {
      m.put(k, p.getProperty(k));
    }
    return m;
  }

  /**
   * The speed of this run: the events the {@code EventSink}s committed, from the first event fed to the last one
   * drained (HBase's start-up and the summary excluded; the drain check polls every few hundred milliseconds).
   */
  private static void speed(Properties p, Map<String, Map<String, String>> all, long fedToDrainedNanos,
      PrintStream out) {
    long delivered = 0;
    for (String k : p.stringPropertyNames()) {
      if (k.matches("[^.]+\\.sinks\\.[^.]+\\.type") && EVENT_SINK.equals(p.getProperty(k).trim())) {
        String sink = k.substring(k.indexOf(".sinks.") + ".sinks.".length(), k.length() - ".type".length());
        String n = all.getOrDefault("SINK." + sink, Map.of()).getOrDefault("EventDrainSuccessCount", "0");
        delivered += Long.parseLong(n.trim());
      }
    }
    double seconds = fedToDrainedNanos / 1e9;
    out.println(String.format(java.util.Locale.ROOT, "== speed: %,d events written to HBase in %.1f s, fed to drained:"
        + " %,.0f events/s", delivered, seconds, seconds > 0 ? delivered / seconds : 0.0));
  }

  /** The four actions of this run: decorations, routing and gating, exact counters, notifications. */
  private static void actions(Properties p, long applied, long tooLate, Map<String, Map<String, String>> all,
      PrintStream out) {
    List<String> decorations = new ArrayList<>();
    List<String> routing = new ArrayList<>();
    List<String> notified = new ArrayList<>();
    Map<String, String> interceptors = new TreeMap<>(); // counter group -> type
    Map<String, String> senders = new TreeMap<>();
    List<String> landings = new ArrayList<>();
    List<String> receivers = new ArrayList<>();
    for (String k : p.stringPropertyNames()) {
      String v = p.getProperty(k).trim();
      if (k.matches("[^.]+\\.sources\\.[^.]+\\.interceptors\\.[^.]+\\.type")
          && (v.equals(LOOKUP) || v.equals(STATE_DECORATOR) || v.equals(TAGGING))) {
        String base = k.substring(0, k.length() - ".type".length());
        String name = p.getProperty(base + ".name", v.equals(LOOKUP) ? "lookup" : v.equals(TAGGING) ? "tagging"
            : "state").trim();
        interceptors.put(name, v);
      } else if (k.matches("[^.]+\\.sinks\\.[^.]+\\.type") && v.equals(EVENT_SINK)
          && p.getProperty(k.replace(".type", ".notify.hostname")) != null) {
        senders.put(k.split("\\.")[2] + "-notify", k);
      } else if (k.matches("[^.]+\\.sinks\\.[^.]+\\.type") && v.equals(NOTIFICATION_SINK)) {
        landings.add(k.split("\\.")[2]);
      } else if (k.matches("[^.]+\\.sources\\.[^.]+\\.type") && v.equalsIgnoreCase("avro")) {
        receivers.add(k.split("\\.")[0] + "." + k.split("\\.")[2]);
      }
    }
    interceptors.forEach((name, type) -> {
      Map<String, String> c = all.getOrDefault("INTERCEPTOR." + name, Map.of());
      if (type.equals(TAGGING)) {
        routing.add(name + ": " + nz(c, "events.routed", "routed") + ", " + nz(c, "events.gated", "gated") + ", "
            + nz(c, "events.dropped", "dropped"));
      } else {
        decorations.add(name + ": " + nz(c, "events.decorated", "decorated")
            + (type.equals(LOOKUP) ? ", " + nz(c, "events.missed", "missed")
            : ", " + nz(c, "events.nostate", "no state yet") + ", " + nz(c, "events.unavailable", "unavailable")));
      }
    });
    senders.forEach((group, key) -> {
      Map<String, String> c = all.getOrDefault("SINK." + group, Map.of());
      notified.add("sent by " + key.split("\\.")[2] + ": " + nz(c, "sent", "sent") + " ("
          + nz(c, "transitions", "transitions") + ", " + nz(c, "rules", "rules") + "), "
          + nz(c, "sendFailures", "failed sends"));
    });
    for (String r : receivers) {
      notified.add("received by " + r + ": " + nz(all.getOrDefault("SOURCE." + r.split("\\.")[1], Map.of()),
          "EventAcceptedCount", "events"));
    }
    for (String l : landings) {
      Map<String, String> c = all.getOrDefault("SINK." + l + "-landed", Map.of());
      notified.add("arrived at " + l + ": " + nz(c, "notifications.stored", "new") + ", "
          + nz(c, "notifications.duplicates", "duplicates dropped") + ", " + nz(c, "notifications.total",
          "stored in all"));
    }
    out.println("== actions");
    out.println("  decorated:  " + (decorations.isEmpty() ? "no decorating interceptor" : String.join("; ", decorations)));
    out.println("  routed:     " + (routing.isEmpty() ? "no tagging interceptor" : String.join("; ", routing)));
    out.println("  counters:   " + applied + " events applied to entity state, " + tooLate + " too late (exact: each"
        + " event id once)");
    out.println("  notified:   " + (notified.isEmpty() ? "no sink sends notifications" : String.join("; ", notified)));
  }

  private static String nz(Map<String, String> counters, String key, String label) {
    return counters.getOrDefault(key, "0") + " " + label;
  }

  static String seconds(long t0) {
    return String.format("%.1f s", (System.nanoTime() - t0) / 1e9);
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
