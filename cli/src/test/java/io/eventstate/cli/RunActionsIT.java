package io.eventstate.cli;

import static io.eventstate.cli.CliRun.number;
import static io.eventstate.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.rowkey.TableSchema;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import io.eventstate.core.config.Locations;

/**
 * {@code ./eventstate run} with the shipped actions example as it is ({@code conf/flume/actions-notify.properties},
 * agents a1 and n1): decorations from the lookup file and from the entities' state in HBase, gating, notifications
 * that land once in n1 however often the input is fed; and a failed run whose events stay in its channel never
 * reaches a later run into another table.
 */
class RunActionsIT extends WithEventstateHome {

  private static long landedFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> p.toString().endsWith(".json")).count();
    }
  }

  @Test
  void theShippedNotifyExampleRunsAsItIsAndEachNotificationLandsOnce() throws IOException {
    Path repo = Locations.repositoryRoot();
    Path conf = repo.resolve("conf/flume/actions-notify.properties");
    String[] args = {"run", "--conf", conf.toString(), "--machines", repo.resolve("conf/machines").toString(),
        "--table", "actions", "--timeout", "120", repo.resolve("samples/actions/devices.jsonl").toString()};

    CliRun first = run(args);
    assertEquals(0, first.code(), first.err() + first.out());
    String o = first.out();
    assertTrue(first.err().contains("agents [n1, a1]"), "the receiver starts first: " + first.err());
    assertTrue(o.contains("== table actions: 9 events, 3 entities {device=2, user=1}"), o);
    // c361-...: online, offline (timeout at its next uplink), online, decommissioned; garage-sensor-7: online
    assertTrue(o.contains("sent by hbase: 5 sent (5 transitions, 0 rules), 0 failed sends"), o);
    // the five notifications and the hot reading's alert (streaming path)
    assertTrue(o.contains("arrived at receiver: 6 new, 0 duplicates dropped, 6 stored in all"), o);
    assertTrue(o.contains("plans: 7 decorated, 3 missed"), "lookup decoration from conf/lookup/plans.csv: " + o);
    assertTrue(o.contains("tag-actions: 1 routed, 1 gated, 0 dropped"), o);
    assertTrue(o.contains("counters:   9 events applied to entity state"), o);
    Path work = AgentRun.workDir(new AgentRun.Plan("run", conf, List.of(), null, new TableSchema("actions", 4), null,
        null, home.resolve(".eventstate/run"), null, null));
    assertEquals(6, landedFiles(work.resolve("n1/sink-receiver")));

    // The same file again: every notification is sent again, none lands twice; the entities now have state in
    // HBase, so their events are decorated from it.
    CliRun second = run(args);
    assertEquals(0, second.code(), second.err() + second.out());
    String o2 = second.out();
    assertTrue(o2.contains("== table actions: 9 events, 3 entities {device=2, user=1}"), o2);
    assertEquals(0, number(o2, "arrived at receiver: (\\d+) new"), o2);
    assertEquals(6, number(o2, "(\\d+) stored in all"), o2);
    assertTrue(number(o2, "(\\d+) duplicates dropped") >= 6, "all six sent again: " + o2);
    assertEquals(6, landedFiles(work.resolve("n1/sink-receiver")));
    long decorated = number(o2, "state: (\\d+) decorated");
    assertTrue(decorated >= 8, "the known entities' events are decorated from their state: " + o2);
    assertEquals(0, number(o2, "(\\d+) unavailable"), o2);

    CliRun device = run("events", "device:c361-445b-b2f6-27f2eecfc217", "--table", "actions", "--json");
    assertEquals(0, device.code(), device.err());
    assertTrue(device.out().contains("\"attributes\":{") && device.out().contains("\"plan\":\"device-basic\""),
        "stored attributes are shown, the lookup's among them: " + device.out());
  }

  /** The user's door agent of RunIT with a file channel and the route selector. */
  private static final String DOOR_AGENT = RunCommandTest.agentText(AgentRun.EVENT_SINK, "http")
      .replace("a1.sources.web.selector.type = multiplexing",
          "a1.sources.web.selector.type = io.eventstate.flume.interceptor.RouteSelector")
      .replace("a1.channels.events.type = memory", String.join("\n", "a1.channels.events.type = file",
          "a1.channels.events.checkpointDir = /var/lib/doors/checkpoint", "a1.channels.events.dataDirs = /var/lib/doors/data"));

  @Test
  void aFailedRunsEventsNeverReachAnotherTable() throws IOException {
    Path user = Files.createDirectories(home.resolve("user"));
    Path machines = Files.createDirectories(user.resolve("machines"));
    // opening a door notifies
    String door = RunCommandTest.DOOR.replace("{\"event\": \"open\", \"target\": \"open\"}",
        "{\"event\": \"open\", \"target\": \"open\", \"notify\": true}");
    assertTrue(door.contains("\"notify\": true"), door);
    Files.writeString(machines.resolve("door.json"), door);
    // Notifications to a host nothing listens on: every batch is written, its sends fail, nothing commits, so the
    // events stay in the file channel when the run gives up.
    Path failing = Files.writeString(user.resolve("failing.properties"), DOOR_AGENT
        + "a1.sinks.hbase.notify.hostname = 127.0.0.2\na1.sinks.hbase.notify.port = 9\n"
        + "a1.sinks.hbase.notify.connectTimeoutMs = 200\n");
    Path lost = Files.writeString(user.resolve("lost.jsonl"), String.join("\n",
        "{\"door\":\"cellar\",\"action\":\"open\",\"at\":\"2026-11-21T08:00:00Z\"}",
        "{\"door\":\"cellar\",\"action\":\"close\",\"at\":\"2026-11-21T08:01:00Z\"}",
        "{\"door\":\"attic\",\"action\":\"open\",\"at\":\"2026-11-21T09:00:00Z\"}", ""));
    CliRun failed = run("run", "--conf", failing.toString(), "--machines", machines.toString(), "--table", "first",
        "--timeout", "15", lost.toString());
    assertEquals(2, failed.code(), failed.err());
    assertTrue(failed.err().contains("did not drain in 15 s (channel sizes: events="), failed.err());
    assertTrue(failed.err().contains("SINK.hbase-notify sendFailures="), "the cause is named: " + failed.err());

    // A different agent file with the same channel names, into another table: exactly its own events.
    Path good = Files.writeString(user.resolve("good.properties"), DOOR_AGENT);
    Path given = Files.writeString(user.resolve("given.jsonl"), String.join("\n",
        "{\"door\":\"front\",\"action\":\"open\",\"at\":\"2026-11-20T08:00:00Z\"}",
        "{\"door\":\"front\",\"action\":\"close\",\"at\":\"2026-11-20T08:01:00Z\"}", ""));
    CliRun other = run("run", "--conf", good.toString(), "--machines", machines.toString(), "--table", "second",
        given.toString());
    assertEquals(0, other.code(), other.err());
    assertTrue(other.out().contains("== table second: 2 events, 1 entities {door=1}"), other.out());
    assertTrue(!other.err().contains("leftovers are delivered now"), other.err());

    // The failing file again, into a third table: its leftovers belong to table "first" and stay there.
    CliRun third = run("run", "--conf", failing.toString(), "--machines", machines.toString(), "--table", "third",
        "--timeout", "10", given.toString());
    assertEquals(2, third.code(), third.err());
    assertTrue(!third.err().contains("leftovers are delivered now"), third.err());
    CliRun front = run("events", "door:front", "--table", "third", "--json");
    assertEquals(2, front.out().lines().count(), "this run's events were written: " + front.out() + front.err());
    CliRun cellar = run("events", "door:cellar", "--table", "third");
    assertEquals(2, cellar.code(), "no event of the first run in table third: " + cellar.out() + cellar.err());

    // The failing file into its own table again: the leftovers are reported and delivered (their sends still
    // fail, so they stay until the target is reachable), never mixed into another table.
    CliRun again = run("run", "--conf", failing.toString(), "--machines", machines.toString(), "--table", "first",
        "--timeout", "10", given.toString());
    assertEquals(2, again.code(), again.err());
    assertTrue(again.err().contains("an earlier run of failing.properties into table first did not finish; its "
        + "leftovers are delivered now"), again.err());
  }
}
