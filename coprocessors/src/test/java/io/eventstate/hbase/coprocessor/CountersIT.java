package io.eventstate.hbase.coprocessor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.fsm.MachineDefinition;
import io.eventstate.core.fsm.StateMachineEngine;
import io.eventstate.core.fsm.Step;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.state.EntityStateSpec;
import io.eventstate.core.state.StateColumns;
import io.eventstate.flume.sink.SinkWritePath;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.hadoop.hbase.TableName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import io.eventstate.testing.SharedMiniCluster;

/**
 * Exact counting under redelivery: shuffled histories written through the sink's write path with duplicates inside
 * batches, whole batches replayed and single events repeated later, and the state rows' counters — {@code events},
 * the package machine's counters by event type ({@code event.*} in its counter cell {@code m.package.c}) and by state
 * entered ({@code state.*}), and the per-day counters ({@code day.YYYY-MM-DD}, asked for by the package machine) —
 * must equal an offline
 * recomputation over the distinct events.
 */
@ExtendWith({SharedMiniCluster.class, SharedMiniCluster.RegionServersAlive.class})
class CountersIT {

  @Test
  void countersEqualAnOfflineRecomputationAfterDuplicatesAndReplays() throws Exception {
    // a lateness longer than the histories, so every event applies and the offline count needs no lateness rule; the
    // package machine asks for per-day counters (off by default)
    Map<String, String> props = StateTables.standardProperties(EntityStateSpec.CONFIG_LATENESS, "30d");
    String pkg = props.get(EntityStateSpec.CONFIG_MACHINE_PREFIX + "package");
    props.put(EntityStateSpec.CONFIG_MACHINE_PREFIX + "package",
        pkg.replace("\"allowed_lateness\"", "\"counters\": {\"per_day\": true},\n  \"allowed_lateness\""));
    MachineDefinition def = StateTables.spec(props).machines().stream().filter(d -> d.name().equals("package"))
        .findFirst().orElseThrow();
    TableName tn = StateTables.create("counters", props);
    Random r = new Random(42);
    List<CanonicalEvent> events = StateTables.histories(r, 60, 40);
    List<CanonicalEvent> shuffled = new ArrayList<>(events);
    Collections.shuffle(shuffled, new Random(9));
    SinkWritePath sink = StateTables.sink(tn);
    for (int i = 0; i < shuffled.size(); i += 40) {
      List<CanonicalEvent> batch = new ArrayList<>(shuffled.subList(i, Math.min(shuffled.size(), i + 40)));
      batch.add(batch.get(0));
      assertEquals(List.of(), sink.write(batch));
      assertEquals(List.of(), sink.write(batch), "a replayed batch");
      if (i >= 80) {
        assertEquals(List.of(), sink.write(shuffled.subList(i - 80, i - 70)), "events redelivered much later");
      }
    }

    Map<String, List<CanonicalEvent>> byEntity = new TreeMap<>();
    for (CanonicalEvent e : events) {
      byEntity.computeIfAbsent(e.entityType() + ":" + e.entityId(), k -> new ArrayList<>()).add(e);
    }
    Map<String, Map<String, byte[]>> rows = StateTables.rows(tn);
    int checkedCounters = 0;
    for (Map.Entry<String, List<CanonicalEvent>> en : byEntity.entrySet()) {
      List<CanonicalEvent> es = en.getValue();
      CanonicalEvent first = es.get(0);
      Map<String, byte[]> state = rows.get(RowKeyCodec.stateRowKey(first.entityType(), first.entityId()));
      TreeMap<String, Long> expected = new TreeMap<>();
      TreeMap<String, Long> actual = new TreeMap<>();
      expected.put(StateColumns.EVENTS, (long) es.size());
      if (first.entityType().equals("package")) {
        for (CanonicalEvent e : es) {
          expected.merge(StateColumns.day(e.eventTimeNanos()), 1L, Long::sum);
        }
        List<CanonicalEvent> sorted = new ArrayList<>(es);
        sorted.sort(StateMachineEngine.EVENT_ORDER);
        List<Step> steps = StateMachineEngine.replay(def, StateMachineEngine.initial(def), sorted);
        for (Map.Entry<String, Long> c : steps.get(steps.size() - 1).state().counters().asMap().entrySet()) {
          if (!c.getKey().equals(MachineDefinition.COUNTER_EVENTS)) { // s:events
            expected.put(StateColumns.machineCounterPrefix("package") + c.getKey(), c.getValue());
          }
        }
        StateTables.counters(state, "package").forEach((k, v) -> actual.put(StateColumns.machineCounterPrefix("package")
            + k, v));
      }
      for (Map.Entry<String, byte[]> c : state.entrySet()) {
        String q = c.getKey().substring(2);
        boolean counter = q.equals(StateColumns.EVENTS) || q.startsWith(StateColumns.DAY_PREFIX);
        if (c.getKey().startsWith("s:") && counter) {
          long v = StateColumns.toLong(c.getValue());
          if (v != 0) {
            actual.put(q, v);
          }
        }
      }
      assertEquals(expected, actual, en.getKey());
      checkedCounters += expected.size();
    }
    assertEquals(100, byEntity.size());
    assertTrue(checkedCounters > 500, "counters compared: " + checkedCounters);
    assertTrue(rows.values().stream().noneMatch(row -> row.containsKey("d:" + StateColumns.TOO_LATE)));
    assertTrue(rows.values().stream().flatMap(row -> row.keySet().stream()).filter(q -> q.startsWith("s:day."))
        .distinct().count() >= 2, "the histories cross midnight");
  }
}
