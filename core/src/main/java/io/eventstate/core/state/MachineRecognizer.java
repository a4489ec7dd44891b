package io.eventstate.core.state;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.fsm.Counters;
import io.eventstate.core.fsm.EntityState;
import io.eventstate.core.fsm.MachineDefinition;
import io.eventstate.core.fsm.StateMachineEngine;
import io.eventstate.core.fsm.Step;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * A state machine as a {@link Recognizer}. State-row cells: {@code m.NAME} (the machine's {@link EntityState} without
 * counters and watermark: it changes only with the machine's states), {@code m.NAME.state} (the state path) and
 * {@code m.NAME.c} (every counter of the machine in one cell, {@link StateColumns#encodeCounters}).
 */
final class MachineRecognizer extends NamedRecognizer<EntityState> {

  private final MachineDefinition def;
  private final String stateQualifier;
  private final String textQualifier;
  private final String countersQualifier;
  private final String legacyCounterPrefix;

  MachineRecognizer(MachineDefinition def) {
    super(def.name(), StateColumns.machine(def.name()), StateColumns.machineState(def.name()),
        StateColumns.machineVersion(def.name()), def.version());
    this.def = def;
    this.stateQualifier = stateQualifier();
    this.textQualifier = textQualifier();
    this.countersQualifier = StateColumns.machineCounters(def.name());
    this.legacyCounterPrefix = StateColumns.machineCounterPrefix(def.name());
  }

  MachineDefinition definition() {
    return def;
  }

  @Override
  public EntityState initial() {
    return StateMachineEngine.initial(def);
  }

  @Override
  public EntityState fromStateRow(String row, Map<String, byte[]> cells, long watermarkNanos) {
    byte[] b = cells.get(stateQualifier);
    if (b == null) {
      return initial();
    }
    EntityState st = decode(row, "s:" + stateQualifier, b);
    Counters counters = storedCounters(row, cells);
    if (counters != null) {
      st = st.withCounters(counters);
    }
    // every machine of the entity applies every applied event: its watermark is the entity's (last_ns)
    return st.withWatermark(watermarkNanos, List.of());
  }

  /**
   * The counters of the state row: the packed cell {@code m.NAME.c}; rows written before it keep one cell per counter
   * ({@code m.NAME.c.COUNTER}), or, older still, the counters inside {@code m.NAME}; null when there are none of those.
   */
  private Counters storedCounters(String row, Map<String, byte[]> cells) {
    byte[] packed = cells.get(countersQualifier);
    if (packed != null) {
      try {
        return Counters.of(StateColumns.decodeCounters(packed));
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException(row + ": cell s:" + countersQualifier + " is unreadable: " + e.getMessage(), e);
      }
    }
    TreeMap<String, Long> legacy = null;
    for (Map.Entry<String, byte[]> c : cells.entrySet()) {
      if (c.getKey().startsWith(legacyCounterPrefix)) {
        long v = StateColumns.toLong(c.getValue());
        if (v != 0) {
          if (legacy == null) {
            legacy = new TreeMap<>();
          }
          legacy.put(c.getKey().substring(legacyCounterPrefix.length()), v);
        }
      }
    }
    return legacy == null ? null : Counters.of(legacy);
  }

  @Override
  public EntityState fromSnapshot(String row, byte[] snapshot) {
    return snapshot == null ? initial() : withoutIds(decode(row, "d:" + stateQualifier, snapshot));
  }

  @Override
  public Stepped<EntityState> step(EntityState state, CanonicalEvent event) {
    Step st = StateMachineEngine.step(def, state, event);
    return new Stepped<>(st.state(), st.state().path(), st.fired());
  }

  /**
   * Snapshots keep the counters and the watermark, not the recent ids (see {@link #withoutIds}) nor the machine's count
   * of all events, which the state row does not keep either ({@code s:events} is the entity's): a snapshot is the same
   * whether the state it follows was read from the state row or kept from the previous write.
   */
  @Override
  public byte[] snapshot(EntityState state) {
    EntityState s = withoutIds(state);
    return s.withCounters(s.counters().withZero(MachineDefinition.COUNTER_EVENTS)).toBytes();
  }

  @Override
  public void stateCells(EntityState before, EntityState now, Map<String, byte[]> stored,
      BiConsumer<String, byte[]> out) {
    if (!now.path().equals(before.path()) || !Arrays.equals(now.enteredAt(), before.enteredAt())
        || !stored.containsKey(stateQualifier) || !stored.containsKey(textQualifier)) {
      out.accept(stateQualifier, now.withWatermark(EntityState.NO_TIME, List.of()).withCounters(Counters.NONE).toBytes());
      out.accept(textQualifier, StateColumns.utf8(now.path()));
    }
    // s:events counts every applied event of the entity: the machine's own count of them is not stored again
    byte[] counters = StateColumns.encodeCounters(now.counters(), MachineDefinition.COUNTER_EVENTS);
    if (counters.length > 0 || stored.containsKey(countersQualifier)) {
      out.accept(countersQualifier, counters);
    }
    versionCell(out);
  }

  /**
   * The state without its recent ids. The processor itself guarantees each event id once (stored rows, the watermark),
   * so the engine's dedupe window is not needed across writes; left in, the window would depend on how events were
   * batched, and so would the snapshot cells.
   */
  static EntityState withoutIds(EntityState s) {
    return s.recentIds().isEmpty() ? s : s.withWatermark(s.lastEventTimeNanos(), List.of());
  }

  private EntityState decode(String row, String cell, byte[] b) {
    try {
      return EntityState.fromBytes(b);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(row + ": " + cell + " (state of machine " + def.name() + ") is unreadable: "
          + e.getMessage(), e);
    }
  }
}
