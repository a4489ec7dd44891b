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
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.eventstate.core.config.Locations;
import io.eventstate.core.state.StateColumns;
import io.eventstate.testing.VendorData;

/**
 * {@code normalize --mapping FILE --whole --header} on the vendor feeds as published ({@link VendorData}), {@code validate DIR} on a user's
 * conf directory, the dead-letter line of {@code run}'s summary and the per-day counters of {@code state}.
 */
class FeedCommandsTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir
  Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private Path root;

  @BeforeEach
  void findRoot() {
    root = Locations.repositoryRoot();
  }

  private int run(String... args) {
    return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private List<JsonNode> lines() throws IOException {
    List<JsonNode> l = new ArrayList<>();
    for (String s : out.toString(StandardCharsets.UTF_8).split("\n")) {
      if (!s.isBlank()) {
        l.add(MAPPER.readTree(s));
      }
    }
    out.reset();
    return l;
  }

  @Test
  void normalizeRunsAMappingFileOnAWholePrettyPrintedResponse() throws IOException {
    Path raw = VendorData.aftershipTrackings();
    Path mapping = root.resolve("conf/flume/mappings/aftership.properties");
    assertEquals(0, run("normalize", "--mapping", mapping.toString(), "--whole", raw.toString()), err.toString());
    List<JsonNode> l = lines();
    JsonNode trackings = MAPPER.readTree(raw.toFile()).path("data").path("trackings");
    int checkpoints = 0;
    for (JsonNode t : trackings) {
      checkpoints += t.path("checkpoints").size();
    }
    assertEquals(checkpoints, l.size());
    for (JsonNode n : l) {
      assertEquals("valid", n.path("status").asText(), n.toString());
      assertEquals("package", n.path("headers").path("es.entityType").asText());
    }
    JsonNode last = trackings.get(0).path("checkpoints").get(checkpoints - 1);
    java.time.OffsetDateTime t = java.time.OffsetDateTime.parse(last.path("checkpoint_time").asText());
    assertEquals(Long.toString(t.toEpochSecond() * 1_000_000_000L), l.get(l.size() - 1).path("headers").path("es.eventTime")
        .asText());
    assertEquals("delivered", l.get(l.size() - 1).path("headers").path("es.eventType").asText());
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("2 exploded array(s) were empty"), err.toString());
    // line by line, the pretty-printed response is not JSON on any line: every line is refused, none is lost
    assertEquals(0, run("normalize", "--mapping", mapping.toString(), raw.toString()));
    assertTrue(lines().stream().allMatch(n -> n.path("status").asText().equals("rejected")));
  }

  @Test
  void normalizeReadsRequestHeadersGivenOnTheCommandLine() throws IOException {
    Path raw = VendorData.github("pull_request/closed");
    Path mapping = root.resolve("conf/flume/mappings/github.properties");
    assertEquals(0, run("normalize", "--mapping", mapping.toString(), "--whole", "--header", "X-GitHub-Event: pull_request",
        "--header", "X-Unrelated: 1", raw.toString()), err.toString());
    List<JsonNode> l = lines();
    assertEquals(2, l.size(), "the pull request and its sender");
    assertEquals("pull_request", l.get(0).path("headers").path("es.entityType").asText());
    assertEquals("Codertocat/Hello-World#2", l.get(0).path("headers").path("es.entityId").asText());
    assertEquals("pull_request", l.get(0).path("headers").path("es.attr.event").asText());
    assertEquals("user", l.get(1).path("headers").path("es.entityType").asText());
    assertFalse(l.get(0).path("headers").has("X-Unrelated"), "only headers.copy reaches the event");
    assertEquals(2, run("normalize", "--mapping", mapping.toString(), "--source", "x", raw.toString()));
  }

  @Test
  void validateTakesTheDirectoryAsAnArgumentAndSkipsAMissingSchema() throws IOException {
    Path c = dir.resolve("myconf");
    Files.createDirectories(c.resolve("machines"));
    Files.copy(root.resolve("conf/machines/package.json"), c.resolve("machines/package.json"));
    assertEquals(0, run("validate", c.toString()), out.toString() + err);
    String o = out.toString(StandardCharsets.UTF_8);
    assertTrue(o.contains("ok      machines (1 machines"), o);
    assertTrue(o.contains("skipped schema") && !o.contains("INVALID"), o);
    out.reset();
    assertEquals(2, run("validate", c.toString(), "--conf", c.toString()));
  }

  @Test
  void theRunSummaryNamesWhereDeadLettersWent() {
    Properties p = new Properties();
    p.setProperty("a1.sinks.dl.channel", "deadletter");
    p.setProperty("a1.sinks.dl.type", "logger");
    assertEquals("to sink dl (logger, no file)", AgentRun.deadLetterWhere(p));
    p.setProperty("a1.sinks.dl.type", "file_roll");
    p.setProperty("a1.sinks.dl.sink.directory", "/var/dl");
    assertEquals("in /var/dl", AgentRun.deadLetterWhere(p));
    p.setProperty("a1.sinks.dl.channel", "events");
    assertEquals("no sink drains a deadletter channel", AgentRun.deadLetterWhere(p));
  }

  @Test
  void perDayCountersAreNumbers() {
    assertEquals(3L, EntityQueryCommand.value("day.2021-03-04", StateColumns.longBytes(3)));
    assertEquals("{\"s:day.2021-03-04\":3}", Json.write(java.util.Map.of("s:day.2021-03-04",
        EntityQueryCommand.value("day.2021-03-04", StateColumns.longBytes(3)))));
  }
}
