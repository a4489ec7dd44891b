package io.eventstate.core.decorate;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A small thread-safe LRU cache with a size bound and a time to live, for the state decorator: a
 * {@link LinkedHashMap} in access order under one lock (the decorator calls it a few times per batch, so
 * contention is not the bottleneck; Caffeine would be, but is not worth a dependency for this). Time comes from an
 * injected nanosecond clock.
 */
public final class LruCache<K, V> {

  private record Entry<V>(V value, long loadedNanos) {
  }

  private final int maxEntries;
  private final long ttlNanos;
  private final LongSupplier nanoClock;
  private final LinkedHashMap<K, Entry<V>> map;
  private long evictions;

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
