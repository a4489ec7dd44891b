package io.eventstate.core.fsm;

import java.util.Arrays;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Named 8-byte counters of one entity, immutable. Names are sorted; the layout is usually shared with the
 * definition ({@link MachineDefinition#counterNames()}), so stepping copies one small {@code long[]}. Equality
 * and the byte form consider only non-zero counters, so a counter that was never incremented is the same as an
 * absent one.
 */
public final class Counters {

  private final String[] names;
  private final long[] values;
  /** The names' UTF-8 bytes when the layout is a definition's (computed once there), else null. */
  private final byte[][] utf8Names;

  Counters(String[] names, long[] values) {
    this(names, values, null);
  }

  Counters(String[] names, long[] values, byte[][] utf8Names) {
    this.names = names;
    this.values = values;
    this.utf8Names = utf8Names;
  }

  byte[] utf8Name(int i) {
    return utf8Names != null ? utf8Names[i] : names[i].getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** All counters at zero in the given layout. */
  static Counters zero(String[] layout) {
    return new Counters(layout, new long[layout.length]);
  }

  /** No counters. */
  public static final Counters NONE = new Counters(new String[0], new long[0]);

  /** True if every counter is zero (or there are none). */
  public boolean isZero() {
    for (long v : values) {
      if (v != 0) {
        return false;
      }
    }
    return true;
  }

  /** Builds counters from a map (any names). */
  public static Counters of(SortedMap<String, Long> map) {
    String[] n = map.keySet().toArray(new String[0]);
    long[] v = new long[n.length];
    for (int i = 0; i < n.length; i++) {
      v[i] = map.get(n[i]);
    }
    return new Counters(n, v);
  }

  /** The value of a counter, 0 if absent. */
  public long get(String name) {
    int i = Arrays.binarySearch(names, name);
    return i < 0 ? 0 : values[i];
  }

  /** The same counters with one set to zero (this object if it is zero already). */
  public Counters withZero(String name) {
    int i = Arrays.binarySearch(names, name);
    if (i < 0 || values[i] == 0) {
      return this;
    }
    long[] v = values.clone();
    v[i] = 0;
    return new Counters(names, v, utf8Names);
  }

  /** Visits every non-zero counter, in name order. */
  public void forEachNonZero(java.util.function.ObjLongConsumer<String> visitor) {
    for (int i = 0; i < names.length; i++) {
      if (values[i] != 0) {
        visitor.accept(names[i], values[i]);
      }
    }
  }

  /** The non-zero counters, sorted by name. */
  public SortedMap<String, Long> asMap() {
    TreeMap<String, Long> m = new TreeMap<>();
    for (int i = 0; i < names.length; i++) {
      if (values[i] != 0) {
        m.put(names[i], values[i]);
      }
    }
    return Collections.unmodifiableSortedMap(m);
  }

  String[] layout() {
    return names;
  }

  /** Receives one counter whose value changed. */
  @FunctionalInterface
  public interface ChangeVisitor {
    void changed(String name, long before, long now);
  }

  /**
   * Visits, in name order, every counter whose value differs between {@code before} and these counters (an absent
   * counter is 0). One merge walk over the two sorted layouts, or a plain index walk when they share one.
   */
  public void forEachChange(Counters before, ChangeVisitor visitor) {
    String[] bn = before.names;
    long[] bv = before.values;
    if (bn == names) {
      for (int i = 0; i < names.length; i++) {
        if (bv[i] != values[i]) {
          visitor.changed(names[i], bv[i], values[i]);
        }
      }
      return;
    }
    int i = 0;
    int j = 0;
    while (i < names.length || j < bn.length) {
      int c = i >= names.length ? 1 : j >= bn.length ? -1 : names[i].compareTo(bn[j]);
      if (c < 0) {
        if (values[i] != 0) {
          visitor.changed(names[i], 0, values[i]);
        }
        i++;
      } else if (c > 0) {
        if (bv[j] != 0) {
          visitor.changed(bn[j], bv[j], 0);
        }
        j++;
      } else {
        if (values[i] != bv[j]) {
          visitor.changed(names[i], bv[j], values[i]);
        }
        i++;
        j++;
      }
    }
  }

  long[] values() {
    return values;
  }

  long[] copyValues() {
    return values.clone();
  }

  /** The same counters in another layout; names the layout lacks are dropped. */
  Counters relayout(String[] layout) {
    if (layout == names) {
      return this;
    }
    // Both name arrays are sorted: one merge walk.
    long[] v = new long[layout.length];
    int j = 0;
    for (int i = 0; i < layout.length && j < names.length; i++) {
      int c;
      while (j < names.length && (c = names[j].compareTo(layout[i])) <= 0) {
        if (c == 0) {
          v[i] = values[j];
        }
        j++;
      }
    }
    return new Counters(layout, v);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Counters c)) {
      return false;
    }
    if (c.names == names) {
      return Arrays.equals(values, c.values);
    }
    return asMap().equals(c.asMap());
  }

  @Override
  public int hashCode() {
    return asMap().hashCode();
  }

  @Override
  public String toString() {
    return asMap().toString();
  }
}
