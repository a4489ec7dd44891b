package io.eventstate.core.json;

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
    Node[] indexes = NO_NODES;
    /** Capture slots fed by a scalar value at this node. */
    int[] slots = NO_SLOTS;
    /** Attribute prefix used when the value here is an object or array, or null. */
    String structPrefix;

    Node field(String name) {
      return fields.get(name);
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
        n.fields.put(name, child);
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
