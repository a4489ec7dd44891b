package io.eventstate.hbase.coprocessor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.hadoop.hbase.TableName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import io.eventstate.core.act.Landing;
import io.eventstate.core.state.EntityStateSpec;
import io.eventstate.flume.sink.NotificationSink;
import io.eventstate.testing.InProcessAgent;
import io.eventstate.testing.SharedMiniCluster;

/**
 * The shipped {@code conf/flume/actions-notify.properties} in process, both agents started together by the shared
 * runner, against a table with the state coprocessor: the device's transitions land once in n1, and an event of a
 * device that has state in HBase is decorated from it ({@code es.decorate=decorated}, its machine state and event
 * count), seen on the alert that reaches n1 through the streaming path.
 */
@ExtendWith({SharedMiniCluster.class, SharedMiniCluster.RegionServersAlive.class})
class ActionsAgentIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  private static List<Path> landed(Path d) throws Exception {
    try (Stream<Path> s = Files.walk(d)) {
      return s.filter(p -> p.toString().endsWith(".json")).toList();
    }
  }

  private static Map<String, String> headers(Path record) throws Exception {
    Map<String, String> h = new TreeMap<>();
    JSON.readTree(record.toFile()).get("headers").fields().forEachRemaining(e -> h.put(e.getKey(), e.getValue().asText()));
    return h;
  }

  @Test
  void aKnownDeviceIsDecoratedFromItsStateAndItsTransitionsLandOnce() throws Exception {
    Map<String, String> props = new TreeMap<>(EntityStateSpec.properties(List.of(StateTables.conf("device.json"))));
    TableName table = StateTables.create("actions", props);
    Path repo = StateTables.repoRoot();
    Path file = repo.resolve("conf/flume/actions-notify.properties");
    List<String> lines = Files.readAllLines(repo.resolve("samples/actions/devices.jsonl"), StandardCharsets.UTF_8);
    try (InProcessAgent a = InProcessAgent.fromFile(file, "a1").alsoAgents("n1").workDir(dir)
        .hbase(table.getNameAsString(), "127.0.0.1", SharedMiniCluster.util().getZkCluster().getClientPort())
        .resolveFilesAgainst(repo)
        // the example caches "no state yet" for 5 s; the test asks HBase every time
        .override("sources.http.interceptors.state.cacheTtlMs", "0").start()) {
      Path landing = Path.of(a.relocation().properties().getProperty("n1.sinks.receiver.directory"));
      for (String l : lines) {
        a.post("http", l, "application/json; charset=UTF-8");
      }
      // five transitions (c361-...: online, offline, online, decommissioned; garage-sensor-7: online) and the alert
      await("landed").atMost(Duration.ofSeconds(60)).until(() -> landed(landing).size() == 6
          && InProcessAgent.counter("channel", "events", "ChannelSize") == 0);
      assertEquals(5, InProcessAgent.counter("sink", "hbase-notify", "transitions"));
      List<Map<String, String>> garage = new java.util.ArrayList<>();
      for (Path p : landed(landing)) {
        Map<String, String> h = headers(p);
        if ("garage-sensor-7".equals(h.get("es.entityId")) && "transition".equals(h.get("es.notify.kind"))) {
          garage.add(h);
          assertEquals(landing.resolve(Landing.path(h.get("es.notify.id"))), p, "landed under its id");
        }
      }
      assertEquals(1, garage.size(), garage.toString());
      assertTrue(garage.get(0).get("es.notify.id").startsWith("device:garage-sensor-7|device|provisioned>online"),
          garage.toString());

      // a later hot reading of garage-sensor-7, which now has state in HBase
      a.post("http", "{\"time_utc\":\"1457742085.000000011\",\"device_id\":\"garage-sensor-7\","
          + "\"event_type\":\"environmental_info\",\"degrees_fahrenheit\":\"101\"}", "application/json; charset=UTF-8");
      await("the second alert").atMost(Duration.ofSeconds(60)).until(() -> landed(landing).size() == 7);
      Map<String, String> alert = null;
      for (Path p : landed(landing)) {
        Map<String, String> h = headers(p);
        if ("1457742085000000011".equals(h.get("es.eventTime"))) {
          alert = h;
        }
      }
      assertTrue(alert != null, "the second alert landed");
      assertEquals("decorated", alert.get("es.decorate"), alert.toString());
      assertEquals("online/healthy", alert.get("es.state.m.device.state"), alert.toString());
      assertEquals("3", alert.get("es.state.events"), "the state before this event: three applied " + alert);
      assertEquals(0, InProcessAgent.counter("sink", "receiver-landed", NotificationSink.DUPLICATES));
    }
  }
}
