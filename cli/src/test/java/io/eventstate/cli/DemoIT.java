package io.eventstate.cli;

import static io.eventstate.cli.CliRun.number;
import static io.eventstate.cli.CliRun.run;
import static io.eventstate.cli.CliRun.stored;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.client.Get;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.ResultScanner;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.client.Table;
import org.junit.jupiter.api.Test;
import io.eventstate.core.config.Locations;

/**
 * {@code ./eventstate demo} twice on the same stored data: the first run ends with its summary, the second reuses
 * the table and stores nothing new (same events, entities and states), and the summary agrees with a direct scan of
 * the table and with {@code state}/{@code events}/{@code sessions} of several entities (packages, an OTTO session,
 * an Eyevinn session, a user of the talk). Hive's HBaseSerDe decode of the same rows is tested in the query module.
 */
class DemoIT extends WithEventstateHome {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] S = "s".getBytes(StandardCharsets.UTF_8);

  @Test
  void aSecondRunReusesTheStoredDataWithoutDuplicatingAnything() throws IOException {
    Path repo = Locations.repositoryRoot();
    Path data = repo.resolveSibling("shared").resolve("data");
    String[] demo = {"demo", "--conf", repo.resolve("conf").toString(), "--data", data.toString()};
    CliRun first = run(demo);
    assertEquals(0, first.code(), first.err());
    assertTrue(first.err().contains("table eventstate created"), first.err());
    Matcher m = Pattern.compile("== table eventstate: (\\d+) events, (\\d+) entities").matcher(first.out());
    assertTrue(m.find(), first.out());
    long events = Long.parseLong(m.group(1));
    assertTrue(events > 1000, first.out());
    assertTrue(first.out().contains("== machine package: entities per state"), first.out());
    assertTrue(first.out().contains("SINK.hbase"), "counters: " + first.out());
    // the four actions on the bundled data: decorated (lookup file, HBase state), routed and gated, counted, notified
    String o = first.out();
    assertTrue(o.contains("agents [n1, a1]") || first.err().contains("agents [n1, a1]"), first.err());
    assertEquals(4, number(o, "plans: (\\d+) decorated"), "the talk's device and user are in conf/lookup/plans.csv: " + o);
    assertTrue(number(o, "; state: (\\d+) decorated") + number(o, "(\\d+) no state yet") > 0, o);
    assertTrue(number(o, "tag-lorawan: \\d+ routed, (\\d+) gated") > 0, "LoRaWAN retries are gated: " + o);
    long applied = number(o, "counters:   (\\d+) events applied");
    assertTrue(applied > 0 && applied + number(o, "events applied to entity state, (\\d+) too late") <= events, o);
    long landed = number(o, "arrived at receiver: (\\d+) new");
    assertTrue(landed > 0, "notifications arrived: " + o);
    assertTrue(landed <= number(o, "sent by hbase: (\\d+) sent"), "each landed once, however often sent: " + o);
    // the HDFS copy landed under .eventstate (file://), one partition per entity type and event day
    assertTrue(first.out().contains("== files landed for SQL"), first.out());
    assertTrue(first.out().contains("eventstate/events/entity_type=package/dt=2014-11-19"), first.out());
    assertTrue(first.out().contains("eventstate/deadletter/dt="), first.out());
    try (java.util.stream.Stream<java.nio.file.Path> dirs = Files.walk(home.resolve(".eventstate"))) {
      assertTrue(dirs.anyMatch(d -> d.endsWith("hdfs/eventstate/events/entity_type=user") && Files.isDirectory(d)),
          "files under .eventstate");
    }

    CliRun second = run(demo);
    assertEquals(0, second.code(), second.err());
    assertTrue(second.err().contains("table eventstate reused"), second.err());
    assertEquals(stored(first.out()), stored(second.out()), "the second run changed what is stored");
    assertEquals(0, number(second.out(), "arrived at receiver: (\\d+) new"), second.out());
    assertEquals(landed, number(second.out(), "(\\d+) stored in all"), "none landed twice: " + second.out());
    assertTrue(number(second.out(), "(\\d+) duplicates dropped") >= landed, "every one sent again: " + second.out());
    assertTrue(number(second.out(), "; state: (\\d+) decorated") > 0, "known devices decorated from their state: "
        + second.out());

    // (a) the summary agrees with a direct scan of the table and with state/events/sessions of several entities
    try (EmbeddedHBase hbase = EmbeddedHBase.start(home.resolve(".eventstate"), true);
         Connection c = ConnectionFactory.createConnection(hbase.clientConfiguration());
         Table t = c.getTable(TableName.valueOf("eventstate"))) {
      assertSummaryMatchesScan(second.out(), t);
      Map<String, Map<String, Integer>> machines = machineTables(second.out());
      for (String entity : List.of("package:EZ4000000004", "package:EZ5000000005", "user:0", "video_session:123-214-234",
          "user:688b60d1-c361-445b-b2f6-27f2eecfc217")) {
        assertLookupsAgree(entity, machines, t);
      }
      CliRun state = run("state", "package:EZ4000000004");
      assertEquals(0, state.code(), state.err());
      assertTrue(state.out().contains("s:m.package.state") && state.out().contains("delivered"), state.out());
      CliRun sessions = run("sessions", "user:688b60d1-c361-445b-b2f6-27f2eecfc217", "--json");
      assertEquals(0, sessions.code(), sessions.err());
      assertTrue(sessions.out().contains("\"session\":\"web\""), sessions.out());

      // (c) an unknown entity: one line, exit 2, no stack trace
      CliRun unknown = run("state", "package:NO-SUCH-PARCEL");
      assertEquals(2, unknown.code(), unknown.err());
      assertEquals(1, unknown.err().trim().split("\n").length, unknown.err());
      assertTrue(unknown.err().startsWith("eventstate state: unknown entity package:NO-SUCH-PARCEL: no state row and no "
          + "events in table eventstate of the running demo HBase"), unknown.err());
    }
  }

  /** "== machine NAME: entities per state" followed by its "state  count" rows. */
  private static Map<String, Map<String, Integer>> machineTables(String out) {
    Map<String, Map<String, Integer>> m = new TreeMap<>();
    String current = null;
    for (String l : out.lines().toList()) {
      Matcher h = Pattern.compile("== machine (\\S+): entities per state").matcher(l);
      if (h.matches()) {
        current = h.group(1);
        m.put(current, new TreeMap<>());
      } else if (l.startsWith("==")) {
        current = null;
      } else if (current != null && l.matches("[a-z_/]+ +[0-9]+")) {
        String[] f = l.trim().split(" +");
        m.get(current).put(f[0], Integer.parseInt(f[1]));
      }
    }
    return m;
  }

  /** The summary's totals and states per machine, counted again here from a plain scan of the row keys and cells. */
  private static void assertSummaryMatchesScan(String out, Table t) throws IOException {
    long events = 0;
    long deadLetters = 0;
    Map<String, Integer> entities = new TreeMap<>();
    Map<String, Map<String, Integer>> states = new TreeMap<>();
    try (ResultScanner s = t.getScanner(new Scan())) {
      for (Result r : s) {
        String key = new String(r.getRow(), StandardCharsets.UTF_8);
        if (key.startsWith("~dl:")) {
          deadLetters++;
        } else if (key.endsWith("|!state")) {
          entities.merge(key.split(":", 3)[1], 1, Integer::sum);
          r.getFamilyMap(S).forEach((q, v) -> {
            String qs = new String(q, StandardCharsets.UTF_8);
            if (qs.matches("m\\.[^.]+\\.state")) {
              states.computeIfAbsent(qs.split("\\.")[1], x -> new TreeMap<>())
                  .merge(new String(v, StandardCharsets.UTF_8), 1, Integer::sum);
            }
          });
        } else {
          events++;
        }
      }
    }
    int total = entities.values().stream().mapToInt(Integer::intValue).sum();
    assertTrue(out.contains("== table eventstate: " + events + " events, " + total + " entities " + entities + ", "
        + deadLetters + " dead letters"), "scan: " + events + " events, " + entities + ", " + deadLetters + " dead letters; summary: " + out);
    assertEquals(states, machineTables(out), "entities per state per machine");
  }

  /** state, events and sessions of one entity agree with each other, with its rows, and with the summary. */
  private void assertLookupsAgree(String entity, Map<String, Map<String, Integer>> machines, Table t) throws IOException {
    CliRun state = run("state", entity, "--json");
    assertEquals(0, state.code(), entity + ": " + state.err());
    JsonNode row = JSON.readTree(state.out());
    JsonNode cells = row.get("cells");
    Result direct = t.get(new Get(row.get("row").asText().getBytes(StandardCharsets.UTF_8)));
    assertFalse(direct.isEmpty(), entity);
    int checkedMachines = 0;
    for (Iterator<String> it = cells.fieldNames(); it.hasNext();) {
      String q = it.next();
      Matcher m = Pattern.compile("s:m\\.([^.]+)\\.state").matcher(q);
      if (m.matches()) {
        String st = cells.get(q).asText();
        assertEquals(st, new String(direct.getValue(S, q.substring(2).getBytes(StandardCharsets.UTF_8)),
            StandardCharsets.UTF_8), entity + " " + q);
        assertTrue(machines.getOrDefault(m.group(1), Map.of()).getOrDefault(st, 0) >= 1,
            entity + " is in " + m.group(1) + "." + st + " but the summary has " + machines.get(m.group(1)));
        checkedMachines++;
      }
    }
    assertTrue(checkedMachines > 0, entity + " has a machine state: " + cells);
    CliRun events = run("events", entity, "--json");
    assertEquals(0, events.code(), entity + ": " + events.err());
    long listed = events.out().lines().count();
    assertTrue(listed > 0, entity + " has events");
    // every event row was either applied (s:events) or arrived later than allowed and was only counted (s:too_late);
    // an entity type that no definition applies to (OTTO's and Eyevinn's "session") has no counters, only s:touch
    long counted = cells.has("s:events") ? cells.get("s:events").asLong() + cells.path("s:too_late").asLong(0) : listed;
    assertEquals(counted, listed, entity + ": s:events + s:too_late vs the events command");
    String prefix = row.get("row").asText().replace("!state", "");
    long scanned = 0;
    try (ResultScanner s = t.getScanner(new Scan().setRowPrefixFilter(prefix.getBytes(StandardCharsets.UTF_8)))) {
      for (Result r : s) {
        scanned += new String(r.getRow(), StandardCharsets.UTF_8).endsWith("!state") ? 0 : 1;
      }
    }
    assertEquals(counted, scanned, entity + ": s:events + s:too_late vs its event rows");
    if (cells.has("s:sess.web.count")) {
      CliRun sessions = run("sessions", entity, "--json");
      assertEquals(0, sessions.code(), entity + ": " + sessions.err());
      assertEquals(cells.get("s:sess.web.count").asLong(), sessions.out().lines().count(),
          entity + ": sess.web.count vs the sessions command: " + sessions.out());
    }
  }
}
