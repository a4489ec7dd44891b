package io.eventstate.core.state;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The cells of one state row, qualifier → value, immutable: two parallel arrays searched linearly. A state row has
 * about ten cells and a write looks up each of them once, mostly with the very qualifier Strings the recognizers hold
 * (equal references compare at once), so arrays beat a hash map here and cost a fraction of its memory when the next
 * version of the row is made ({@link #with}).
 */
final class StateCells extends AbstractMap<String, byte[]> {

  static final StateCells EMPTY = new StateCells(new String[0], new byte[0][]);

  private final String[] keys;
  private final byte[][] values;

  private StateCells(String[] keys, byte[][] values) {
    this.keys = keys;
    this.values = values;
  }

  static StateCells of(Map<String, byte[]> cells) {
    if (cells instanceof StateCells s) {
      return s;
    }
    String[] k = new String[cells.size()];
    byte[][] v = new byte[cells.size()][];
    int i = 0;
    for (Map.Entry<String, byte[]> e : cells.entrySet()) {
      k[i] = e.getKey();
      v[i++] = e.getValue();
    }
    return new StateCells(k, v);
  }

  private int indexOf(Object key) {
    for (int i = 0; i < keys.length; i++) {
      if (keys[i] == key) {
        return i;
      }
    }
    for (int i = 0; i < keys.length; i++) {
      if (keys[i].equals(key)) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public byte[] get(Object key) {
    int i = indexOf(key);
    return i < 0 ? null : values[i];
  }

  @Override
  public boolean containsKey(Object key) {
    return indexOf(key) >= 0;
  }

  @Override
  public int size() {
    return keys.length;
  }

  /** These cells with {@code n} of the given ones written over them. */
  StateCells with(String[] newKeys, byte[][] newValues, int n) {
    if (n == 0) {
      return this;
    }
    String[] k = java.util.Arrays.copyOf(keys, keys.length + n);
    byte[][] v = java.util.Arrays.copyOf(values, values.length + n);
    int size = keys.length;
    for (int j = 0; j < n; j++) {
      int i = indexOf(newKeys[j]);
      if (i >= 0) {
        v[i] = newValues[j];
      } else {
        k[size] = newKeys[j];
        v[size++] = newValues[j];
      }
    }
    return size == k.length ? new StateCells(k, v)
        : new StateCells(java.util.Arrays.copyOf(k, size), java.util.Arrays.copyOf(v, size));
  }

  @Override
  public Set<Map.Entry<String, byte[]>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Map.Entry<String, byte[]>> iterator() {
        return new Iterator<>() {
          private int i;

          @Override
          public boolean hasNext() {
            return i < keys.length;
          }

          @Override
          public Map.Entry<String, byte[]> next() {
            if (i >= keys.length) {
              throw new NoSuchElementException();
            }
            Map.Entry<String, byte[]> e = Map.entry(keys[i], values[i]);
            i++;
            return e;
          }
        };
      }

      @Override
      public int size() {
        return keys.length;
      }
    };
  }
}
