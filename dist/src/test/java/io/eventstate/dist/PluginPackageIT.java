package io.eventstate.dist;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.rowkey.EventRowCodec;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.rowkey.TableSchema;
import io.eventstate.core.state.StateColumns;
import io.eventstate.flume.sink.SchemaTool;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.apache.hadoop.hbase.Cell;
import org.apache.hadoop.hbase.CellUtil;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.ResultScanner;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.util.Bytes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import io.eventstate.testing.SharedMiniCluster;
import io.eventstate.core.config.Locations;

/**
 * R16: the packaged plugin in a real Flume layout, run by Flume's own {@code Application} main class in a
 * forked JVM on exactly the class path {@code bin/flume-ng} builds, writes events into HBase through our
 * interceptors and {@code EventSink} without any LinkageError. R14: kill -9 of that agent with events in its
 * file channel loses nothing and duplicates nothing.
 */
@ExtendWith(SharedMiniCluster.class)
class PluginPackageIT {

  private static final List<String> LINKAGE_PROBLEMS = List.of("LinkageError", "NoClassDefFoundError",
      "NoSuchMethodError", "NoSuchFieldError", "ClassNotFoundException", "IncompatibleClassChangeError",
      "AbstractMethodError", "ClassCastException");

  @TempDir
  static Path flumeHome;

  private static ForkedFlume flume;
  private static Connection connection;
  private static org.apache.hadoop.hdfs.MiniDFSCluster dfs;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void install() throws Exception {
    flume = ForkedFlume.install(flumeHome, Path.of(System.getProperty("eventstate.flume.lib")),
        Path.of(System.getProperty("eventstate.plugin.tarball")));
    connection = ConnectionFactory.createConnection(SharedMiniCluster.util().getConfiguration());
    org.apache.hadoop.conf.Configuration dfsConf = new org.apache.hadoop.conf.Configuration();
    dfsConf.set(org.apache.hadoop.hdfs.MiniDFSCluster.HDFS_MINIDFS_BASEDIR, flumeHome.resolve("dfs").toString());
    dfs = new org.apache.hadoop.hdfs.MiniDFSCluster.Builder(dfsConf).numDataNodes(1).build();
    dfs.waitActive();
  }

  @AfterAll
  static void close() throws IOException {
    if (connection != null) {
      connection.close();
    }
    if (dfs != null) {
      dfs.shutdown();
    }
  }

  @AfterEach
  void stopAgent() throws InterruptedException {
    flume.stop();
  }

  @Test
  void theTarballHasThePluginsDLayoutAndNothingFlumesLibHas() throws IOException {
    Path plugin = flumeHome.resolve("plugins.d/eventstate");
    List<String> lib = names(plugin.resolve("lib"));
    assertEquals(1, lib.size(), lib.toString());
    assertTrue(lib.get(0).startsWith("eventstate-flume-plugin-"), lib.toString());
    // Jackson is relocated inside it: Flume's lib (first on the class path) has Jackson 2.12.5.
    try (JarFile j = new JarFile(plugin.resolve("lib").resolve(lib.get(0)).toFile())) {
      assertTrue(j.getEntry("io/eventstate/core/json/JsonNormalizer.class") != null, "core inside");
      assertTrue(j.getEntry("io/eventstate/flume/sink/EventSink.class") != null, "sinks inside");
      assertTrue(j.getEntry("io/eventstate/shaded/jackson/core/JsonFactory.class") != null, "Jackson relocated");
      assertTrue(j.stream().noneMatch(e -> e.getName().startsWith("com/fasterxml/")), "no unrelocated Jackson");
    }
    List<String> libext = names(plugin.resolve("libext"));
    assertTrue(libext.stream().anyMatch(n -> n.startsWith("hbase-client-")), libext.toString());
    // No artifact of Flume's lib is shipped again, in any version: compare Maven coordinates, not file names.
    Map<String, String> flumeArtifacts = artifacts(flumeHome.resolve("lib"));
    Map<String, String> ours = artifacts(plugin.resolve("libext"));
    ours.putAll(artifacts(plugin.resolve("lib")));
    for (Map.Entry<String, String> a : ours.entrySet()) {
      assertFalse(flumeArtifacts.containsKey(a.getKey()), a.getKey() + " is both in Flume's lib and in the plugin ("
          + a.getValue() + ")");
    }
    assertFalse(libext.stream().anyMatch(n -> n.startsWith("slf4j-reload4j") || n.startsWith("log4j-slf4j")
        || n.startsWith("logback-classic") || n.startsWith("slf4j-log4j12")), "a second SLF4J binding: " + libext);
    assertTrue(Files.readString(plugin.resolve("CLASSPATH.txt")).contains("org.apache.zookeeper:zookeeper"));
  }

