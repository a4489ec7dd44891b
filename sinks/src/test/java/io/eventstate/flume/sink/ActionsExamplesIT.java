package io.eventstate.flume.sink;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.flume.Event;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.rowkey.TableSchema;
import io.eventstate.flume.testing.DataFeeds;
import io.eventstate.testing.InProcessAgent;
import io.eventstate.testing.RecordingSink;
import io.eventstate.testing.SharedMiniCluster;

/**
 * The routing and gating examples, conf/flume/actions-*.properties: every agent of every file boots with zero
 * configuration errors and no removed component (only paths, ports and the cluster address overridden), and the
 * topologies route, sample, gate and count as documented.
 */
@ExtendWith(SharedMiniCluster.class)
class ActionsExamplesIT {

  private static final Pattern AGENT = Pattern.compile("^([A-Za-z0-9_]+)\\.sources\\s*=", Pattern.MULTILINE);
  private static final String JSON = "application/json; charset=UTF-8";

  @TempDir
  Path dir;

  private TableSchema schema;
  private final int avroPort = InProcessAgent.freePort();

  @BeforeEach
  void setUp() throws Exception {
    schema = TestTables.create("actions");
    RecordingSink.clearAll();
  }

  private static List<Path> exampleFiles() throws Exception {
    try (Stream<Path> s = Files.list(DataFeeds.repositoryRoot().resolve("conf/flume"))) {
      return s.filter(p -> p.getFileName().toString().matches("actions-.*\\.properties")).sorted()
          .collect(Collectors.toList());
    }
  }

