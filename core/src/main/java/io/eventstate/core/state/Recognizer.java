package io.eventstate.core.state;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.fsm.Fired;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * One recognizer of an entity's activity as {@link EntityStateProcessor} folds it: a state machine
 * ({@link MachineRecognizer}) or a session spec ({@link SessionRecognizer}). A write folds the entity's events through
 * the list of recognizers that apply to its type; each keeps its full state in one state-row cell
 * ({@link #stateQualifier()}, also the snapshot cell of snapshot events) and a SQL-readable text on the state row and
 * on every event row ({@link #textQualifier()}).
 *
 * @param <S> the recognizer's state, an immutable value
 */
public interface Recognizer<S> {

  /** The definition's name. */
  String name();

  /** Qualifier of the full state: on the state row (family {@code s}) and on snapshot events (family {@code d}). */
  String stateQualifier();

  /** Qualifier of the SQL-readable text of the state: on the state row and on every applied event row. */
  String textQualifier();

  /** The state of an entity that has seen no event. */
  S initial();

  /**
   * The state the state row's cells hold.
   *
   * @param row            the state row key, for messages
   * @param cells          the state row (family {@code s}, qualifier → value)
   * @param watermarkNanos the entity's newest applied event time ({@code s:last_ns})
   * @throws IllegalStateException naming the row and the cell if a cell cannot be read
   */
  S fromStateRow(String row, Map<String, byte[]> cells, long watermarkNanos);

  /** The state a snapshot event's derived cell holds ({@code snapshot} null: {@link #initial()}). */
  S fromSnapshot(String row, byte[] snapshot);

  /** Folds one event in; events come in event order, each id once. */
  Stepped<S> step(S state, CanonicalEvent event);

  /** The snapshot cell's value for a state. */
  byte[] snapshot(S state);

  /**
   * The state-row cells of a state, except those provably unchanged: present in {@code stored} and encoding a part of
   * the state that is the same in {@code before} (the state {@code stored} holds) and {@code now}. The processor
   * writes only cells whose bytes differ from the stored ones.
   */
  void stateCells(S before, S now, Map<String, byte[]> stored, BiConsumer<String, byte[]> out);

  /**
   * One step's result.
   *
   * @param state the state after the event
   * @param text  the text cell of the event row ({@link #textQualifier()})
   * @param fired transitions taken (machines only)
   */
  record Stepped<S>(S state, String text, List<Fired> fired) {
  }
}