  @Test
  void aForkedAgentOnThePluginsDClassPathWritesEventsToHBase() throws Exception {
    TableName table = TableName.valueOf("dist_r16");
    createTable(table);
    int httpPort = ForkedFlume.freePort();
    int monitoringPort = ForkedFlume.freePort();
    Path props = agentProperties("r16", table, httpPort);
    flume.start("a1", props, monitoringPort);

    List<Map<String, String>> sent = events("r16", 12, 10);
    post(httpPort, sent);

    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(300))
        .until(() -> eventRows(table).size() == sent.size());
    assertStored(table, sent);
    String metrics = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .until(() -> metrics(monitoringPort), m -> m.contains("\"EventDrainSuccessCount\":\"" + sent.size() + "\""));
    assertTrue(metrics.contains("INTERCEPTOR.dist-tagging"), metrics);
    assertNoLinkageProblem();
  }

  @Test
  void killMinus9WithEventsInTheFileChannelLosesAndDuplicatesNothing() throws Exception {
    TableName table = TableName.valueOf("dist_r14");
    int httpPort = ForkedFlume.freePort();
    String hdfsDir = "/r14/events";
    Path props = agentProperties("r14", table, httpPort, 5, dfs.getFileSystem().getUri() + hdfsDir
        + "/entity_type=%{es.entityType}/dt=%Y-%m-%d");
    // The table does not exist yet: the sink refuses to start and takes nothing, the source keeps accepting
    // into the file channel.
    flume.start("a1", props, ForkedFlume.freePort());
    List<Map<String, String>> sent = events("r14", 40, 25);
    post(httpPort, sent);
    flume.kill9();
    assertFalse(flume.alive());

    createStateTable(table);
    flume.start("a1", props, ForkedFlume.freePort());
    // Kill it again while it drains: batches of 5 make the drain of 1,000 events take many round trips, and the kill
    // comes as soon as the first rows are there.
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50))
        .until(() -> !eventRows(table).isEmpty());
    flume.kill9();
    assertFalse(flume.alive());
    int atSecondKill = eventRows(table).size();
    assertTrue(atSecondKill > 0 && atSecondKill < sent.size(), "killed while draining: " + atSecondKill + " of "
        + sent.size() + " events were stored");
    await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);
    assertEquals(atSecondKill, eventRows(table).size(), "nothing more is written once the agent is dead");

    int lastMonitoringPort = ForkedFlume.freePort();
    flume.start("a1", props, lastMonitoringPort);
    await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(300))
        .until(() -> eventRows(table).size() >= sent.size());
    assertStored(table, sent);
    // In effect exactly once: the coprocessor applied every event id once, although the killed agent's
    // transactions were redelivered (25 events per entity).
    try (Table t = connection.getTable(table); ResultScanner s = t.getScanner(new Scan())) {
      int entities = 0;
      for (Result r : s) {
        if (Bytes.toString(r.getRow()).endsWith(RowKeyCodec.STATE_SUFFIX)) {
          entities++;
          byte[] events = r.getValue(Bytes.toBytes(TableSchema.FAMILY_STATE), Bytes.toBytes("events"));
          assertTrue(events != null && events.length == 8, Bytes.toString(r.getRow()));
          assertEquals(25L, Bytes.toLong(events), "events applied to " + Bytes.toString(r.getRow()));
        }
      }
      assertEquals(40, entities);
    }
    // The HDFS copy after two kill -9: nothing lost, duplicates allowed (one copy per event id is what the queries
    // keep). The files the killed agents had open keep their .tmp name and their HDFS lease: readers get "Cannot
    // obtain block length" until the lease is recovered, by the NameNode after its hard limit or by an operator
    // (hdfs debug recoverLease -path FILE), as here once the last agent has closed its own files.
    // the HDFS copy drains its own channel at its own pace: wait until that channel is empty too
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
      var t = new com.fasterxml.jackson.databind.ObjectMapper().readTree(metrics(lastMonitoringPort));
      return t.path("CHANNEL.copy").path("ChannelSize").asLong(-1) == 0;
    });
    flume.stop();
    org.apache.hadoop.hdfs.DistributedFileSystem hdfs = dfs.getFileSystem();
    var files = hdfs.listFiles(new org.apache.hadoop.fs.Path(hdfsDir), true);
    int orphans = 0;
    while (files.hasNext()) {
      org.apache.hadoop.fs.Path f = files.next().getPath();
      if (f.getName().endsWith(".tmp")) {
        orphans++;
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> hdfs.recoverLease(f));
      }
    }
    java.util.Set<String> sentIds = new java.util.TreeSet<>();
    sent.forEach(h -> sentIds.add(h.get("es.eventId")));
    long[] records = new long[1];
    assertEquals(sentIds, landedIds(hdfsDir, records));
    System.out.printf("R14 HDFS copy: %d files left open by the killed agents%n", orphans);
    System.out.printf("R14 HDFS copy: %d records for %d events after two kill -9%n", records[0], sentIds.size());
    assertTrue(records[0] >= sentIds.size());
    assertNoLinkageProblem();
  }

  /** Event ids in every Avro file under dir on the MiniDFSCluster, open (.tmp) files included; counts records. */
  private static java.util.Set<String> landedIds(String dir, long[] records) throws IOException {
    java.util.Set<String> ids = new java.util.TreeSet<>();
    records[0] = 0;
    org.apache.hadoop.fs.FileSystem fs = dfs.getFileSystem();
    if (!fs.exists(new org.apache.hadoop.fs.Path(dir))) {
      return ids;
    }
    var it = fs.listFiles(new org.apache.hadoop.fs.Path(dir), true);
    while (it.hasNext()) {
      org.apache.hadoop.fs.LocatedFileStatus st = it.next();
      org.apache.hadoop.fs.Path f = st.getPath();
      if (st.getLen() == 0) {
        continue; // created by a killed agent before its first flush: it holds no committed event
      }
      try (org.apache.avro.file.DataFileStream<org.apache.avro.generic.GenericRecord> in =
          new org.apache.avro.file.DataFileStream<>(fs.open(f), new org.apache.avro.generic.GenericDatumReader<>())) {
        for (org.apache.avro.generic.GenericRecord r : in) {
          ids.add(r.get("event_id").toString());
          records[0]++;
        }
      }
    }
    return ids;
  }

  @Test
  void theShippedExampleAgentRunsFromThePluginIntoATableWithTheStateCoprocessor() throws Exception {
    TableName table = TableName.valueOf("dist_shipped");
    Path conf = repo().resolve("conf");
    createStateTable(table);

    // conf/flume/eventstate.properties as shipped, with free ports, temporary directories and the mini cluster.
    java.util.Properties props = new java.util.Properties();
    try (java.io.Reader r = Files.newBufferedReader(conf.resolve("flume/eventstate.properties"), StandardCharsets.UTF_8)) {
      props.load(r);
    }
    Path dir = Files.createDirectories(flumeHome.resolve("runs/shipped"));
    Map<String, Integer> ports = new TreeMap<>();
    for (String k : props.stringPropertyNames()) {
      if (k.startsWith("a1.sources.") && k.endsWith(".port")) {
        int port = ForkedFlume.freePort();
        ports.put(k.split("\\.")[2], port);
        props.setProperty(k, Integer.toString(port));
      } else if (k.endsWith(".checkpointDir") || k.endsWith(".dataDirs") || k.endsWith(".sink.directory")) {
        props.setProperty(k, Files.createDirectories(dir.resolve(k)).toString());
      } else if (k.endsWith(".mapping.file")) {
        // the shipped file's paths are relative to the installation root; the forked agent runs in the Flume home
        props.setProperty(k, repo().resolve(props.getProperty(k).trim()).toString());
      }
    }
    props.setProperty("a1.sinks.hbase.table", table.getNameAsString());
    props.setProperty("a1.sinks.hbase.zookeeperQuorum", "127.0.0.1");
    props.setProperty("a1.sinks.hbase.hbase.zookeeper.property.clientPort", Integer.toString(SharedMiniCluster.zkPort()));
    // Both HDFS sinks run from the plugin's jars: valid events to a MiniDFSCluster (hdfs://), dead letters to the
    // local file system (file://).
    String nn = dfs.getFileSystem().getUri().toString();
    props.setProperty("a1.sinks.hdfs.hdfs.path", nn + "/eventstate/events/entity_type=%{es.entityType}/dt=%Y-%m-%d");
    Path deadDir = dir.resolve("deadletter");
    props.setProperty("a1.sinks.deadletter_files.hdfs.path",
        deadDir.toUri().toString().replaceAll("/$", "") + "/dt=%Y-%m-%d");
    props.setProperty("a1.sinks.hdfs.hdfs.deadLetterPath",
        deadDir.toUri().toString().replaceAll("/$", "") + "/dt=%Y-%m-%d");
    runShippedAgent(table, props, ports, dir, dfs, deadDir);
  }

  private void runShippedAgent(TableName table, java.util.Properties props, Map<String, Integer> ports, Path dir,
      org.apache.hadoop.hdfs.MiniDFSCluster dfs, Path deadDir) throws Exception {
    Path file = dir.resolve("eventstate.properties");
    try (java.io.Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      props.store(w, "conf/flume/eventstate.properties for PluginPackageIT");
    }
    int monitoringPort = ForkedFlume.freePort();
    flume.start("a1", file, monitoringPort);

    Path data = repo().resolveSibling("shared").resolve("data");
    postRaw(ports.get("talk"), Files.readString(data.resolve("seed/events.jsonl"), StandardCharsets.UTF_8));
    postRaw(ports.get("easypost_trackers"),
        Files.readString(data.resolve("real/easypost/extracted/trackers.jsonl"), StandardCharsets.UTF_8));

    // Drained: everything put into the events channel was taken by the sink and committed.
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
      String m = metrics(monitoringPort);
      if (m.isEmpty()) {
        return false;
      }
      var tree = json.readTree(m);
      long put = tree.path("CHANNEL.events").path("EventPutSuccessCount").asLong(-1);
      long drained = tree.path("SINK.hbase").path("EventDrainSuccessCount").asLong(-2);
      return put > 0 && put == drained;
    });
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
      var t = json.readTree(metrics(monitoringPort));
      long put = t.path("CHANNEL.events_hdfs").path("EventPutSuccessCount").asLong(-1);
      long deadPut = t.path("CHANNEL.deadletter").path("EventPutSuccessCount").asLong(0);
      return put > 0 && put == t.path("SINK.hdfs").path("EventDrainSuccessCount").asLong(-2)
          && deadPut == t.path("SINK.deadletter_files").path("EventDrainSuccessCount").asLong(0);
    });
    var tree = json.readTree(metrics(monitoringPort));
    long drained = tree.path("SINK.hbase").path("EventDrainSuccessCount").asLong();
    long hdfsDrained = tree.path("SINK.hdfs").path("EventDrainSuccessCount").asLong();
    long deadLetters = tree.path("CHANNEL.deadletter").path("EventPutSuccessCount").asLong(0);
    assertEquals(drained, hdfsDrained, "the HDFS copy got the events HBase got");
    Map<String, Result> rows = eventRows(table);
    flume.stop(); // closes the open files
    reportLibextUse();
    assertLanded(dfs, rows, hdfsDrained);
    assertDeadLetters(deadDir, deadLetters);
    // Redelivered tracker scans share their deterministic row: never more rows than events drained.
    assertTrue(!rows.isEmpty() && rows.size() <= drained, rows.size() + " rows for " + drained + " events");
    assertTrue(rows.keySet().stream().anyMatch(k -> k.contains(":user:")), "the talk's user events");
    int packages = 0;
    try (Table t = connection.getTable(table); ResultScanner s = t.getScanner(new Scan())) {
      for (Result r : s) {
        String key = Bytes.toString(r.getRow());
        if (key.contains(":package:") && key.endsWith(RowKeyCodec.STATE_SUFFIX)) {
          packages++;
          byte[] state = r.getValue(Bytes.toBytes(TableSchema.FAMILY_STATE), Bytes.toBytes("m.package.state"));
          assertTrue(state != null && state.length > 0, "package state written by the coprocessor on " + key);
        }
      }
    }
    assertTrue(packages > 0, "package state rows");
    System.out.printf("shipped agent: %d events drained, %d event rows, %d package states%n", drained, rows.size(),
        packages);
    assertNoLinkageProblem();
  }

  /**
   * The Avro files on HDFS: every record equals its HBase event row (id, entity, type, exact nanoseconds, every
   * attribute), each partition holds only its entity type and event day, and the ids are HBase's, id for id.
   */
  private static void assertLanded(org.apache.hadoop.hdfs.MiniDFSCluster dfs, Map<String, Result> rows, long events)
      throws IOException {
    Map<String, Result> byId = new TreeMap<>();
    rows.values().forEach(r -> byId.put(text(r, EventRowCodec.Q_EVENT_ID), r));
    org.apache.hadoop.fs.FileSystem fs = dfs.getFileSystem();
    var it = fs.listFiles(new org.apache.hadoop.fs.Path("/eventstate/events"), true);
    java.util.Set<String> ids = new java.util.TreeSet<>();
    long records = 0;
    while (it.hasNext()) {
      org.apache.hadoop.fs.Path f = it.next().getPath();
      assertFalse(f.getName().endsWith(".tmp"), "still open after the agent stopped: " + f);
      String partition = f.getParent().getParent().getName() + "/" + f.getParent().getName();
      try (org.apache.avro.file.DataFileStream<org.apache.avro.generic.GenericRecord> in =
          new org.apache.avro.file.DataFileStream<>(fs.open(f), new org.apache.avro.generic.GenericDatumReader<>())) {
        for (org.apache.avro.generic.GenericRecord a : in) {
          records++;
          String id = a.get("event_id").toString();
          Result r = byId.get(id);
          assertTrue(r != null, "landed on HDFS but not in HBase: " + id);
          long ns = Long.parseLong(text(r, EventRowCodec.Q_TIME_NS));
          assertEquals(ns, a.get("event_time_ns"), id);
          assertEquals(text(r, EventRowCodec.Q_ENTITY_TYPE), a.get("entity_type").toString(), id);
          assertEquals(text(r, EventRowCodec.Q_ENTITY_ID), a.get("entity_id").toString(), id);
          assertEquals(text(r, EventRowCodec.Q_EVENT_TYPE), a.get("event_type").toString(), id);
          String day = java.time.Instant.ofEpochSecond(Math.floorDiv(ns, 1_000_000_000L)).atZone(java.time.ZoneOffset.UTC)
              .toLocalDate().toString();
          assertEquals("entity_type=" + a.get("entity_type") + "/dt=" + day, partition, id);
          Map<String, String> attrs = new TreeMap<>();
          ((Map<?, ?>) a.get("attributes")).forEach((k, v) -> attrs.put(k.toString(), v.toString()));
          Map<String, String> cells = new TreeMap<>();
          for (Cell c : r.rawCells()) {
            String q = Bytes.toString(CellUtil.cloneQualifier(c));
            if (Bytes.toString(CellUtil.cloneFamily(c)).equals(TableSchema.FAMILY_EVENT)
                && q.startsWith(EventRowCodec.Q_ATTRIBUTE_PREFIX)) {
              cells.put(q.substring(EventRowCodec.Q_ATTRIBUTE_PREFIX.length()), Bytes.toString(CellUtil.cloneValue(c)));
            }
          }
          assertEquals(cells, attrs, id);
          ids.add(id);
        }
      }
    }
    assertEquals(byId.keySet(), ids, "the HDFS copy equals the HBase event rows, id for id");
    assertEquals(events, records, "one record per event the HDFS sink drained");
    System.out.printf("shipped agent: %d records on HDFS, %d distinct ids%n", records, ids.size());
  }

  /** The dead letters on the local file system: Flume's avro_event records, reason header included. */
  private static void assertDeadLetters(Path dir, long expected) throws IOException {
    long n = 0;
    if (Files.isDirectory(dir)) {
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path f : (Iterable<Path>) s.filter(p -> p.getFileName().toString().endsWith(".avro"))::iterator) {
          assertTrue(f.getParent().getFileName().toString().matches("dt=\\d{4}-\\d{2}-\\d{2}"), f.toString());
          try (org.apache.avro.file.DataFileStream<org.apache.avro.generic.GenericRecord> in =
              new org.apache.avro.file.DataFileStream<>(Files.newInputStream(f),
                  new org.apache.avro.generic.GenericDatumReader<>())) {
            for (org.apache.avro.generic.GenericRecord r : in) {
              assertTrue(((Map<?, ?>) r.get("headers")).keySet().stream().anyMatch(k -> k.toString().equals("es.reason")));
              n++;
            }
          }
        }
      }
    }
    assertEquals(expected, n, "dead letters in their own partition on the local file system");
  }

  /**
   * Writes target/libext-use.txt: for every jar of libext, how many classes the forked agents of this class loaded
   * from it (the shipped agent runs last: HTTP and spooling sources, interceptors, EventSink, both HDFS sinks).
   */
  private static void reportLibextUse() throws IOException {
    Map<String, Integer> loaded = flume.classesLoadedPerJar();
    StringBuilder sb = new StringBuilder("classes loaded per libext jar by the forked agents of PluginPackageIT\n");
    int unused = 0;
    for (String jar : names(flumeHome.resolve("plugins.d/eventstate/libext"))) {
      int n = loaded.getOrDefault(jar, 0);
      unused += n == 0 ? 1 : 0;
      sb.append(String.format("%6d  %s%n", n, jar));
    }
    sb.append(unused).append(" jars with no class loaded\n");
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target/libext-use.txt"), sb.toString(), StandardCharsets.UTF_8);
    System.out.print(sb);
  }

  /** The schema tool's table plus the state coprocessor with every definition of conf/machines. */
  private static void createStateTable(TableName table) throws IOException {
    try (Admin admin = connection.getAdmin()) {
      SchemaTool.createWithState(admin, new TableSchema(table.getNameAsString(), 4),
          SchemaTool.stateProperties(repo().resolve("conf/machines")));
    }
  }

  private static Path repo() {
    return Locations.repositoryRoot();
  }

  private void postRaw(int port, String body) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
        .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json; charset=UTF-8")
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
    int status = await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
        .until(() -> http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode(), c -> c > 0);
    assertEquals(200, status, "POST to port " + port);
  }

  // ---------------------------------------------------------------------------------------------------------

  private static void createTable(TableName table) throws IOException {
    try (Admin admin = connection.getAdmin()) {
      SchemaTool.create(admin, new TableSchema(table.getNameAsString(), 4));
    }
  }

  private Path agentProperties(String name, TableName table, int httpPort) throws IOException {
    return agentProperties(name, table, httpPort, 20, null);
  }

  /** With {@code hdfsPath}, a second file channel and Flume's HDFS sink with our Avro serializer get every event. */
  private Path agentProperties(String name, TableName table, int httpPort, int batchSize, String hdfsPath)
      throws IOException {
    Path dir = Files.createDirectories(flumeHome.resolve("runs").resolve(name));
    String hdfs = hdfsPath == null ? "" : String.join("\n",
        "a1.channels.copy.type = file",
        "a1.channels.copy.checkpointDir = " + dir.resolve("copy-checkpoint"),
        "a1.channels.copy.dataDirs = " + dir.resolve("copy-data"),
        "a1.sinks.hdfs.type = hdfs",
        "a1.sinks.hdfs.channel = copy",
        "a1.sinks.hdfs.hdfs.path = " + hdfsPath,
        "a1.sinks.hdfs.hdfs.timeZone = UTC",
        "a1.sinks.hdfs.hdfs.fileType = DataStream",
        "a1.sinks.hdfs.hdfs.fileSuffix = .avro",
        "a1.sinks.hdfs.serializer = io.eventstate.flume.sink.EventAvroSerializer$Builder",
        "a1.sinks.hdfs.hdfs.rollInterval = 0",
        "a1.sinks.hdfs.hdfs.rollSize = 0",
        "a1.sinks.hdfs.hdfs.rollCount = 0",
        "a1.sinks.hdfs.hdfs.batchSize = 20",
        "");
    String text = hdfs + String.join("\n",
        "a1.sources = http",
        "a1.channels = valid" + (hdfsPath == null ? "" : " copy"),
        "a1.sinks = hbase" + (hdfsPath == null ? "" : " hdfs"),
        "a1.sources.http.type = http",
        "a1.sources.http.bind = 127.0.0.1",
        "a1.sources.http.port = " + httpPort,
        "a1.sources.http.handler = org.apache.flume.source.http.JSONHandler",
        "a1.sources.http.channels = valid" + (hdfsPath == null ? "" : " copy"),
        "a1.sources.http.interceptors = tag",
        "a1.sources.http.interceptors.tag.type = io.eventstate.flume.interceptor.TaggingInterceptor$Builder",
        "a1.sources.http.interceptors.tag.name = dist-tagging",
        "a1.sources.http.interceptors.tag.rules = big",
        "a1.sources.http.interceptors.tag.rules.big.if = attr.weight > 10",
        "a1.sources.http.interceptors.tag.rules.big.tag = heavy",
        "a1.channels.valid.type = file",
        "a1.channels.valid.checkpointDir = " + dir.resolve("checkpoint"),
        "a1.channels.valid.dataDirs = " + dir.resolve("data"),
        "a1.sinks.hbase.type = io.eventstate.flume.sink.EventSink",
        "a1.sinks.hbase.channel = valid",
        "a1.sinks.hbase.table = " + table.getNameAsString(),
        "a1.sinks.hbase.batchSize = " + batchSize,
        "a1.sinks.hbase.timeoutMs = 20000",
        "a1.sinks.hbase.zookeeperQuorum = 127.0.0.1",
        "a1.sinks.hbase.hbase.zookeeper.property.clientPort = " + SharedMiniCluster.zkPort(),
        "");
    Path p = dir.resolve("agent.properties");
    Files.writeString(p, text, StandardCharsets.UTF_8);
    return p;
  }

  /** Canonical headers as the normalizing interceptor sets them; the body is the raw JSON. */
  private static List<Map<String, String>> events(String prefix, int entities, int perEntity) {
    List<Map<String, String>> out = new ArrayList<>();
    long base = 1_700_000_000_123_456_789L;
    for (int e = 0; e < entities; e++) {
      for (int i = 0; i < perEntity; i++) {
        Map<String, String> h = new TreeMap<>();
        h.put("es.eventId", prefix + "-" + e + "-" + i);
        h.put("es.entityType", "package");
        h.put("es.entityId", prefix.toUpperCase() + "|PK " + e);
        h.put("es.eventType", i == 0 ? "created" : "scanned");
        long t = base + e * 1_000_000_000L + i * 7_000_001L;
        h.put("es.eventTime", Long.toString(t));
        h.put("es.timeSource", "event");
        h.put("timestamp", Long.toString(t / 1_000_000));
        h.put("es.attr.weight", Integer.toString(i * 3));
        h.put("es.status", "valid");
        out.add(h);
      }
    }
    return out;
  }

  private static String body(Map<String, String> h) {
    return "{\"id\":\"" + h.get("es.eventId") + "\",\"weight\":" + h.get("es.attr.weight") + "}";
  }

  private void post(int port, List<Map<String, String>> events) throws Exception {
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
        .until(() -> send(port, events.subList(0, 1)) == 200);
    for (int from = 1; from < events.size(); from += 50) {
      List<Map<String, String>> chunk = events.subList(from, Math.min(events.size(), from + 50));
      assertEquals(200, send(port, chunk));
    }
  }

  private int send(int port, List<Map<String, String>> events) throws Exception {
    StringBuilder sb = new StringBuilder("[");
    for (Map<String, String> h : events) {
      sb.append(sb.length() > 1 ? "," : "").append("{\"headers\":{");
      boolean first = true;
      for (Map.Entry<String, String> e : h.entrySet()) {
        sb.append(first ? "" : ",").append(json(e.getKey())).append(':').append(json(e.getValue()));
        first = false;
      }
      sb.append("},\"body\":").append(json(body(h))).append('}');
    }
    sb.append(']');
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json; charset=UTF-8")
        .POST(HttpRequest.BodyPublishers.ofString(sb.toString(), StandardCharsets.UTF_8)).build();
    return http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private String metrics(int port) {
    try {
      HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
          .timeout(Duration.ofSeconds(5)).GET().build();
      return http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)).body();
    } catch (Exception e) {
      return "";
    }
  }

  private static String json(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** Event rows: row key to the {@code e:event_id} cell. */
  private static Map<String, Result> eventRows(TableName name) throws IOException {
    Map<String, Result> rows = new TreeMap<>();
    if (!connection.getAdmin().tableExists(name)) {
      return rows;
    }
    try (Table t = connection.getTable(name); ResultScanner s = t.getScanner(new Scan())) {
      for (Result r : s) {
        String key = Bytes.toString(r.getRow());
        if (RowKeyCodec.decode(key).kind() == RowKeyCodec.Kind.EVENT) {
          rows.put(key, r);
        }
      }
    }
    return rows;
  }

  /** Invariants 1 and 2 (for what the sink writes): one row per sent id, exact cells, state touches. */
  private static void assertStored(TableName name, List<Map<String, String>> sent) throws IOException {
    Map<String, Result> rows = eventRows(name);
    assertEquals(sent.size(), rows.size(), "event rows");
    Map<String, Long> newestPerEntity = new HashMap<>();
    for (Map<String, String> h : sent) {
      long t = Long.parseLong(h.get("es.eventTime"));
      String key = RowKeyCodec.eventRowKey(h.get("es.entityType"), h.get("es.entityId"), t, h.get("es.eventId"));
      Result r = rows.get(key);
      assertTrue(r != null, "missing " + key);
      assertEquals(h.get("es.eventId"), text(r, EventRowCodec.Q_EVENT_ID));
      assertEquals(h.get("es.entityId"), text(r, EventRowCodec.Q_ENTITY_ID));
      assertEquals(Long.toString(t), text(r, EventRowCodec.Q_TIME_NS));
      assertEquals(body(h), text(r, EventRowCodec.Q_BODY));
      boolean heavy = Integer.parseInt(h.get("es.attr.weight")) > 10;
      assertEquals(heavy ? "heavy" : null, text(r, EventRowCodec.Q_TAGS), key);
      for (Cell c : r.rawCells()) {
        assertEquals(EventRowCodec.cellTimestamp(t), c.getTimestamp(), "cell timestamp of " + key);
      }
      newestPerEntity.merge(RowKeyCodec.stateRowKey(h.get("es.entityType"), h.get("es.entityId")), t, Math::max);
    }
    try (Table t = connection.getTable(name)) {
      for (Map.Entry<String, Long> e : newestPerEntity.entrySet()) {
        Result r = t.get(new org.apache.hadoop.hbase.client.Get(Bytes.toBytes(e.getKey())));
        byte[] touch = r.getValue(Bytes.toBytes(TableSchema.FAMILY_STATE), Bytes.toBytes(EventRowCodec.Q_TOUCH));
        byte[] lastNs = r.getValue(Bytes.toBytes(TableSchema.FAMILY_STATE), Bytes.toBytes(StateColumns.LAST_NS));
        // the sink's touch of the state row; where the state coprocessor applies, its state cells replace the touch
        // and its watermark is the entity's newest event time
        assertEquals(Long.toString(e.getValue()), Bytes.toString(lastNs != null ? lastNs : touch), e.getKey());
      }
    }
  }

  private static String text(Result r, String qualifier) {
    Cell c = r.getColumnLatestCell(Bytes.toBytes(TableSchema.FAMILY_EVENT), Bytes.toBytes(qualifier));
    return c == null ? null : Bytes.toString(CellUtil.cloneValue(c));
  }

  private void assertNoLinkageProblem() {
    // Flume's own DirectMemoryUtils probes sun.misc.VM, which Java 9+ no longer has, and logs the
    // ClassNotFoundException at INFO before falling back: not a class path problem.
    String logs = flume.logs().lines()
        .filter(l -> !l.contains("DirectMemoryUtils: Unable to get maxDirectMemory from VM"))
        .collect(java.util.stream.Collectors.joining("\n"));
    for (String p : LINKAGE_PROBLEMS) {
      int at = logs.indexOf(p);
      assertTrue(at < 0, () -> p + " in the agent's log:\n"
          + logs.substring(Math.max(0, at - 3000), Math.min(logs.length(), at + 3000)));
    }
    assertFalse(logs.contains("Exception in thread"), tail(logs));
  }

  private static String tail(String s) {
    return s.length() > 8000 ? s.substring(s.length() - 8000) : s;
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** groupId:artifactId of every jar in a directory, read from its pom.properties (file name when absent). */
  private static Map<String, String> artifacts(Path dir) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path jar : (Iterable<Path>) s::iterator) {
        try (JarFile j = new JarFile(jar.toFile())) {
          // A shaded jar also carries the pom.properties of what it shaded: take the jar's own, whose
          // artifactId starts its file name.
          String file = jar.getFileName().toString();
          j.stream().filter(e -> e.getName().startsWith("META-INF/maven/") && e.getName().endsWith("/pom.properties"))
              .map(e -> e.getName().split("/"))
              .filter(parts -> file.startsWith(parts[3] + "-"))
              .forEach(parts -> {
                String classifier = file.matches(".*-(linux|osx|windows)-.*") ? ":" + file.replaceAll(
                    "^.*-((linux|osx|windows)-[^.]*)\\.jar$", "$1") : "";
                out.put(parts[2] + ":" + parts[3] + classifier, file);
              });
        }
      }
    }
    return out;
  }
}
