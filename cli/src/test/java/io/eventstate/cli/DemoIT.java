package io.eventstate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./eventstate demo} twice on the same stored data: the first run ends with its summary, the second reuses
 * the table and stores nothing new (same events, entities and states), and the summary agrees with the lookups.
 */
class DemoIT {

  @TempDir
  Path home;

  @AfterEach
  void clearHome() {
    System.clearProperty("eventstate.home");
  }

  private record Run(int code, String out, String err) {
  }

  private Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static Path repo() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("conf/flume"))) {
      p = p.getParent();
    }
    assertTrue(p != null, "repository root not found");
    return p;
  }

  /** The summary's lines about what is stored: table totals, states per machine, sessions. */
  private static List<String> stored(String out) {
    return out.lines().filter(l -> l.startsWith("== table") || l.startsWith("== machine") || l.startsWith("== sessions")
        || l.matches("[a-z_/]+ +[0-9]+")).toList();
  }

  @Test
  void aSecondRunReusesTheStoredDataWithoutDuplicatingAnything() {
    System.setProperty("eventstate.home", home.toString());
    Path repo = repo();
    Path data = repo.resolveSibling("shared").resolve("data");
    String[] demo = {"demo", "--conf", repo.resolve("conf").toString(), "--data", data.toString()};
    Run first = run(demo);
    assertEquals(0, first.code(), first.err());
    assertTrue(first.err().contains("table eventstate created"), first.err());
    Matcher m = Pattern.compile("== table eventstate: (\\d+) events, (\\d+) entities").matcher(first.out());
    assertTrue(m.find(), first.out());
    long events = Long.parseLong(m.group(1));
    assertTrue(events > 1000, first.out());
    assertTrue(first.out().contains("== machine package: entities per state"), first.out());
    assertTrue(first.out().contains("SINK.hbase"), "counters: " + first.out());

    Run second = run(demo);
    assertEquals(0, second.code(), second.err());
    assertTrue(second.err().contains("table eventstate reused"), second.err());
    assertEquals(stored(first.out()), stored(second.out()), "the second run changed what is stored");

    // The summary agrees with a lookup of one entity it counted.
    Run state = run("state", "package:EZ4000000004");
    assertEquals(0, state.code(), state.err());
    assertTrue(state.out().contains("s:m.package.state") && state.out().contains("delivered"), state.out());
    Run sessions = run("sessions", "user:688b60d1-c361-445b-b2f6-27f2eecfc217", "--json");
    assertEquals(0, sessions.code(), sessions.err());
    assertTrue(sessions.out().contains("\"session\":\"web\""), sessions.out());
  }
}
