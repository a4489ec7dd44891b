package io.eventstate.hbase.coprocessor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.fsm.StateMachineEngine;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.state.EntityStateSpec;
import io.eventstate.core.state.StateColumns;
import io.eventstate.flume.interceptor.HotEntityInterceptor;
import io.eventstate.flume.sink.EventSinkCounters;
import io.eventstate.testing.InProcessAgent;
import io.eventstate.testing.RecordingSink;
import io.eventstate.testing.SharedMiniCluster;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.hbase.TableName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hot-entity guard end to end with {@code EventSink}: a real in-process agent (test resource
 * {@code flume/hot-hbase-agent.properties}: HTTP source, normalizing interceptor, {@link HotEntityInterceptor} with at
 * most {@value #CAP} events of an entity per request and hold 0, a multiplexing selector into a normal and a hot
 * channel, one EventSink per channel) writes into one table with the state observer (package machine, web sessions).
 * The stream is skewed: one package sends more than half of the events (most requests hold far more than
 * {@value #CAP} of them, so each such request splits it across the two channels), among StateTables' random package
 * and user histories; some of its scans arrive requests late, one request is sent twice in a row (a client retry) and
 * the last request repeats earlier events. Requests are sent one at a time, each once both channels are empty, so that
 * the two parts of a request are written by the two sinks together and race for the package's state row.
 *
 * <p>Expected figures come from the requests alone: the hot package's events after its {@value #CAP}th in a request
 * take the hot channel and sink; every event row is stored once; every entity's state equals the engines' recompute
 * over all its events ({@link StateTables#assertInvariants}) and core's rebuild finds nothing to change (a verify-only
 * {@link StateRebuildClient} run); nothing is too late, dead-lettered or applied twice.
 */
@ExtendWith({SharedMiniCluster.class, SharedMiniCluster.RegionServersAlive.class})
class HotEntityHBaseIT {

  /** {@code interceptors.hot.perBatch} of the agent file. */
  private static final int CAP = 20;
  private static final String HOT = "pkg-hot";
  private static final int HOT_EVENTS = 400;
  private static final int REQUEST = 90;
  private static final String JSON_TYPE = "application/json; charset=UTF-8";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void theHotEntitysExcessTakesASinkOfItsOwnAndEveryStateEqualsTheOfflineRecompute() throws Exception {
    Map<String, String> props = StateTables.standardProperties();
    EntityStateSpec spec = StateTables.spec(props);
    TableName tn = StateTables.create("hotguard", props);
    List<List<CanonicalEvent>> requests = requests(new Random(17));
    List<CanonicalEvent> sent = new ArrayList<>();
    long diverted = 0;
    long becameHot = 0;
    for (List<CanonicalEvent> r : requests) {
      sent.addAll(r);
      long hot = r.stream().filter(e -> e.entityId().equals(HOT)).count();
      diverted += Math.max(0, hot - CAP);
      becameHot += hot > CAP ? 1 : 0;
    }
    long total = sent.size();
    Set<String> ids = new HashSet<>();
    Set<String> entities = new HashSet<>();
    for (CanonicalEvent e : sent) {
      ids.add(e.eventId());
      entities.add(e.entityType() + ":" + e.entityId());
    }
    assertTrue(becameHot >= 8 && total - ids.size() >= 100, "a skewed stream with repeats: " + becameHot + " requests"
        + " over the cap, " + (total - ids.size()) + " repeats");

    ObserverMetrics applied = ObserverMetrics.of(tn, m -> m.applied);
    ObserverMetrics duplicates = ObserverMetrics.of(tn, m -> m.duplicates);
    ObserverMetrics late = ObserverMetrics.of(tn, m -> m.late);
    ObserverMetrics tooLate = ObserverMetrics.of(tn, m -> m.tooLate);
    long appliedAtStart = applied.sum(); // registries are shared by every table of the JVM
    long duplicatesAtStart = duplicates.sum();
    long lateAtStart = late.sum();
    long tooLateAtStart = tooLate.sum();

    RecordingSink.clearAll();
    Path conf = Path.of(getClass().getResource("/flume/hot-hbase-agent.properties").toURI());
    long toHot = diverted;
    try (InProcessAgent agent = InProcessAgent.fromFile(conf, "a1").workDir(dir)
        .hbase(tn.getNameAsString(), "127.0.0.1", SharedMiniCluster.zkPort()).start()) {
      long posted = 0;
      for (List<CanonicalEvent> r : requests) {
        HttpResponse<String> response = agent.post("guarded", body(r), JSON_TYPE);
        assertEquals(200, response.statusCode(), response.body());
        posted += r.size();
        long upTo = posted;
        // one request at a time: its two parts are written by the two sinks together and race for the state row
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
            .until(() -> drained("hbaseHot") + drained("hbaseNormal") >= upTo);
      }
      await("both sinks drained their channels").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> drained("hbaseHot") >= toHot && drained("hbaseNormal") >= total - toHot
              && InProcessAgent.counter("channel", "hot", "ChannelSize") == 0
              && InProcessAgent.counter("channel", "normal", "ChannelSize") == 0);

      // the guard diverted exactly the hot package's excess, the hot channel and sink carried it
      assertEquals(total, InProcessAgent.counter("source", "guarded", "EventAcceptedCount"));
      assertEquals(total, InProcessAgent.counter("interceptor", "guarded-normalize", "events.valid"));
      assertEquals(total, InProcessAgent.counter("interceptor", "guarded-hot", HotEntityInterceptor.EVENTS_IN));
      assertEquals(total, InProcessAgent.counter("interceptor", "guarded-hot", HotEntityInterceptor.EVENTS_LOOKED));
      assertEquals(diverted, InProcessAgent.counter("interceptor", "guarded-hot", HotEntityInterceptor.EVENTS_DIVERTED));
      assertEquals(becameHot, InProcessAgent.counter("interceptor", "guarded-hot", HotEntityInterceptor.ENTITIES_HOT),
          "hold 0: the package becomes hot once in every request where it is over the cap");
      assertEquals(diverted, InProcessAgent.counter("channel", "hot", "EventPutSuccessCount"));
      assertEquals(total - diverted, InProcessAgent.counter("channel", "normal", "EventPutSuccessCount"));
      assertEquals(diverted, drained("hbaseHot"));
      assertEquals(total - diverted, drained("hbaseNormal"));
      assertEquals(0, InProcessAgent.counter("channel", "rejected", "EventPutSuccessCount"));
      assertEquals(List.of(), RecordingSink.events("toRejected"));
      for (String sink : List.of("hbaseNormal", "hbaseHot")) {
        assertEquals(0, InProcessAgent.counter("other", sink, EventSinkCounters.DEAD_LETTERED), sink);
      }
      assertTrue(InProcessAgent.counter("other", "hbaseHot", EventSinkCounters.EVENT_ROWS_WRITTEN) >= diverted);
      // at least one hot-sink write per request over the cap, each of one entity only: one state row per write
      assertTrue(InProcessAgent.counter("other", "hbaseHot", EventSinkCounters.ATOMIC_WRITES) >= becameHot);
      assertEquals(InProcessAgent.counter("other", "hbaseHot", EventSinkCounters.ATOMIC_WRITES),
          InProcessAgent.counter("other", "hbaseHot", EventSinkCounters.STATE_ROWS_TOUCHED));
      System.out.printf("HotEntityHBaseIT: %d events sent (%d distinct, %d entities), %d through the hot sink in %d"
              + " writes; rollbacks normal %d, hot %d; observer: %d late events replayed%n", total, ids.size(),
          entities.size(), diverted, InProcessAgent.counter("other", "hbaseHot", EventSinkCounters.ATOMIC_WRITES),
          InProcessAgent.counter("other", "hbaseNormal", EventSinkCounters.ROLLBACKS),
          InProcessAgent.counter("other", "hbaseHot", EventSinkCounters.ROLLBACKS), late.sum() - lateAtStart);
    }

    // every event row once, every state row the engines' recompute over all of its entity's events
    assertEquals(entities.size(), StateTables.assertInvariants(tn, spec, sent));
    Map<String, Map<String, byte[]>> rows = StateTables.rows(tn);
    long eventRows = 0;
    for (Map.Entry<String, Map<String, byte[]>> r : rows.entrySet()) {
      assertFalse(RowKeyCodec.isDeadLetter(r.getKey()), r.getKey());
      assertFalse(r.getValue().containsKey("d:" + StateColumns.TOO_LATE), "too late: " + r.getKey());
      eventRows += RowKeyCodec.decode(r.getKey()).kind() == RowKeyCodec.Kind.EVENT ? 1 : 0;
    }
    assertEquals(ids.size(), eventRows);
    assertEquals(0, tooLate.sum() - tooLateAtStart);
    assertEquals(ids.size(), applied.sum() - appliedAtStart, "every event applied once");
    assertTrue(duplicates.sum() - duplicatesAtStart >= total - ids.size(), "the repeats were seen as duplicates");
    assertTrue(late.sum() - lateAtStart > 0, "the scans held back arrived after later ones: replayed as late events");
    // core's rebuild (the live path's fold over every stored event, in order) would change no cell
    StateRebuildClient.Report verify = StateRebuildClient.run(SharedMiniCluster.util().getConnection(), tn,
        StateRebuildClient.Options.defaults().withVerifyOnly(true), null);
    assertEquals(ids.size(), verify.events());
    assertEquals(entities.size(), verify.entities());
    assertEquals(0, verify.changed(), verify.changes().toString());
  }

  private static long drained(String sink) {
    return InProcessAgent.counter("sink", sink, "EventDrainSuccessCount");
  }

  /**
   * The requests in the order they are sent: StateTables' histories of 30 packages and 20 users and the hot
   * package's {@value #HOT_EVENTS} scans (every 3 minutes over 20 hours) in event order, {@value #REQUEST} events a
   * request, except one scan in 20 of the hot package held back two requests (late, well within package.json's 2d);
   * the third request sent twice in a row; last, a request of 60 earlier events, one of them twice.
   */
  private static List<List<CanonicalEvent>> requests(Random r) {
    List<CanonicalEvent> all = new ArrayList<>(StateTables.histories(r, 30, 20));
    for (int i = 0; i < HOT_EVENTS; i++) {
      String type = i == 0 ? "pre_transit" : i == HOT_EVENTS - 1 ? "delivered" : i % 41 == 0 ? "out_for_delivery"
          : i % 59 == 0 ? "failed_attempt" : i % 83 == 0 ? "exception" : "in_transit";
      all.add(StateTables.event("package", HOT, type, StateTables.T0 + i * 3 * StateTables.MIN + 7_000_000_000L,
          HOT + "-e" + i, "status_detail", r.nextBoolean() ? "arrived_at_facility" : "departed"));
    }
    all.sort(StateMachineEngine.EVENT_ORDER);
    List<List<CanonicalEvent>> requests = new ArrayList<>();
    TreeMap<Integer, List<CanonicalEvent>> held = new TreeMap<>();
    for (int i = 0; i < all.size(); i += REQUEST) {
      int n = requests.size();
      List<CanonicalEvent> request = new ArrayList<>();
      for (CanonicalEvent e : all.subList(i, Math.min(all.size(), i + REQUEST))) {
        boolean edge = e.eventId().equals(HOT + "-e0") || e.eventId().equals(HOT + "-e" + (HOT_EVENTS - 1));
        if (e.entityId().equals(HOT) && !edge && r.nextInt(20) == 0) {
          held.computeIfAbsent(n + 2, k -> new ArrayList<>()).add(e);
        } else {
          request.add(e);
        }
      }
      for (CanonicalEvent e : held.getOrDefault(n, List.of())) {
        request.add(r.nextInt(request.size() + 1), e);
      }
      held.remove(n);
      requests.add(request);
      if (n == 2) {
        requests.add(request); // the response was lost: the client sends it again
      }
    }
    List<CanonicalEvent> last = new ArrayList<>();
    held.values().forEach(last::addAll);
    List<CanonicalEvent> earlier = new ArrayList<>();
    requests.forEach(earlier::addAll);
    for (int i = 0; i < 60; i++) {
      last.add(earlier.get(r.nextInt(earlier.size())));
    }
    last.add(last.get(last.size() - 1));
    requests.add(last);
    return requests;
  }

  private static String body(List<CanonicalEvent> events) throws Exception {
    List<Map<String, Object>> out = new ArrayList<>();
    for (CanonicalEvent e : events) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", e.eventId());
      m.put(e.entityType().equals("package") ? "code" : "user", e.entityId());
      m.put("type", e.eventType());
      m.put("t", e.eventTimeNanos());
      m.putAll(e.attributes());
      out.add(m);
    }
    return JSON.writeValueAsString(out);
  }
}
