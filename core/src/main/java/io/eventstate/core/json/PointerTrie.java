package io.eventstate.core.json;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonPointer;

/**
 * The configured JSON pointers merged into one tree, so that a single streaming pass can match every
 * pointer at once: a field or array element with no node below it is skipped without being read.
 */
final class PointerTrie {

  /** Array indexes above this are matched as property names only (keeps the per-node index table small). */
  static final int MAX_INDEX = 4096;

  static final int[] NO_SLOTS = new int[0];
  private static final Node[] NO_NODES = new Node[0];

  static final class Node {
    final Map<String, Node> fields = new HashMap<>(4);
    /*
     * The same children as flat arrays for the hot path: a handful of keys compared by cached hash code and
     * identity first (Jackson interns field names) beats a HashMap probe, which showed up at ~9% of a
     * normalize in profiles. Rebuilt on every add; the trie is immutable once the normalizer is built.
     */
    private String[] keys = new String[0];
    private byte[][] keyBytes = new byte[0][];
    private int[] hashes = NO_SLOTS;
    private Node[] children = NO_NODES;
    Node[] indexes = NO_NODES;
    /** Capture slots fed by a scalar value at this node. */
    int[] slots = NO_SLOTS;
    /** Attribute prefix used when the value here is an object or array, or null. */
    String structPrefix;

    Node field(String name) {
      String[] k = keys;
      if (k.length > 16) {
        return fields.get(name);
      }
      int h = name.hashCode();
      for (int i = 0; i < k.length; i++) {
        if (hashes[i] == h && (k[i] == name || k[i].equals(name))) {
          return children[i];
        }
      }
      return null;
    }

    /**
     * The child for a field name given as its raw UTF-8 bytes without escapes ({@code body[from..from+len)}),
     * compared without decoding it.
     */
    Node field(byte[] body, int from, int len) {
      byte[][] k = keyBytes;
      if (k.length > 16) {
        return fields.get(new String(body, from, len, StandardCharsets.UTF_8));
      }
      for (int i = 0; i < k.length; i++) {
        byte[] key = k[i];
        if (key.length == len && Arrays.equals(key, 0, len, body, from, from + len)) {
          return children[i];
        }
      }
      return null;
    }

    /** True when no field of this node is configured (only array indexes, or a leaf). */
    boolean hasNoFields() {
      return keys.length == 0;
    }

    void put(String name, Node child) {
      fields.put(name, child);
      keyBytes = Arrays.copyOf(keyBytes, keyBytes.length + 1);
      keyBytes[keyBytes.length - 1] = name.getBytes(StandardCharsets.UTF_8);
      keys = Arrays.copyOf(keys, keys.length + 1);
      hashes = Arrays.copyOf(hashes, hashes.length + 1);
      children = Arrays.copyOf(children, children.length + 1);
      keys[keys.length - 1] = name.intern();
      hashes[hashes.length - 1] = name.hashCode();
      children[children.length - 1] = child;
    }

    Node index(int i) {
      return i < indexes.length ? indexes[i] : null;
    }
  }

  final Node root = new Node();

  /** Adds a pointer and returns its node; segments that are array indexes match both arrays and object keys. */
  Node add(String pointer) {
    Node n = root;
    JsonPointer p = JsonPointer.compile(pointer);
    while (!p.matches()) {
      String name = p.getMatchingProperty();
      Node child = n.fields.get(name);
      if (child == null) {
        child = new Node();
        n.put(name, child);
      }
      int idx = p.getMatchingIndex();
      if (idx >= 0 && idx <= MAX_INDEX) {
        if (idx >= n.indexes.length) {
          n.indexes = Arrays.copyOf(n.indexes, idx + 1);
        }
        n.indexes[idx] = child;
      }
      n = child;
      p = p.tail();
    }
    return n;
  }

  static void addSlot(Node n, int slot) {
    n.slots = Arrays.copyOf(n.slots, n.slots.length + 1);
    n.slots[n.slots.length - 1] = slot;
  }

  /** {@code /event_details/puchased_items} → {@code event_details.puchased_items}. */
  static String dottedName(String pointer) {
    StringBuilder sb = new StringBuilder();
    JsonPointer p = JsonPointer.compile(pointer);
    while (!p.matches()) {
      if (sb.length() > 0) {
        sb.append('.');
      }
      sb.append(p.getMatchingProperty());
      p = p.tail();
    }
    return sb.toString();
  }
}
