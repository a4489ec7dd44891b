package io.eventstate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.state.DefinitionCatalog;
import io.eventstate.core.rowkey.TableSchema;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** diagram, ddl, validate and the lookups' argument errors, on the repository's conf and on broken copies. */
class QueryCommandsTest {

  @TempDir
  Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private Path conf;

  @BeforeEach
  void findConf() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("conf/machines"))) {
      p = p.getParent();
    }
    assertTrue(p != null, "repository conf/ not found above " + Path.of("").toAbsolutePath());
    conf = p.resolve("conf");
  }

  private int run(String... args) {
    return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private void assertOneLineError(String prefix) {
    String e = err();
    assertTrue(e.startsWith(prefix), e);
    assertEquals(1, e.trim().split("\n").length, e);
  }

  @Test
  void theCommittedHiveDdlIsTheGeneratedText() throws IOException {
    QuerySchema q = new QuerySchema(TableSchema.defaults(), DefinitionCatalog.load(conf.resolve("machines")));
    for (Map.Entry<String, String> f : q.hiveFiles().entrySet()) {
      assertEquals(f.getValue(), Files.readString(conf.resolve("hive").resolve(f.getKey()), StandardCharsets.UTF_8),
          "conf/hive/" + f.getKey() + " is stale: run ./eventstate ddl --write");
    }
    try (Stream<Path> files = Files.list(conf.resolve("hive"))) {
      assertEquals(q.hiveFiles().keySet(), files.map(p -> p.getFileName().toString())
          .collect(java.util.stream.Collectors.toSet()), "conf/hive holds exactly the generated files");
    }
  }

  @Test
  void binaryStorageOnlyOnCounters() throws IOException {
    QuerySchema q = new QuerySchema(TableSchema.defaults(), DefinitionCatalog.load(conf.resolve("machines")));
    for (QuerySchema.HiveTable t : java.util.List.of(q.eventsTable(), q.stateTable())) {
      assertEquals("STRING", t.columns().get(0).hiveType(), "row key");
      assertEquals(":key", t.columns().get(0).mapping());
      for (QuerySchema.Column c : t.columns()) {
        if (c.binary()) {
          assertEquals("BIGINT", c.hiveType(), c.toString());
          String qual = c.qualifier();
          assertTrue(qual.equals("events") || qual.equals("too_late") || qual.endsWith(".count"), qual);
        }
      }
    }
    assertTrue(q.stateTable().columns().stream().anyMatch(c -> c.mapping().equals("s:m.package.c")
        && c.hiveType().equals("STRING")), q.stateTable().columnsMapping());
    String view = q.hiveFiles().get("state.sql");
    assertTrue(view.contains("CAST(regexp_extract(s.package_counters, '(^|,)event[.]delivered=(-?[0-9]+)', 2) AS BIGINT)"
        + " AS package_event_delivered"), view);
    assertTrue(view.contains("'(^|,)state[.]tracking/in_transit=(-?[0-9]+)'"), view);
    assertFalse(view.contains("package_events,") || view.contains("AS package_events\n"), "events is the entity's");
    assertTrue(q.eventsTable().columnsMapping().contains("d:m.package.state,"), q.eventsTable().columnsMapping());
    assertTrue(q.eventsTable().columnsMapping().contains("d:sess.web.id,"), q.eventsTable().columnsMapping());
  }

  @Test
  void ddlPrintsTheShellScriptAndTheHiveDdl() {
    assertEquals(0, run("ddl", "--conf", conf.toString(), "--table", "ns:events"), err());
    assertTrue(out().contains("create 'ns:events',"), out());
    assertTrue(out().contains("CREATE EXTERNAL TABLE IF NOT EXISTS ns_events_events ("), out());
    assertTrue(out().contains("TBLPROPERTIES ('hbase.table.name' = 'ns:events')"), out());
    assertTrue(out().contains("INVALIDATE METADATA"), out());
  }

  @Test
  void shouldRejectABadTableNameInOneLine() {
    assertEquals(2, run("ddl", "--conf", conf.toString(), "--table", "bad name"));
    assertOneLineError("eventstate ddl: --table value was set to 'bad name'");
  }

  @Test
  void diagramDrawsAMachineByNameAsDotAndMermaid() {
    assertEquals(0, run("diagram", "package", "--conf", conf.toString(), "--format", "dot"), err());
    assertTrue(out().startsWith("digraph \"package\""), out());
    out.reset();
    assertEquals(0, run("diagram", conf.resolve("machines/toaster.json").toString()), err());
    assertTrue(out().startsWith("stateDiagram-v2"), out());
  }

  @Test
  void diagramWritesSvgWhenGraphvizIsInstalledElseSaysSoInOneLine() throws IOException {
    Path svg = dir.resolve("toaster.svg");
    int code = run("diagram", "toaster", "--conf", conf.toString(), "--out", svg.toString());
    if (graphvizInstalled()) {
      assertEquals(0, code, err());
      assertTrue(Files.readString(svg).contains("<svg"), "an SVG document");
    } else {
      assertEquals(2, code);
      assertOneLineError("eventstate diagram: --format svg needs Graphviz's 'dot' on the PATH");
    }
  }

  private static boolean graphvizInstalled() {
    String path = System.getenv("PATH");
    return path != null && Stream.of(path.split(java.io.File.pathSeparator)).anyMatch(d -> Files.isExecutable(Path.of(d, "dot")));
  }

  @Test
  void shouldRejectAnUnknownMachineNamingTheKnownOnes() {
    assertEquals(2, run("diagram", "nope", "--conf", conf.toString()));
    assertOneLineError("eventstate diagram: no machine named 'nope'");
    assertTrue(err().contains("package"), err());
  }

  @Test
  void validatePassesOnTheRepositoryConf() {
    assertEquals(0, run("validate", "--conf", conf.toString()), out() + err());
    assertTrue(out().contains("ok      machines"), out());
    assertTrue(out().contains("ok      schema"), out());
  }

  @Test
  void validateNamesTheFileTheKeyAndTheFix() throws IOException {
    Path c = dir.resolve("conf");
    copy(conf.resolve("machines"), c.resolve("machines"));
    copy(conf.resolve("hive"), c.resolve("hive"));
    Files.createDirectories(c.resolve("flume"));
    Files.writeString(c.resolve("flume/agent.properties"), String.join("\n",
        "a1.sources = http",
        "a1.channels = valid",
        "a1.sinks = hbase",
        "a1.sources.http.type = http",
        "a1.sources.http.port = 5140",
        "a1.sources.http.channels = valid",
        "a1.sources.http.interceptors = tag",
        "a1.sources.http.interceptors.tag.type = io.eventstate.flume.interceptor.TaggingInterceptor$Builder",
        "a1.sources.http.interceptors.tag.rules = r",
        "a1.sources.http.interceptors.tag.rules.r.if = attr.x frobnicates 3",
        "a1.sources.http.interceptors.tag.rules.r.tag = t",
        "a1.channels.valid.type = memory",
        "a1.sinks.hbase.type = io.eventstate.flume.sink.EventSink",
        "a1.sinks.hbase.channel = valid",
        "a1.sinks.hbase.batchSize = lots",
        ""));
    // a machine whose transition goes nowhere
    Path toaster = c.resolve("machines/toaster.json");
    Files.writeString(toaster, Files.readString(toaster).replaceFirst("\"target\"\\s*:\\s*\"[a-z_]+\"", "\"target\": \"nowhere\""));
    assertEquals(1, run("validate", "--conf", c.toString()), out() + err());
    String o = out();
    assertTrue(o.contains("INVALID flume/agent.properties"), o);
    assertTrue(o.contains("agent.properties: a1.sources.http.interceptors.tag: "), o);
    assertTrue(o.contains("frobnicates"), o);
    assertTrue(o.contains("agent.properties: a1.sinks.hbase: ") && o.contains("batchSize"), o);
    assertTrue(o.contains("toaster.json") && o.contains("nowhere"), o);
    assertTrue(o.contains("INVALID machines"), o);
  }

  @Test
  void validateSaysWhatFlumeWouldSayWithTheComponentAndTheKey() throws IOException {
    Path c = dir.resolve("conf");
    Files.createDirectories(c.resolve("flume"));
    Files.writeString(c.resolve("flume/agent.properties"), String.join("\n",
        "a1.sources = spool",
        "a1.channels = valid",
        "a1.sinks = log",
        "a1.sources.spool.type = spooldir",
        "a1.sources.spool.spoolDir = /var/spool/events",
        "a1.sources.spool.batchSize = 1000",
        "a1.sources.spool.channels = valid",
        "a1.channels.valid.type = memory",
        "a1.sinks.log.type = logger",
        "a1.sinks.log.channel = valid",
        ""));
    assertEquals(1, run("validate", "--conf", c.toString()), out() + err());
    String o = out();
    assertTrue(o.contains("INVALID flume/agent.properties"), o);
    assertTrue(o.contains("agent.properties: Flume: agent a1, source spool, key a1.sources.spool.batchSize (or "
        + "a1.channels.valid.transactionCapacity): Incompatible source and channel settings defined. source's batch "
        + "size is greater than the channels transaction capacity"), o);
  }

  @Test
  void validateReportsAStaleSchema() throws IOException {
    Path c = dir.resolve("conf");
    copy(conf.resolve("machines"), c.resolve("machines"));
    copy(conf.resolve("hive"), c.resolve("hive"));
    Files.delete(c.resolve("machines/package.json"));
    assertEquals(1, run("validate", "--conf", c.toString()), out() + err());
    assertTrue(out().contains("events.sql: differs from the schema") && out().contains("./eventstate ddl --write"), out());
  }

  @Test
  void lookupsRejectBadArgumentsAndUnreachableClustersInOneLine() {
    assertEquals(2, run("state", "no-colon", "--zk", "127.0.0.1:1"));
    assertOneLineError("eventstate state: entity 'no-colon' must be TYPE:ID");
    err.reset();
    long t0 = System.nanoTime();
    assertEquals(2, run("events", "package:X", "--zk", "127.0.0.1:1"));
    assertOneLineError("eventstate events: cannot reach HBase: ZooKeeper 127.0.0.1:1");
    assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "fails in seconds");
    err.reset();
    assertEquals(2, run("sessions", "user:1", "--hbase-site", dir.resolve("missing.xml").toString()));
    assertOneLineError("eventstate sessions: hbase-site file not found");
  }

  private static void copy(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> s = Files.list(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Files.copy(p, to.resolve(p.getFileName()));
      }
    }
  }
}
