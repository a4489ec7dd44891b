package io.eventstate.core.state;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.state.EntityStateProcessor.StoredEvent;
import io.eventstate.core.state.EntityStateProcessor.StoredState;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The storage port of {@link EntityStateProcessor#advance}: what the store that holds one entity's rows can answer
 * about them. The HBase coprocessor implements it over the region that holds the entity (the entity's rows are
 * contiguous there, see {@link io.eventstate.core.rowkey.RowKeyCodec#entityRange}); tests implement it over a sorted
 * map. Every key and range an implementation needs comes from {@link io.eventstate.core.rowkey.RowKeyCodec}.
 *
 * <p>Calls are made with the entity's state row locked by the caller, so the answers cannot change under the advance.
 */
public interface EntityRows {

  /** The entity's state row (family {@code s}) as stored, or {@link StoredState#EMPTY} if there is none. */
  StoredState stateRow() throws IOException;

  /** The ids of those candidate events whose event rows are stored already. */
  Set<String> storedIds(List<CanonicalEvent> candidates) throws IOException;

  /**
   * The greatest event id ({@link String#compareTo} order) among the entity's stored events at exactly
   * {@code timeNanos}, or null if there is none.
   */
  String greatestIdAt(long timeNanos) throws IOException;

  /**
   * What a late event at {@code fromNanos} is replayed from: the newest stored event strictly before {@code fromNanos}
   * that {@code isSnapshot} accepts (null if none), and every stored event after it (from the entity's first event if
   * there is no snapshot), in any order.
   */
  ReplayWindow replayWindow(long fromNanos, Predicate<StoredEvent> isSnapshot) throws IOException;

  /**
   * A replay window.
   *
   * @param snapshot the stored event whose derived cells hold the state to start from, or null (initial states)
   * @param events   the stored events after it, in any order
   */
  record ReplayWindow(StoredEvent snapshot, List<StoredEvent> events) {
    /** No replay. */
    public static final ReplayWindow NONE = new ReplayWindow(null, List.of());

    public ReplayWindow {
      events = List.copyOf(events);
    }
  }
}
