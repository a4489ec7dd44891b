package io.eventstate.core.fsm;

import static io.eventstate.core.fsm.TestSupport.MINUTE;
import static io.eventstate.core.fsm.TestSupport.SECOND;
import static io.eventstate.core.fsm.TestSupport.event;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.event.CanonicalEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

class ToasterMachineTest {

  private final MachineDefinition def = TestSupport.machine("toaster.json");
  private static final long T0 = 1_700_000_000L * SECOND;

  private static CanonicalEvent ev(String type, long t, String id, String... attrs) {
    return event("toaster", "kitchen-1", type, t, id, attrs);
  }

  private EntityState run(CanonicalEvent... events) {
    EntityState s = StateMachineEngine.initial(def);
    for (CanonicalEvent e : events) {
      s = StateMachineEngine.step(def, s, e).state();
    }
    return s;
  }

  @Test
  void leverDownEntersTheCompositeStatesInitialChild() {
    Step step = StateMachineEngine.step(def, StateMachineEngine.step(def, StateMachineEngine.initial(def),
        ev("plugged_in", T0, "e0")).state(), ev("lever_down", T0 + SECOND, "e1"));
    assertEquals("toasting/heating", step.state().path());
    assertEquals(Outcome.TRANSITION, step.outcome());
    assertArrayEquals(new long[] {T0 + SECOND, T0 + SECOND}, step.state().enteredAt());
    assertEquals(List.of(new Fired("idle", "toasting/heating", "lever_down", T0 + SECOND, "e1", false, false)), step.fired());
  }

  @Test
  void guardsOnNumericAttributeMoveBetweenChildrenWithoutLeavingTheParent() {
    EntityState s = run(ev("lever_down", T0, "e1"), ev("temperature", T0 + 10 * SECOND, "e2", "degrees_fahrenheit", "250"));
    assertEquals("toasting/heating", s.path());
    s = StateMachineEngine.step(def, s, ev("temperature", T0 + 20 * SECOND, "e3", "degrees_fahrenheit", "310.5")).state();
    assertEquals("toasting/browning", s.path());
    assertArrayEquals(new long[] {T0, T0 + 20 * SECOND}, s.enteredAt(), "the parent's entered-at time is kept");
    assertEquals(1, s.counter("state.toasting"));
    assertEquals(1, s.counter("state.toasting/browning"));
    assertEquals(2, s.counter("event.temperature"));
  }

  @Test
  void parentTransitionAppliesInEveryChildAndNotifies() {
    EntityState s = run(ev("lever_down", T0, "e1"), ev("temperature", T0 + SECOND, "e2", "degrees_fahrenheit", "400"));
    Step pop = StateMachineEngine.step(def, s, ev("pop", T0 + 2 * MINUTE, "e3"));
    assertEquals("idle", pop.state().path());
    assertEquals(1, pop.notifications().size());
    assertEquals("toasting/browning", pop.notifications().get(0).from());
  }

  @Test
  void timeoutFiresLazilyAtTheNextEventStampedWithItsDeadline() {
    EntityState s = run(ev("lever_down", T0, "e1"));
    Step late = StateMachineEngine.step(def, s, ev("pop", T0 + 9 * MINUTE, "e2"));
    assertEquals("burnt", late.state().path());
    assertEquals(new Fired("toasting/heating", "burnt", "after 5m", T0 + 5 * MINUTE, null, true, true), late.fired().get(0));
    assertEquals(Outcome.UNEXPECTED, late.outcome(), "the pop comes after the toast burnt: a final state absorbs");
    assertEquals(1, late.state().counter("unexpected"));
    assertEquals(T0 + 5 * MINUTE, late.state().leafEnteredAt());
  }

  @Test
  void atEvaluatesTimeoutsForReadingWithoutTouchingTheWatermark() {
    EntityState s = run(ev("lever_down", T0, "e1"));
    Step before = StateMachineEngine.at(def, s, T0 + 4 * MINUTE);
    assertSame(s, before.state());
    Step after = StateMachineEngine.at(def, s, T0 + 6 * MINUTE);
    assertEquals("burnt", after.state().path());
    assertEquals(Outcome.READ, after.outcome());
    assertEquals(s.lastEventTimeNanos(), after.state().lastEventTimeNanos());
    assertEquals(s.recentIds(), after.state().recentIds());
  }

  @Test
  void duplicateAndOutOfOrderEventsLeaveTheStateAlone() {
    EntityState s = run(ev("lever_down", T0, "e1"), ev("temperature", T0 + 5 * SECOND, "e2", "degrees_fahrenheit", "320"));
    Step dup = StateMachineEngine.step(def, s, ev("temperature", T0 + 5 * SECOND, "e2", "degrees_fahrenheit", "320"));
    assertEquals(Outcome.DUPLICATE, dup.outcome());
    assertSame(s, dup.state());
    Step old = StateMachineEngine.step(def, s, ev("lever_up", T0 + SECOND, "e9"));
    assertEquals(Outcome.OUT_OF_ORDER, old.outcome());
    assertSame(s, old.state());
    Step tieLowerId = StateMachineEngine.step(def, s, ev("lever_up", T0 + 5 * SECOND, "e1x"));
    assertEquals(Outcome.OUT_OF_ORDER, tieLowerId.outcome(), "same time, smaller id: sorts before the watermark");
    Step tieHigherId = StateMachineEngine.step(def, s, ev("lever_up", T0 + 5 * SECOND, "e3"));
    assertEquals(Outcome.TRANSITION, tieHigherId.outcome());
  }

  @Test
  void otherEntityTypesAreNotApplicable() {
    EntityState s = StateMachineEngine.initial(def);
    Step st = StateMachineEngine.step(def, s, event("kettle", "k", "lever_down", T0, "x"));
    assertEquals(Outcome.NOT_APPLICABLE, st.outcome());
    assertSame(s, st.state());
  }

  @Test
  void unknownEventTypeIsCountedAsOtherAndUnexpected() {
    Step st = StateMachineEngine.step(def, StateMachineEngine.initial(def), ev("dance", T0, "x"));
    assertEquals(Outcome.UNEXPECTED, st.outcome());
    assertEquals("idle", st.state().path());
    assertEquals(1, st.state().counter("event._other"));
    assertEquals(java.util.Map.of("events", 1L, "event._other", 1L, "unexpected", 1L, "state.idle", 1L),
        st.counterDeltas());
    assertTrue(st.changed());
  }

  @Test
  void selfTransitionReentersAndRestartsTheTimer() {
    // unplugged -> plugged_in -> idle; idle has no self transition, so use the composite's lever_down path instead:
    EntityState s = run(ev("lever_down", T0, "e1"), ev("lever_up", T0 + MINUTE, "e2"), ev("lever_down", T0 + 2 * MINUTE, "e3"));
    assertEquals("toasting/heating", s.path());
    assertEquals(T0 + 2 * MINUTE, s.enteredAt()[0]);
    assertEquals(2, s.counter("state.toasting"));
    Step still = StateMachineEngine.at(def, s, T0 + 6 * MINUTE);
    assertEquals("toasting/heating", still.state().path(), "the timer restarted when toasting was re-entered");
  }
}
