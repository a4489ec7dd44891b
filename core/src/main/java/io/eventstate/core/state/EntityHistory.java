package io.eventstate.core.state;

import io.eventstate.core.state.EntityStateProcessor.StoredEvent;
import io.eventstate.core.state.EntityStateProcessor.StoredState;
import java.io.IOException;
import java.util.List;

/**
 * The storage port of {@link EntityRebuild}: everything one entity has stored. The sibling of {@link EntityRows}
 * (which answers only what a write needs); the rebuild endpoint implements it over its region, tests over a sorted
 * map. Calls are made with the entity's state row locked by the caller.
 */
public interface EntityHistory {

  /**
   * The entity's state row (family {@code s}), or {@link StoredState#EMPTY}; its {@link StoredState#timestamp()} is the
   * greatest timestamp of any of its cells (a rebuild writes at or above it, so that no written cell hides below a
   * stored one).
   */
  StoredState stateRow() throws IOException;

  /** Every stored event of the entity with its derived cells (family {@code d}), in any order. */
  List<StoredEvent> events() throws IOException;
}
