package io.eventstate.hbase.coprocessor;

import io.eventstate.core.cache.LruCache;
import io.eventstate.core.state.EntityStateProcessor.StoredState;
import java.util.Map;

/**
 * The state rows of one region, most recently used first, so that a write does not read the state row back. It is
 * consistent because every change of our state cells passes through the observer under the entity's exclusive lock:
 * an entry is replaced in {@code postBatchMutate} (written, locks still held), dropped when a mini-batch fails, and
 * dropped when any other mutation touches a state row (anything but the sink's {@code s:touch}). A new region
 * (open, move, split) starts empty.
 */
final class StateRowCache {

  /** Entries per region: about 1-2 KB each. */
  static final int DEFAULT_ENTRIES = 4096;

  private final LruCache<String, StoredState> entries;

  StateRowCache(int max) {
    this.entries = new LruCache<>(max);
  }

  StoredState get(String stateRow) {
    return entries.get(stateRow);
  }

  void putAll(Map<String, StoredState> written) {
    written.forEach(entries::put);
  }

  void remove(String stateRow) {
    entries.remove(stateRow);
  }
}
