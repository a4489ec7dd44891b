package io.eventstate.core.cache;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The one LRU cache of Eventstate: thread-safe, bounded in entries, with an optional time to live. A
 * {@link LinkedHashMap} in access order under one lock: its users (the state decorator, a few calls per batch; the
 * state coprocessor's per-region cache of state rows, a few calls per mini-batch under row locks) do not contend on
 * it, so Caffeine is not worth a dependency of the coprocessor jar. Time comes from an injected nanosecond clock.
 */
public final class LruCache<K, V> {

  private record Entry<V>(V value, long loadedNanos) {
  }

  private final int maxEntries;
  private final long ttlNanos;
  private final LongSupplier nanoClock;
  private final LinkedHashMap<K, Entry<V>> map;
  private long evictions;

  /** A cache without a time to live: entries leave only when the bound pushes them out or are removed. */
  public LruCache(int maxEntries) {
    this(maxEntries, Long.MAX_VALUE, () -> 0L);
  }

  /**
   * @param maxEntries at most this many entries are kept (the least recently used goes first)
   * @param ttlNanos   an entry older than this is not returned (and is removed); 0 disables the cache
   */
  public LruCache(int maxEntries, long ttlNanos, LongSupplier nanoClock) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be at least 1, got " + maxEntries);
    }
    this.maxEntries = maxEntries;
    this.ttlNanos = ttlNanos;
    this.nanoClock = nanoClock;
    this.map = new LinkedHashMap<>(16, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<K, Entry<V>> eldest) {
        if (size() > LruCache.this.maxEntries) {
          evictions++;
          return true;
        }
        return false;
      }
    };
  }

  /** The fresh value of {@code key}, or null. */
  public synchronized V get(K key) {
    Entry<V> e = map.get(key);
    if (e == null) {
      return null;
    }
    if (nanoClock.getAsLong() - e.loadedNanos >= ttlNanos) {
      map.remove(key);
      return null;
    }
    return e.value;
  }

  /** Stores a value loaded now (ignored when the TTL is 0). */
  public synchronized void put(K key, V value) {
    if (ttlNanos <= 0) {
      return;
    }
    map.put(key, new Entry<>(value, nanoClock.getAsLong()));
  }

  /** Forgets {@code key}. */
  public synchronized void remove(K key) {
    map.remove(key);
  }

  public synchronized int size() {
    return map.size();
  }

  /** Entries evicted by the size bound so far. */
  public synchronized long evictions() {
    return evictions;
  }

  public int maxEntries() {
    return maxEntries;
  }
}