  private static Properties load(Path file) throws Exception {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    }
    return p;
  }

  /**
   * The example moved to this machine by the shared runner, as {@code ./eventstate run} moves it: paths, ports (the
   * notification targets follow the receiving source), the table and the cluster of every HBase-reading component,
   * and lookup files found from the repository root.
   */
  private InProcessAgent.Builder agent(Path file, String agent, String... others) throws Exception {
    return InProcessAgent.fromFile(file, agent).alsoAgents(others)
        .workDir(dir.resolve(file.getFileName() + "-" + agent))
        .hbase(schema.tableName(), "127.0.0.1", SharedMiniCluster.zkPort())
        .resolveFilesAgainst(DataFeeds.repositoryRoot());
  }

  @Test
  void everyAgentOfEveryActionsExampleBootsWithZeroConfigurationErrors() throws Exception {
    List<Path> files = exampleFiles();
    assertTrue(files.size() >= 2, "examples: " + files);
    int booted = 0;
    for (Path f : files) {
      Matcher m = AGENT.matcher(Files.readString(f, StandardCharsets.UTF_8));
      Set<String> agents = new TreeSet<>();
      while (m.find()) {
        agents.add(m.group(1));
      }
      assertTrue(!agents.isEmpty(), f.toString());
      for (String a : agents) {
        // an agent that sends to another agent of the file is booted with it, as run does
        String[] others = agents.stream().filter(o -> !o.equals(a)).toArray(String[]::new);
        try (InProcessAgent agent = agent(f, a, others).start()) {
          assertEquals(List.of(), agent.configurationErrorsOnly(), f + " agent " + a);
          assertEquals(Set.of(), agent.removedComponents(), f + " agent " + a);
          booted++;
        }
      }
    }
    assertTrue(booted >= 3);
  }

  private static String line(String entity, String id, String type, String time, String extra) {
    return "{\"time_utc\":\"" + time + "\",\"" + entity + "\":\"" + id + "\",\"event_type\":\"" + type + "\"" + extra + "}";
  }

  @Test
  void samplingGatingAndDroppingRouteAndCountAsDocumented() throws Exception {
    Path file = DataFeeds.repositoryRoot().resolve("conf/flume/actions-sampling.properties");
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      lines.add(line("user_id", "u" + (i % 7), "view", "1457741907." + (100000000 + i), ""));
    }
    for (int i = 0; i < 3; i++) {
      lines.add(line("user_id", "tester" + i, "view", "1457741908." + (100000000 + i), ",\"test_user\":true"));
    }
    lines.add(line("device_id", "d1", "heartbeat", "1457741909.1", ""));
    lines.add(line("device_id", "d1", "heartbeat", "1457741909.2", ""));
    try (InProcessAgent a = agent(file, "a1").override("sinks.sample_files.type", RecordingSink.class.getName())
        .start()) {
      assertEquals(200, a.post("http", String.join("\n", lines), JSON).statusCode());
      await().atMost(Duration.ofSeconds(60)).until(() -> eventIds().size() == 60
          && InProcessAgent.counter("channel", "events", "ChannelSize") == 0);
      long expectedSample = eventIds().stream().filter(id -> id.matches(".*[0-3]$")).count();
      assertTrue(expectedSample > 0 && expectedSample < 60, "a sample, not all: " + expectedSample);
      await().atMost(Duration.ofSeconds(30)).until(() -> RecordingSink.events("sample_files").size() == expectedSample);
      for (Event e : RecordingSink.events("sample_files")) {
        assertEquals("sampled", e.getHeaders().get("es.route"));
      }
      assertEquals(3, InProcessAgent.counter("interceptor", "tag-sampling", "events.gated"));
      assertEquals(3, InProcessAgent.counter("interceptor", "tag-sampling", "rule.testers.hits"));
      assertEquals(2, InProcessAgent.counter("interceptor", "tag-sampling", "events.dropped"));
      assertEquals(expectedSample, InProcessAgent.counter("interceptor", "tag-sampling", "rule.sample.hits"));
      assertEquals(3, InProcessAgent.counter("channel", "gated", "EventPutSuccessCount"));
      assertEquals(expectedSample, InProcessAgent.counter("channel", "sample", "EventPutSuccessCount"));
    }
  }

  @Test
  void notifyExampleDecoratesGatesTestUsersAndSendsAlertsThroughTheNotifyQueue() throws Exception {
    Path file = DataFeeds.repositoryRoot().resolve("conf/flume/actions-notify.properties");
    try (InProcessAgent a = agent(file, "a1", "n1").start()) {
      String body = String.join("\n",
          line("device_id", "c361-445b-b2f6-27f2eecfc217", "environmental_info", "1457741907.959400112",
              ",\"degrees_fahrenheit\":\"99\""),
          line("device_id", "c361-445b-b2f6-27f2eecfc217", "environmental_info", "1457741908.959400112",
              ",\"degrees_fahrenheit\":\"70\""),
          line("user_id", "qa-bot-1", "login", "1457741909.5", ""));
      assertEquals(200, a.post("http", body, JSON).statusCode());
      Path landed = Path.of(a.relocation().properties().getProperty("n1.sinks.receiver.directory"));
      await().atMost(Duration.ofSeconds(60)).until(() -> landedFiles(landed).size() == 1 && eventIds().size() == 2);
      Map<String, String> alert = new java.util.TreeMap<>();
      new com.fasterxml.jackson.databind.ObjectMapper().readTree(landedFiles(landed).get(0).toFile()).get("headers")
          .fields().forEachRemaining(h -> alert.put(h.getKey(), h.getValue().asText()));
      assertEquals("alert", alert.get("es.route"));
      assertEquals("alert,hot", alert.get("es.tags"));
      assertEquals("device-basic", alert.get("es.attr.plan"), "decorated from conf/lookup/plans.csv");
      assertEquals("nostate", alert.get("es.decorate"), "asked HBase: no state row yet (no coprocessor here)");
      assertEquals(1, InProcessAgent.counter("interceptor", "tag-actions", "events.gated"));
      assertEquals(1, InProcessAgent.counter("channel", "gated", "EventPutSuccessCount"));
      assertEquals(3, InProcessAgent.counter("interceptor", "plans", "events.decorated"));
    }
  }

  private static List<Path> landedFiles(Path dir) throws Exception {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> p.toString().endsWith(".json")).collect(Collectors.toList());
    }
  }

  private List<String> eventIds() throws Exception {
    return TestTables.rows(schema.tableName()).stream()
        .filter(r -> !r.endsWith(RowKeyCodec.STATE_SUFFIX) && !RowKeyCodec.isDeadLetter(r))
        .map(r -> RowKeyCodec.decode(r).eventId()).collect(Collectors.toList());
  }
}
