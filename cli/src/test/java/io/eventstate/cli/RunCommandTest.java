package io.eventstate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./eventstate run}'s errors, each found before any HBase or agent starts: one line naming the file (and the
 * key or definition) and the fix, exit status 2, no stack trace.
 */
class RunCommandTest {

  @TempDir
  Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private Path agent;
  private Path machines;
  private Path events;

  /** A user's agent (one HTTP source, the EventSink), machine and events, as the RunIT runs them. */
  static String agentText(String sinkType, String sourceType) {
    String source = sourceType.equals("spooldir")
        ? String.join("\n", "a1.sources.web.type = spooldir", "a1.sources.web.spoolDir = /var/spool/doors")
        : String.join("\n", "a1.sources.web.type = " + sourceType, "a1.sources.web.bind = 127.0.0.1",
            "a1.sources.web.port = 5140", "a1.sources.web.handler = io.eventstate.flume.interceptor.JsonHttpHandler");
    return String.join("\n",
        "a1.sources = web",
        "a1.channels = events deadletter",
        "a1.sinks = hbase dl",
        source,
        "a1.sources.web.channels = events deadletter",
        "a1.sources.web.selector.type = multiplexing",
        "a1.sources.web.selector.header = es.route",
        "a1.sources.web.selector.mapping.valid = events",
        "a1.sources.web.selector.default = deadletter",
        "a1.sources.web.interceptors = normalize",
        "a1.sources.web.interceptors.normalize.type = io.eventstate.flume.interceptor.NormalizingInterceptor$Builder",
        "a1.sources.web.interceptors.normalize.entity.type = door",
        "a1.sources.web.interceptors.normalize.entity.paths = /door",
        "a1.sources.web.interceptors.normalize.eventType.paths = /action",
        "a1.sources.web.interceptors.normalize.time.paths = /at",
        "a1.sources.web.interceptors.normalize.time.format = iso8601",
        "a1.sources.web.interceptors.normalize.eventId.hash = /door, /action, /at",
        "a1.channels.events.type = memory",
        "a1.channels.deadletter.type = memory",
        "a1.sinks.hbase.type = " + sinkType,
        "a1.sinks.hbase.channel = events",
        "a1.sinks.dl.type = logger",
        "a1.sinks.dl.channel = deadletter",
        "");
  }

  static final String DOOR = """
      {
        "kind": "machine",
        "name": "door",
        "description": "A door: opened and closed, locked only when closed.",
        "entity_types": ["door"],
        "initial": "closed",
        "no_transition": "count_unexpected",
        "states": {
          "closed": {"on": [{"event": "open", "target": "open"}, {"event": "lock", "target": "locked"}]},
          "open": {"on": [{"event": "close", "target": "closed"}]},
          "locked": {"on": [{"event": "unlock", "target": "closed"}]}
        }
      }
      """;

  static final String EVENTS = String.join("\n",
      "{\"door\":\"front\",\"action\":\"open\",\"at\":\"2026-11-20T08:00:00Z\"}",
      "{\"door\":\"front\",\"action\":\"close\",\"at\":\"2026-11-20T08:01:00Z\"}",
      "{\"door\":\"front\",\"action\":\"lock\",\"at\":\"2026-11-20T22:00:00Z\"}",
      "{\"door\":\"back\",\"action\":\"open\",\"at\":\"2026-11-20T09:00:00Z\"}",
      "{\"door\":\"garage\",\"action\":\"open\",\"at\":\"2026-11-20T10:00:00Z\"}",
      "{\"door\":\"garage\",\"action\":\"close\",\"at\":\"2026-11-20T10:05:00Z\"}",
      "not json at all",
      "");

  @BeforeEach
  void files() throws IOException {
    System.setProperty("eventstate.home", dir.toString());
    agent = Files.writeString(dir.resolve("agent.properties"), agentText(AgentRun.EVENT_SINK, "http"));
    machines = Files.createDirectories(dir.resolve("machines"));
    Files.writeString(machines.resolve("door.json"), DOOR);
    events = Files.writeString(dir.resolve("events.jsonl"), EVENTS);
  }

  @AfterEach
  void clearHome() {
    System.clearProperty("eventstate.home");
  }

