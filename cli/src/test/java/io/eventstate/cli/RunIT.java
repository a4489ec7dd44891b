package io.eventstate.cli;

import static io.eventstate.cli.CliRun.run;
import static io.eventstate.cli.CliRun.stored;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.eventstate.core.rowkey.TableSchema;

import org.junit.jupiter.api.Test;

/**
 * {@code ./eventstate run} with a user's own agent file, machine definition and events file: through an HTTP source
 * (one request per line) and then the same events through a spooling-directory source into the same stored data.
 */
class RunIT extends WithEventstateHome {

  @Test
  void runsTheUsersAgentMachinesAndEventsAndPrintsTheSummary() throws IOException {
    Path user = Files.createDirectories(home.resolve("user"));
    Path http = Files.writeString(user.resolve("http-agent.properties"),
        RunCommandTest.agentText(AgentRun.EVENT_SINK, "http"));
    Path spool = Files.writeString(user.resolve("spool-agent.properties"),
        RunCommandTest.agentText(AgentRun.EVENT_SINK, "spooldir"));
    Path machines = Files.createDirectories(user.resolve("machines"));
    Files.writeString(machines.resolve("door.json"), RunCommandTest.DOOR);
    Path events = Files.writeString(user.resolve("doors.jsonl"), RunCommandTest.EVENTS);

    CliRun first = run("run", "--conf", http.toString(), "--machines", machines.toString(), "--source", "web",
        events.toString());
    assertEquals(0, first.code(), first.err());
    assertTrue(first.err().contains("table eventstate created"), first.err());
    assertTrue(first.err().contains("web: 6 accepted, 1 refused whole (HTTP 400"), first.err());
    String o = first.out();
    assertTrue(o.contains("== table eventstate: 6 events, 3 entities {door=3}, 0 dead letters"), o);
    assertTrue(o.contains("== machine door: entities per state"), o);
    assertTrue(o.contains("== speed: 6 events written to HBase in "), o);
    assertTrue(o.lines().anyMatch(l -> l.matches("closed +1")) && o.lines().anyMatch(l -> l.matches("locked +1"))
        && o.lines().anyMatch(l -> l.matches("open +1")), o);
    assertTrue(o.contains("SINK.hbase"), o);
    Path work = AgentRun.workDir(new AgentRun.Plan("run", http, List.of(), machines, new TableSchema("eventstate", 4),
        null, null, home.resolve(".eventstate/run"), null, null));
    assertTrue(Files.readString(work.resolve("agent.properties")).contains("a1.sinks.hbase.zookeeperQuorum"));

    CliRun front = run("state", "door:front", "--json");
    assertEquals(0, front.code(), front.err());
    assertTrue(front.out().contains("\"s:m.door.state\":\"locked\"") && front.out().contains("\"s:events\":3"),
        front.out());
    CliRun garage = run("events", "door:garage", "--json");
    assertEquals(0, garage.code(), garage.err());
    assertEquals(2, garage.out().lines().count(), garage.out());

    // the same events again, now dropped into a spooling directory: nothing is stored twice
    CliRun second = run("run", "--conf", spool.toString(), "--machines", machines.toString(), events.toString());
    assertEquals(0, second.code(), second.err());
    assertTrue(second.err().contains("table eventstate reused"), second.err());
    assertEquals(stored(first.out()), stored(second.out()), "the second run changed what is stored");
    // the spooling source reads the malformed line too; it goes to the dead-letter channel, not to HBase
    assertTrue(second.out().contains("events.in=7, events.invalid=1, events.valid=6"), second.out());
    assertTrue(second.out().contains("== this run: dead letters 1"), second.out());
    CliRun again = run("state", "door:front", "--json");
    assertEquals(front.out(), again.out(), "the coprocessor applied each event id once");

    // changed definitions would not reach the existing table: refused in one line, pointing at --table
    Files.writeString(machines.resolve("door.json"), RunCommandTest.DOOR.replace("only when closed", "when shut"));
    CliRun changed = run("run", "--conf", http.toString(), "--machines", machines.toString(), events.toString());
    assertEquals(2, changed.code(), changed.err());
    String last = changed.err().trim().lines().reduce((a, b) -> b).orElse("");
    assertTrue(last.startsWith("eventstate run: table eventstate holds other machine definitions than " + machines
        + " (changed: door); pass --table NAME"), changed.err());
    assertTrue(!changed.err().contains("\tat "), changed.err());
  }
}
