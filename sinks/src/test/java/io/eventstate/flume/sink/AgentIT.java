package io.eventstate.flume.sink;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.rowkey.TableSchema;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.flume.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import io.eventstate.testing.SharedMiniCluster;

/** R2 and R3 with a real in-process Flume agent built from a properties file. */
@ExtendWith(SharedMiniCluster.class)
class AgentIT {

  @TempDir
  Path dir;

  private static List<Event> events(String prefix, int n, int entities) {
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      events.add(TestEvents.event(prefix + i, prefix + "u" + (i % entities), 1_600_000_000_000_000_000L + i * 1000L,
          "{\"seq\":" + i + "}"));
    }
    return events;
  }

  private static long eventRows(String table) throws Exception {
    return TestTables.rows(table).stream().filter(r -> !RowKeyCodec.isDeadLetter(r) && !r.endsWith("!state")).count();
  }

  @Test
  void missingTableAtStartTakesNoEventAndTheSinkRecoversOnceTheTableExists() throws Exception {
    String table = TestTables.uniqueName("late");
    try (SinkAgent agent = SinkAgent.start(dir, table, Map.of())) {
      await().atMost(Duration.ofSeconds(30)).until(() -> agent.eventstateCounter("StartFailures") >= 1);
      assertEquals(200, agent.send(events("late", 20, 4)));
      await().atMost(Duration.ofSeconds(30)).alias("channel size of " + agent.channelName + " in "
          + io.eventstate.testing.InProcessAgent.counters("channel", agent.channelName)).until(() -> agent.channelSize() == 20);
      // The supervisor keeps retrying start(); until the table exists nothing is taken.
      await().atMost(Duration.ofSeconds(30)).until(() -> agent.eventstateCounter("StartFailures") >= 2);
      assertEquals(20, agent.channelSize());
      // registered by the failed start() (-1 would mean unregistered), and zero: no event taken while the table is missing
      assertEquals(0, agent.sinkCounter("EventDrainAttemptCount"), "no event taken while the table is missing");

      SchemaTool.create(SharedMiniCluster.util().getAdmin(), new TableSchema(table, 4));
      await().atMost(Duration.ofSeconds(60)).until(() -> eventRows(table) == 20);
      await().atMost(Duration.ofSeconds(30)).until(() -> agent.sinkCounter("EventDrainSuccessCount") == 20);
      assertEquals(0, agent.channelSize());
    }
  }

  @Test
  void hbaseStoppedMidStreamRollsBackKeepsTheAgentUpAndDeliversEverythingOnceAfterRestart() throws Exception {
    TableSchema schema = TestTables.create("outage");
    String table = schema.tableName();
    try (SinkAgent agent = SinkAgent.start(dir, table, Map.of())) {
      assertEquals(200, agent.send(events("a", 30, 5)));
      await().atMost(Duration.ofSeconds(60)).until(() -> eventRows(table) == 30);

      SharedMiniCluster.stopHBase();
      try {
        assertEquals(200, agent.send(events("b", 30, 5)), "the agent keeps accepting events");
        await().atMost(Duration.ofSeconds(60)).until(() -> agent.eventstateCounter("Rollbacks") >= 1);
        assertEquals(200, agent.send(events("c", 10, 5)), "still up after failed writes");
      } finally {
        SharedMiniCluster.startHBase();
      }
      await().atMost(Duration.ofSeconds(120)).until(() -> eventRows(table) == 70);
      await().atMost(Duration.ofSeconds(30)).until(() -> agent.channelSize() == 0);
      List<String> rows = TestTables.rows(table);
      List<String> ids = rows.stream().filter(r -> !r.endsWith("!state"))
          .map(r -> RowKeyCodec.decode(r).eventId()).sorted().collect(Collectors.toList());
      assertEquals(70, ids.stream().distinct().count());
      assertEquals(70, ids.size(), "each event once");
      assertTrue(rows.stream().noneMatch(RowKeyCodec::isDeadLetter), "an outage is not a poison event");
      assertEquals(70 + agent.eventstateCounter("DeadLettered"), agent.sinkCounter("EventDrainSuccessCount"));
    }
  }
}
