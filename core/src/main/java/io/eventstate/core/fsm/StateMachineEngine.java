package io.eventstate.core.fsm;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.rule.Condition;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The state-machine engine: stateless and pure. State goes in and comes out; time comes only from the events (and
 * from the {@code nowNanos} argument of {@link #at}); nothing reads a clock, nothing is cached between calls.
 * Equal inputs give equal outputs, and equal states give equal bytes.
 *
 * <h2>Use</h2>
 * <pre>{@code
 * MachineDefinition def = MachineDefinition.load(Path.of("conf/machines/package.json"));
 * EntityState s = StateMachineEngine.initial(def);
 * Step step = StateMachineEngine.step(def, s, event);   // step.state(), step.fired(), step.notifications()
 * byte[] cell = step.state().toBytes();
 * }</pre>
 *
 * <h2>Order, duplicates, late events</h2>
 * {@link #step} applies an event only if it comes after the state's watermark in {@link #EVENT_ORDER} (event time,
 * ties broken by event id). An event id among the state's recent ids is {@link Outcome#DUPLICATE}; any other event
 * at or before the watermark is {@link Outcome#OUT_OF_ORDER}: the state is returned unchanged and the caller
 * recomputes with {@link #recompute}/{@link #replay} from a snapshot taken before the late event. Because the
 * watermark only grows, a replayed event can never be applied twice by {@code step}. {@link #replay} sorts its
 * events and drops repeated ids itself, so a fold is safe even if the caller passes duplicates.
 *
 * <p>An event id names one event (the configured id or a hash of the raw body), so a
 * redelivery carries the same time. Two different events sharing an id are a producer error: {@link #replay} keeps
 * the first in event order, while {@code step} applies a later one if the first has left the dedupe window.
 */
public final class StateMachineEngine {

  /** Order in which events are applied: event time, then event id. */
  public static final Comparator<CanonicalEvent> EVENT_ORDER =
      Comparator.comparingLong(CanonicalEvent::eventTimeNanos).thenComparing(CanonicalEvent::eventId);

  /** Timeouts fired in one call at most, so that a cycle of short timeouts over a long gap stays bounded. */
  public static final int MAX_TIMEOUTS_PER_STEP = 1000;

  private StateMachineEngine() {
  }

  /** The state of an entity that has seen no event: the initial leaf, no times, zero counters. */
  public static EntityState initial(MachineDefinition def) {
    StateNode leaf = def.initial().initialLeaf();
    long[] entered = new long[leaf.depth() + 1];
    Arrays.fill(entered, EntityState.NO_TIME);
    return new EntityState(leaf.path(), entered, EntityState.NO_TIME, List.of(), Counters.zero(def.counterLayout()));
  }

  /**
   * Applies one event: fires the timeouts due up to the event's time, then the event's transition (or the
   * no-transition policy), and updates the counters and the watermark.
   */
  public static Step step(MachineDefinition def, EntityState state, CanonicalEvent event) {
    if (!def.appliesTo(event.entityType())) {
      return new Step(state, state, Outcome.NOT_APPLICABLE, List.of());
    }
    if (state.hasSeen(event.eventId())) {
      return new Step(state, state, Outcome.DUPLICATE, List.of());
    }
    if (state.started() && compare(event, state.lastEventTimeNanos(), state.lastEventId()) <= 0) {
      return new Step(state, state, Outcome.OUT_OF_ORDER, List.of());
    }
    if (!def.inScope(event)) {
      // outside the machine's scope: no transition, no counter; the watermark follows the entity's, so that the
      // outcome of every later event does not depend on the order the out-of-scope ones arrived in
      List<String> ids = window(state.recentIds(), event.eventId(), Math.max(1, def.dedupeWindow()));
      EntityState next = new EntityState(state.path(), state.enteredAt(), event.eventTimeNanos(), ids, state.counters());
      return new Step(state, next, Outcome.NOT_APPLICABLE, List.of());
    }
    Run run = new Run(def, state, event.eventTimeNanos());
    run.fireTimeouts(event.eventTimeNanos());
    Outcome outcome = run.applyEvent(event);
    long[] c = run.counters;
    c[def.eventsCounter()]++;
    int ec = def.eventCounter(event.eventType());
    if (ec >= 0) {
      c[ec]++;
    }
    List<String> ids = window(state.recentIds(), event.eventId(), Math.max(1, def.dedupeWindow()));
    EntityState next = new EntityState(run.leaf.path(), run.entered, event.eventTimeNanos(), ids,
        new Counters(def.counterLayout(), c, def.counterNameBytes()));
    return new Step(state, next, outcome, run.firedList());
  }

  /**
   * The state as of {@code nowNanos}: fires the timeouts due by then. For reading only (queries, the command
   * line): do not store the result, because an event older than {@code nowNanos} may still arrive and must be
   * applied before those timeouts.
   */
  public static Step at(MachineDefinition def, EntityState state, long nowNanos) {
    if (!state.started()) {
      return new Step(state, state, Outcome.READ, List.of());
    }
    Run run = new Run(def, state, nowNanos);
    run.fireTimeouts(nowNanos);
    if (run.fired == null) {
      return new Step(state, state, Outcome.READ, List.of());
    }
    EntityState next = new EntityState(run.leaf.path(), run.entered, state.lastEventTimeNanos(), state.recentIds(),
        new Counters(def.counterLayout(), run.counters, def.counterNameBytes()));
    return new Step(state, next, Outcome.READ, run.firedList());
  }

  /**
   * Folds events into a snapshot in {@link #EVENT_ORDER}, whatever order they are given in, applying each event id
   * at most once. Events at or before the snapshot's watermark are skipped (see {@link Outcome#OUT_OF_ORDER}).
   *
   * @return the state after the last event
   */
  public static EntityState recompute(MachineDefinition def, EntityState snapshot, Collection<CanonicalEvent> events) {
    List<Step> steps = replay(def, snapshot, events);
    return steps.isEmpty() ? snapshot : steps.get(steps.size() - 1).state();
  }

  /**
   * Like {@link #recompute}, but returns one step per distinct event id, in {@link #EVENT_ORDER}: the coprocessor
   * rewrites each event's derived "state after" cell from these.
   */
  public static List<Step> replay(MachineDefinition def, EntityState snapshot, Collection<CanonicalEvent> events) {
    List<CanonicalEvent> sorted = new ArrayList<>(events);
    sorted.sort(EVENT_ORDER);
    Set<String> seen = new HashSet<>();
    List<Step> out = new ArrayList<>(sorted.size());
    EntityState s = snapshot;
    for (CanonicalEvent e : sorted) {
      if (!seen.add(e.eventId())) {
        continue;
      }
      Step step = step(def, s, e);
      out.add(step);
      s = step.state();
    }
    return out;
  }

  /**
   * True if the event is further behind the entity's newest event than the definition's {@code allowed_lateness}:
   * such an event is stored and flagged, and the state is left unchanged.
   */
  public static boolean tooLate(MachineDefinition def, EntityState state, CanonicalEvent e) {
    return state.started() && state.lastEventTimeNanos() - e.eventTimeNanos() > def.allowedLatenessNanos();
  }

  /** Compares an event with a watermark in {@link #EVENT_ORDER}. */
  public static int compare(CanonicalEvent e, long timeNanos, String eventId) {
    int c = Long.compare(e.eventTimeNanos(), timeNanos);
    return c != 0 ? c : e.eventId().compareTo(eventId == null ? "" : eventId);
  }

  /**
   * The last {@code max} ids of {@code ids} followed by {@code add}: the window of recent event ids a state keeps
   * for de-duplication (machines and sessions alike).
   */
  public static List<String> window(List<String> ids, String add, int max) {
    int keep = Math.min(ids.size(), max - 1);
    if (keep == 0) {
      return List.of(add); // the state keeps this list as it is (no copy)
    }
    String[] out = new String[keep + 1];
    for (int i = 0; i < keep; i++) {
      out[i] = ids.get(ids.size() - keep + i);
    }
    out[keep] = add;
    return Arrays.asList(out);
  }

  /** The mutable working copy of one step. */
  private static final class Run {
    final MachineDefinition def;
    StateNode leaf;
    long[] entered;
    final long[] counters;
    final long lastEventTime;
    List<Fired> fired;

    Run(MachineDefinition def, EntityState s, long firstTime) {
      this.def = def;
      this.lastEventTime = s.lastEventTimeNanos();
      Counters c = s.counters().relayout(def.counterLayout());
      this.counters = c.copyValues();
      StateNode n = def.state(s.path());
      if (n == null || n.isComposite() || !s.started() || s.enteredAt().length != n.depth() + 1) {
        // First event, or the definition no longer has the stored state: start (again) in the initial state.
        n = def.initial().initialLeaf();
        this.entered = new long[n.depth() + 1];
        Arrays.fill(entered, firstTime);
        this.leaf = n;
        for (StateNode p = n; p != null; p = p.parent()) {
          count(p.entryCounter);
        }
      } else {
        this.leaf = n;
        this.entered = s.enteredAt();
      }
    }

    void count(int idx) {
      if (idx >= 0) {
        counters[idx]++;
      }
    }

    List<Fired> firedList() {
      return fired == null ? List.of() : fired;
    }

    void record(Fired f) {
      if (fired == null) {
        fired = new ArrayList<>(2);
      }
      fired.add(f);
    }

    void fireTimeouts(long now) {
      for (int k = 0; k < MAX_TIMEOUTS_PER_STEP && !leaf.isFinal(); k++) {
        Timeout best = null;
        long bestDeadline = Long.MAX_VALUE;
        for (StateNode n = leaf; n != null; n = n.parent()) {
          for (Timeout t : n.timeouts) {
            long base = entered[n.depth()];
            if (base == EntityState.NO_TIME) {
              continue;
            }
            if (t.sinceLastEvent() && lastEventTime > base) {
              base = lastEventTime;
            }
            if (base > Long.MAX_VALUE - t.afterNanos()) {
              continue;
            }
            long d = base + t.afterNanos();
            // Ties go to the outer state: its timeout leaves the inner one too.
            if (d <= now && d <= bestDeadline) {
              best = t;
              bestDeadline = d;
            }
          }
        }
        if (best == null) {
          return;
        }
        String from = leaf.path();
        enter(best.target(), bestDeadline);
        record(new Fired(from, leaf.path(), best.label(), bestDeadline, null, true, best.notifies()));
      }
    }

    Outcome applyEvent(CanonicalEvent e) {
      Transition t = leaf.isFinal() ? null : find(e);
      if (t != null) {
        String from = leaf.path();
        if (t.target() == null) {
          record(new Fired(from, from, e.eventType(), e.eventTimeNanos(), e.eventId(), false, t.notifies()));
          return Outcome.INTERNAL;
        }
        enter(t.target(), e.eventTimeNanos());
        record(new Fired(from, leaf.path(), e.eventType(), e.eventTimeNanos(), e.eventId(), false, t.notifies()));
        return Outcome.TRANSITION;
      }
      switch (def.noTransitionPolicy()) {
        case IGNORE:
          return Outcome.IGNORED;
        case COUNT_UNEXPECTED:
          counters[def.unexpectedCounter()]++;
          return Outcome.UNEXPECTED;
        default:
          counters[def.unexpectedCounter()]++;
          if (leaf == def.errorState()) {
            return Outcome.ERROR_STATE; // already there: count it, do not re-enter
          }
          String from = leaf.path();
          enter(def.errorState(), e.eventTimeNanos());
          record(new Fired(from, leaf.path(), e.eventType(), e.eventTimeNanos(), e.eventId(), false, false));
          return Outcome.ERROR_STATE;
      }
    }

    private Transition find(CanonicalEvent e) {
      Function<String, String> fields = null;
      for (StateNode n = leaf; n != null; n = n.parent()) {
        StateNode.Candidates c = n.candidates(e.eventType());
        if (c == null) {
          continue;
        }
        for (Transition t : c.guarded()) {
          if (fields == null) {
            fields = f -> field(e, f);
          }
          if (holds(t, fields)) {
            return t;
          }
        }
        if (c.fallback() != null) {
          return c.fallback();
        }
      }
      return null;
    }

    private static boolean holds(Transition t, Function<String, String> fields) {
      for (Condition c : t.guard()) {
        if (!c.test(fields)) {
          return false;
        }
      }
      return true;
    }

    private String field(CanonicalEvent e, String f) {
      switch (f) {
        case "eventType":
          return e.eventType();
        case "entityType":
          return e.entityType();
        case "entityId":
          return e.entityId();
        default:
          String key = def.guardAttribute(f);
          return key == null ? null : e.attributes().get(key);
      }
    }

    /** Leaves the current leaf for {@code target} at time {@code at}; see MachineDefinition for the rules. */
    void enter(StateNode target, long at) {
      StateNode newLeaf = target.initialLeaf();
      int firstEntered;
      if (target.contains(leaf)) {
        firstEntered = target.depth();
      } else {
        StateNode a = leaf;
        StateNode b = target;
        while (a.depth() > b.depth()) {
          a = a.parent();
        }
        while (b.depth() > a.depth()) {
          b = b.parent();
        }
        while (a != b) {
          a = a.parent();
          b = b.parent();
        }
        firstEntered = a == null ? 0 : a.depth() + 1;
      }
      long[] ne = new long[newLeaf.depth() + 1];
      System.arraycopy(entered, 0, ne, 0, Math.min(firstEntered, entered.length));
      for (int i = firstEntered; i < ne.length; i++) {
        ne[i] = at;
      }
      for (StateNode p = newLeaf; p != null && p.depth() >= firstEntered; p = p.parent()) {
        count(p.entryCounter);
      }
      entered = ne;
      leaf = newLeaf;
    }
  }
}
