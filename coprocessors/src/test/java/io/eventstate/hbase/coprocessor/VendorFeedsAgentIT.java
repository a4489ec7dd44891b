package io.eventstate.hbase.coprocessor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.eventstate.testing.SharedMiniCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.hadoop.hbase.TableName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.state.StateColumns;
import io.eventstate.testing.InProcessAgent;
import io.eventstate.testing.VendorData;

/**
 * Two vendor feeds mapped by configuration alone, through the shipped example agent (its {@code aftership} and
 * {@code github} sources, which read conf/flume/mappings/aftership.properties and github.properties) into a table with
 * the state coprocessor and conf/machines' package, github-item and checkout machines: an AfterShip "list trackings"
 * response as published, and GitHub's webhook examples posted with their X-GitHub-Event header in delivery order,
 * each feed into its own table ({@link VendorData}: each test skips on its own when its payloads are not present).
 * Expected counts and times are read from the raw payloads.
 */
@ExtendWith({SharedMiniCluster.class, SharedMiniCluster.RegionServersAlive.class})
class VendorFeedsAgentIT {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** The GitHub examples in the order GitHub delivered them (by the item's updated_at). */
  private static final List<String> GITHUB = List.of("issues/opened", "issues/labeled", "issues/locked",
      "issues/unlocked", "pull_request/opened", "pull_request/labeled", "pull_request/closed", "issues/reopened");

  @TempDir
  Path dir;

  private static int post(InProcessAgent agent, String source, byte[] body, String event) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.port(source) + "/"))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json; charset=UTF-8")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (event != null) {
      b.header("X-GitHub-Event", event);
    }
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static TableName table(String name) throws Exception {
    Map<String, String> props = io.eventstate.core.state.EntityStateSpec.properties(List.of(StateTables.conf("package.json"),
        StateTables.conf("github-item.json"), StateTables.conf("checkout.json")));
    return StateTables.create(name, props);
  }

  private static void awaitStored(TableName tn, long expectedRows) {
    await("every event stored").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
        .until(() -> StateTables.rows(tn).keySet().stream()
            .filter(r -> RowKeyCodec.decode(r).kind() == RowKeyCodec.Kind.EVENT).count() == expectedRows
            && InProcessAgent.counter("channel", "events", "ChannelSize") == 0);
    assertEquals(0, InProcessAgent.counter("channel", "deadletter", "EventPutSuccessCount"));
  }

  @Test
  void aftershipReachesItsStates() throws Exception {
    Path aftership = VendorData.aftershipTrackings();
    TableName tn = table("vendorfeeds_aftership");
    JsonNode trackings = MAPPER.readTree(aftership.toFile()).path("data").path("trackings");
    int checkpoints = 0;
    for (JsonNode t : trackings) {
      checkpoints += t.path("checkpoints").size();
    }
    try (InProcessAgent agent = StateTables.exampleAgent(dir, tn.getNameAsString()).start()) {
      assertEquals(200, post(agent, "aftership", Files.readAllBytes(aftership), null));
      awaitStored(tn, checkpoints);
      assertEquals(trackings.size() - 1, InProcessAgent.counter("other", "aftership", "explode.empty"),
          "the trackings without checkpoints are counted, not dead-lettered");
      assertEquals(0, InProcessAgent.counter("interceptor", "normalize-aftership", "events.invalid"));

      // the FedEx parcel, with a recoverable exception, ends delivered; times are the checkpoints' own
      Map<String, Map<String, byte[]>> rows = StateTables.rows(tn);
      JsonNode fedex = trackings.get(0);
      String pkg = fedex.path("slug").asText() + "/" + fedex.path("tracking_number").asText();
      Map<String, byte[]> ps = rows.get(RowKeyCodec.stateRowKey("package", pkg));
      assertNotNull(ps, "no state row for package " + pkg);
      assertEquals("delivered", StateColumns.text(ps.get("s:" + StateColumns.machineState("package"))));
      assertEquals(checkpoints, StateTables.counter(ps, StateColumns.EVENTS));
      TreeMap<String, Long> pc = StateTables.counters(ps, "package");
      assertEquals(null, pc.get("unexpected"), pc.toString());
      JsonNode lastScan = fedex.path("checkpoints").get(checkpoints - 1);
      java.time.OffsetDateTime lt = java.time.OffsetDateTime.parse(lastScan.path("checkpoint_time").asText());
      assertEquals(Long.toString(lt.toEpochSecond() * 1_000_000_000L), StateColumns.text(ps.get("s:" + StateColumns.LAST_NS)));
    }
  }

  @Test
  void githubReachesItsStates() throws Exception {
    List<Path> files = GITHUB.stream().map(VendorData::github).toList();
    TableName tn = table("vendorfeeds_github");
    try (InProcessAgent agent = StateTables.exampleAgent(dir, tn.getNameAsString()).start()) {
      List<JsonNode> bodies = new ArrayList<>();
      for (int i = 0; i < GITHUB.size(); i++) {
        String f = GITHUB.get(i);
        assertEquals(200, post(agent, "github", Files.readAllBytes(files.get(i)), f.substring(0, f.indexOf('/'))), f);
        bodies.add(MAPPER.readTree(files.get(i).toFile()));
      }
      awaitStored(tn, 2L * GITHUB.size()); // every delivery: its item and its sender
      assertEquals(GITHUB.size(), InProcessAgent.counter("interceptor", "normalize-github", "events.fanout"));

      // issue #1 open (unlocked again, reopened), pull request #2 closed without merge
      Map<String, Map<String, byte[]>> rows = StateTables.rows(tn);
      Map<String, byte[]> issue = rows.get(RowKeyCodec.stateRowKey("issue", "Codertocat/Hello-World#1"));
      Map<String, byte[]> pr = rows.get(RowKeyCodec.stateRowKey("pull_request", "Codertocat/Hello-World#2"));
      assertEquals("open/unlocked", StateColumns.text(issue.get("s:" + StateColumns.machineState("github-item"))));
      assertEquals(5, StateTables.counter(issue, StateColumns.EVENTS));
      assertEquals("closed", StateColumns.text(pr.get("s:" + StateColumns.machineState("github-item"))));
      assertEquals(3, StateTables.counter(pr, StateColumns.EVENTS));
      assertEquals(null, StateTables.counters(issue, "github-item").get("unexpected"));
      // the sender is a user: the checkout machine is scoped to its own event types and counts nothing unexpected
      String sender = bodies.get(0).path("sender").path("login").asText();
      Map<String, byte[]> user = rows.get(RowKeyCodec.stateRowKey("user", sender));
      assertNotNull(user, "no state row for user " + sender);
      assertEquals(null, StateTables.counters(user, "checkout").get("unexpected"),
          StateTables.counters(user, "checkout").toString());
    }
  }
}