  private int run(String... args) {
    return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String assertOneLineError(int code, String prefix) {
    String e = err.toString(StandardCharsets.UTF_8);
    assertEquals(2, code, e);
    assertTrue(e.startsWith("eventstate run: " + prefix), e);
    assertEquals(1, e.trim().split("\n").length, e);
    assertFalse(e.contains("\tat "), e);
    assertFalse(hbaseStarted(), "no HBase was started");
    return e;
  }

  private boolean hbaseStarted() {
    return Files.exists(dir.resolve(".eventstate/hbase"));
  }

  @Test
  void shouldRejectAMissingAgentFile() {
    String e = assertOneLineError(run("run", "--conf", dir.resolve("nope.properties").toString(), events.toString()),
        "agent properties file not found: ");
    assertTrue(e.contains("nope.properties"), e);
  }

  @Test
  void shouldRejectAMissingEventsFile() {
    String e = assertOneLineError(run("run", "--conf", agent.toString(), "--machines", machines.toString(),
        dir.resolve("missing.jsonl").toString()), "events file not found: ");
    assertTrue(e.contains("missing.jsonl"), e);
  }

  @Test
  void shouldRejectAMissingMachinesDirectory() {
    assertOneLineError(run("run", "--conf", agent.toString(), "--machines", dir.resolve("none").toString(),
        events.toString()), "machine definitions directory not found: ");
  }

  @Test
  void shouldRejectAnAgentWithoutAnEventSink() throws IOException {
    Files.writeString(agent, agentText("logger", "http"));
    String e = assertOneLineError(run("run", "--conf", agent.toString(), "--machines", machines.toString(),
        events.toString()), agent + ": agent a1 has no sink of type io.eventstate.flume.sink.EventSink; add one");
    assertTrue(e.contains("a1.sinks.hbase.type = io.eventstate.flume.sink.EventSink"), e);
  }

  @Test
  void shouldRejectAWrongAgentName() {
    String e = assertOneLineError(run("run", "--conf", agent.toString(), "--agent", "b7", "--machines",
        machines.toString(), events.toString()), agent + ": key b7.sources is missing or empty");
    assertTrue(e.contains("--agent NAME"), e);
  }

  @Test
  void shouldRejectAnUnknownSourceNamingTheKnownOnes() {
    String e = assertOneLineError(run("run", "--conf", agent.toString(), "--machines", machines.toString(),
        "--source", "mobile", events.toString()), "unknown source 'mobile': agent a1 of " + agent + " has [web]");
    assertTrue(e.contains("--source NAME"), e);
  }

  @Test
  void shouldRejectASourceItCannotFeed() throws IOException {
    Files.writeString(agent, agentText(AgentRun.EVENT_SINK, "netcat"));
    String e = assertOneLineError(run("run", "--conf", agent.toString(), "--machines", machines.toString(),
        events.toString()), "source 'web' of " + agent + " has type 'netcat'");
    assertTrue(e.contains("set a1.sources.web.type to one of them"), e);
  }

  @Test
  void shouldRejectAnInvalidDefinitionNamingTheFileThePlaceAndTheFix() throws IOException {
    Files.writeString(machines.resolve("door.json"), DOOR.replace("\"target\": \"locked\"", "\"target\": \"nowhere\""));
    String e = assertOneLineError(run("run", "--conf", agent.toString(), "--machines", machines.toString(),
        events.toString()), "invalid definition: " + machines.resolve("door.json") + ": $.");
    assertTrue(e.contains("nowhere"), e);
  }

  @Test
  void shouldFailFastOnAnUnreachableCluster() {
    long t0 = System.nanoTime();
    assertOneLineError(run("run", "--conf", agent.toString(), "--machines", machines.toString(), "--zk",
        "127.0.0.1:1", events.toString()), "cannot reach HBase: ZooKeeper 127.0.0.1:1");
    assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "fails in seconds");
  }

  @Test
  void shouldRequireTheAgentFileAndAnEventsFile() {
    assertOneLineError(run("run", events.toString()), "--conf AGENT.properties is required");
    err.reset();
    assertOneLineError(run("run", "--conf", agent.toString()), "no events file given");
  }

