package io.eventstate.core.fsm;

import static io.eventstate.core.fsm.TestSupport.MINUTE;
import static io.eventstate.core.fsm.TestSupport.SECOND;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.eventstate.core.event.CanonicalEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Hand-rolled property tests with a seeded Random (reproducible: the seed and iteration are in every message).
 * For random event sets delivered in random orders within the allowed lateness, the state reached through
 * step + late-event recomputation equals the in-order state, byte for byte; duplicates never change state.
 */
class OrderIndependencePropertyTest {

  private static final long T0 = 1_600_000_000L * SECOND;

  /** Random events over the machine's own event types (plus one it does not know), with guard-relevant attributes. */
  private static List<CanonicalEvent> randomEvents(MachineDefinition def, Random rnd, int n, long spreadNanos) {
    TreeSet<String> types = new TreeSet<>();
    for (StateNode s : def.allStates()) {
      for (Transition t : s.transitions()) {
        types.add(t.event());
      }
    }
    types.add("something_else");
    List<String> tl = new ArrayList<>(types);
    String[] details = {"arrived_at_facility", "departed_facility", null};
    List<CanonicalEvent> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      // Coarse times so that ties (broken by id) happen often.
      long t = T0 + (rnd.nextLong(spreadNanos) / SECOND) * SECOND;
      String type = tl.get(rnd.nextInt(tl.size()));
      out.add(TestSupport.event(def.entityTypes().get(0), "e1", type, t, "id-" + rnd.nextInt(1_000_000) + "-" + i,
          "status_detail", details[rnd.nextInt(3)],
          "degrees_fahrenheit", Integer.toString(200 + rnd.nextInt(200)),
          "battery_percent", Integer.toString(rnd.nextInt(40)),
          "cart_size", Integer.toString(rnd.nextInt(3)),
          "amount", Integer.toString(rnd.nextInt(3) - 1)));
    }
    return out;
  }

  /** An arrival order in which no event is more than {@code lateness} behind the newest one delivered before it. */
  private static List<CanonicalEvent> arrivalOrder(List<CanonicalEvent> events, Random rnd, long lateness) {
    List<long[]> keyed = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      keyed.add(new long[] {events.get(i).eventTimeNanos() + (long) (rnd.nextDouble() * lateness), i});
    }
    keyed.sort(Comparator.comparingLong(k -> k[0]));
    List<CanonicalEvent> out = new ArrayList<>();
    for (long[] k : keyed) {
      out.add(events.get((int) k[1]));
      if (rnd.nextInt(10) == 0) {
        out.add(events.get((int) k[1])); // redelivery
      }
    }
    return out;
  }

  private static void checkMachine(String file, long spread, int iterations) {
    MachineDefinition def = TestSupport.machine(file);
    long seed = 20261126L + file.hashCode();
    Random rnd = new Random(seed);
    for (int it = 0; it < iterations; it++) {
      List<CanonicalEvent> events = randomEvents(def, rnd, 1 + rnd.nextInt(40), spread);
      EntityState inOrder = StateMachineEngine.recompute(def, StateMachineEngine.initial(def), events);
      List<CanonicalEvent> arrivals = arrivalOrder(events, rnd, def.allowedLatenessNanos());
      EntityState viaLate = LateEventHarness.deliver(def, arrivals);
      String msg = file + " seed " + seed + " iteration " + it;
      assertEquals(inOrder, viaLate, msg);
      assertArrayEquals(inOrder.toBytes(), viaLate.toBytes(), msg);
      assertEquals(inOrder, EntityState.fromBytes(inOrder.toBytes()), msg);
    }
  }

  @Test
  void packageStateDoesNotDependOnArrivalOrder() {
    checkMachine("package.json", 20 * 24 * 60 * MINUTE, 400);
  }

  @Test
  void toasterStateDoesNotDependOnArrivalOrder() {
    checkMachine("toaster.json", 20 * MINUTE, 400);
  }

  @Test
  void deviceStateDoesNotDependOnArrivalOrder() {
    checkMachine("device.json", 3 * 60 * MINUTE, 400);
  }

  @Test
  void checkoutStateDoesNotDependOnArrivalOrder() {
    checkMachine("checkout.json", 48 * 60 * MINUTE, 400);
  }

  @Test
  void videoStateDoesNotDependOnArrivalOrder() {
    checkMachine("video-playback.json", 60 * MINUTE, 400);
  }

  @Test
  void duplicatesNeverChangeState() {
    MachineDefinition def = TestSupport.machine("package.json");
    Random rnd = new Random(7);
    for (int it = 0; it < 500; it++) {
      List<CanonicalEvent> events = randomEvents(def, rnd, 1 + rnd.nextInt(30), 10 * 24 * 60 * MINUTE);
      EntityState s = StateMachineEngine.initial(def);
      List<CanonicalEvent> applied = new ArrayList<>();
      events.sort(StateMachineEngine.EVENT_ORDER);
      for (CanonicalEvent e : events) {
        Step st = StateMachineEngine.step(def, s, e);
        s = st.state();
        if (st.outcome() != Outcome.DUPLICATE) {
          applied.add(e);
        }
        // Replaying any event already applied returns the very same state.
        CanonicalEvent again = applied.get(rnd.nextInt(applied.size()));
        Step dup = StateMachineEngine.step(def, s, again);
        assertSame(s, dup.state(), "iteration " + it + " replay of " + again);
      }
      List<CanonicalEvent> doubled = new ArrayList<>(events);
      for (int k = 0; k < 5; k++) {
        doubled.add(events.get(rnd.nextInt(events.size())));
      }
      assertEquals(StateMachineEngine.recompute(def, StateMachineEngine.initial(def), events),
          StateMachineEngine.recompute(def, StateMachineEngine.initial(def), doubled), "iteration " + it);
    }
  }

  @Test
  void steppingFromDecodedBytesGivesByteEqualResults() {
    MachineDefinition def = TestSupport.machine("checkout.json");
    Random rnd = new Random(11);
    for (int it = 0; it < 300; it++) {
      List<CanonicalEvent> events = randomEvents(def, rnd, 2 + rnd.nextInt(20), 30 * 60 * MINUTE);
      events.sort(StateMachineEngine.EVENT_ORDER);
      EntityState direct = StateMachineEngine.initial(def);
      EntityState viaBytes = StateMachineEngine.initial(def);
      for (CanonicalEvent e : events) {
        direct = StateMachineEngine.step(def, direct, e).state();
        viaBytes = StateMachineEngine.step(def, EntityState.fromBytes(viaBytes.toBytes()), e).state();
        assertArrayEquals(direct.toBytes(), viaBytes.toBytes(), "iteration " + it);
        EntityState decodedWithDef = EntityState.fromBytes(direct.toBytes(), def);
        assertEquals(direct, decodedWithDef, "iteration " + it);
        assertArrayEquals(direct.toBytes(), decodedWithDef.toBytes(), "iteration " + it);
      }
    }
  }
}
