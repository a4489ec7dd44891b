package io.eventstate.core.fsm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One state of a {@link MachineDefinition}. A state with children is composite: entering it enters its initial
 * child, and the transitions and timeouts declared on it apply in every state nested in it. Its {@link #path()}
 * is the names from the outermost state down, joined by {@code /} ({@code in_transit/at_facility}); that path is
 * what {@link EntityState} stores. Immutable once its definition is built.
 */
public final class StateNode {

  /** Guarded transitions of one state for one event type, and the unguarded fallback (or null). */
  record Candidates(Transition[] guarded, Transition fallback) {
  }

  private final String name;
  private final String path;
  private final StateNode parent;
  private final int depth;
  final List<StateNode> children = new ArrayList<>();
  StateNode initialChild;
  boolean isFinal;
  final List<Transition> transitions = new ArrayList<>();
  final List<Timeout> timeouts = new ArrayList<>();
  final Map<String, Candidates> byEvent = new HashMap<>();
  int entryCounter = -1;
  /** True for the machine's error_state (diagrams label it). */
  boolean errorStateOfMachine;
  String jsonPath;

  StateNode(String name, StateNode parent, String jsonPath) {
    this.name = name;
    this.parent = parent;
    this.path = parent == null ? name : parent.path + "/" + name;
    this.depth = parent == null ? 0 : parent.depth + 1;
    this.jsonPath = jsonPath;
  }

  public String name() {
    return name;
  }

  public String path() {
    return path;
  }

  /** The enclosing state, or null for a top-level state. */
  public StateNode parent() {
    return parent;
  }

  /** 0 for a top-level state. */
  public int depth() {
    return depth;
  }

  public List<StateNode> children() {
    return Collections.unmodifiableList(children);
  }

  public boolean isComposite() {
    return !children.isEmpty();
  }

  /** The child entered when this composite state is entered; null for a simple state. */
  public StateNode initialChild() {
    return initialChild;
  }

  public boolean isFinal() {
    return isFinal;
  }

  /** The transitions declared on this state (not the inherited ones). */
  public List<Transition> transitions() {
    return Collections.unmodifiableList(transitions);
  }

  /** The timeouts declared on this state. */
  public List<Timeout> timeouts() {
    return Collections.unmodifiableList(timeouts);
  }

  /** The leaf state entered when this state is the target of a transition: follows initial children down. */
  public StateNode initialLeaf() {
    StateNode n = this;
    while (n.initialChild != null) {
      n = n.initialChild;
    }
    return n;
  }

  /** True if this state is {@code other} or encloses it. */
  public boolean contains(StateNode other) {
    for (StateNode n = other; n != null; n = n.parent) {
      if (n == this) {
        return true;
      }
    }
    return false;
  }

  /** The JSON path where the state is declared. */
  public String jsonPath() {
    return jsonPath;
  }

  Candidates candidates(String eventType) {
    return byEvent.get(eventType);
  }

  @Override
  public String toString() {
    return path;
  }
}