  @Test
  void demoReportsMissingFilesAndInvalidDefinitionsInOneLine() throws IOException {
    String e = demoError("--conf", dir.resolve("no-conf").toString());
    assertTrue(e.startsWith("eventstate demo: conf directory not found: "), e);
    Path conf = Files.createDirectories(dir.resolve("conf"));
    e = demoError("--conf", conf.toString());
    assertTrue(e.startsWith("eventstate demo: agent properties file not found: " + conf.resolve("flume/eventstate.properties")), e);
    Files.createDirectories(conf.resolve("flume"));
    Files.writeString(conf.resolve("flume/eventstate.properties"), agentText(AgentRun.EVENT_SINK, "http"));
    e = demoError("--conf", conf.toString(), "--data", dir.resolve("no-data").toString());
    assertTrue(e.startsWith("eventstate demo: no sample data in "), e);
    Path data = Files.createDirectories(dir.resolve("data/seed"));
    Files.writeString(data.resolve("events.jsonl"), EVENTS);
    // the example agent has a 'talk' source; this one has none the samples go to
    e = demoError("--conf", conf.toString(), "--data", dir.resolve("data").toString());
    assertTrue(e.startsWith("eventstate demo: no sample data found in "), e);
    Files.writeString(conf.resolve("flume/eventstate.properties"),
        agentText(AgentRun.EVENT_SINK, "http").replace("web", "talk"));
    Files.createDirectories(conf.resolve("machines"));
    Files.writeString(conf.resolve("machines/door.json"), DOOR.replace("\"initial\": \"closed\"", "\"initial\": \"ajar\""));
    e = demoError("--conf", conf.toString(), "--data", dir.resolve("data").toString());
    assertTrue(e.startsWith("eventstate demo: invalid definition: " + conf.resolve("machines/door.json") + ": $."), e);
    assertTrue(e.contains("ajar"), e);
  }

  @Test
  void shouldPrintFlumesOwnReasonWithTheComponentAndTheKey() throws IOException {
    Files.writeString(agent, agentText(AgentRun.EVENT_SINK, "spooldir") + "a1.sources.web.batchSize = 1000\n");
    String e = assertOneLineError(run("run", "--conf", agent.toString(), "--machines", machines.toString(),
        events.toString()), agent + ": Flume rejects agent a1, source web, key a1.sources.web.batchSize (or "
        + "a1.channels.");
    assertTrue(e.contains("source's batch size is greater than the channels transaction capacity"), e);
  }

  @Test
  void shouldReportAMalformedLookupFileWithItsLineBeforeHBaseStarts() throws IOException {
    Path csv = Files.writeString(dir.resolve("plans.csv"), "entityId,plan\nfront,gold\nback,silver,extra\n");
    Files.writeString(agent, agentText(AgentRun.EVENT_SINK, "http").replace("a1.sources.web.interceptors = normalize",
        String.join("\n", "a1.sources.web.interceptors = normalize plans",
            "a1.sources.web.interceptors.plans.type = " + AgentRun.LOOKUP,
            "a1.sources.web.interceptors.plans.file = " + csv)));
    String e = assertOneLineError(run("run", "--conf", agent.toString(), "--machines", machines.toString(),
        events.toString()), agent + ": Flume rejects agent a1, source web");
    assertTrue(e.contains(csv + ": CSV line 3 has 3 fields, the header has 2"), e);
  }

  @Test
  void shouldRejectARouteTheSelectorDoesNotMap() throws IOException {
    Files.writeString(agent, agentText(AgentRun.EVENT_SINK, "http").replace("a1.sources.web.interceptors = normalize",
        String.join("\n", "a1.sources.web.interceptors = normalize tag",
            "a1.sources.web.interceptors.tag.type = " + AgentRun.TAGGING,
            "a1.sources.web.interceptors.tag.rules = sample",
            "a1.sources.web.interceptors.tag.rules.sample.if = eventType equals open",
            "a1.sources.web.interceptors.tag.rules.sample.route = sampled")));
    assertOneLineError(run("run", "--conf", agent.toString(), "--machines", machines.toString(), events.toString()),
        agent + ": a1.sources.web.interceptors.tag.rules.sample.route = sampled is not mapped by the selector of "
        + "source web: such events would reach its default channel with no reason; add "
        + "a1.sources.web.selector.mapping.sampled = CHANNEL");
  }

  @Test
  void shouldRejectANotificationTargetNoAgentOfTheRunListensOn() throws IOException {
    Files.writeString(agent, agentText(AgentRun.EVENT_SINK, "http")
        + "a1.sinks.hbase.notify.hostname = 127.0.0.1\na1.sinks.hbase.notify.port = 41510\n");
    assertOneLineError(run("run", "--conf", agent.toString(), "--machines", machines.toString(), events.toString()),
        agent + ": a1.sinks.hbase.notify.port = 41510 (a1.sinks.hbase.notify.hostname = 127.0.0.1) points at a local "
        + "port no source of the agents run [a1] listens on");
  }

  private String demoError(String... options) {
    err.reset();
    String[] args = new String[options.length + 1];
    args[0] = "demo";
    System.arraycopy(options, 0, args, 1, options.length);
    int code = run(args);
    String e = err.toString(StandardCharsets.UTF_8);
    assertEquals(2, code, e);
    assertEquals(1, e.trim().split("\n").length, e);
    assertFalse(e.contains("\tat "), e);
    assertFalse(hbaseStarted(), "no HBase was started");
    return e;
  }
}
