package io.eventstate.core.fsm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Draws a {@link MachineDefinition} as Graphviz DOT (composite states as {@code subgraph cluster_<name>}) or as
 * Mermaid {@code stateDiagram-v2} (composite states as {@code state X { ... }}). Edge labels are the event type,
 * the guard in brackets, and {@code / notify} when the transition notifies; timeouts read {@code after 7d} (with
 * {@code idle} when measured since the last event). Internal transitions are listed on their state. Output is
 * deterministic (declaration order).
 *
 * <p>From the command line: {@code ./eventstate diagram conf/machines/package.json --format mermaid|dot|svg}.
 */
public final class MachineDiagrams {

  private MachineDiagrams() {
  }

  private static String label(Transition t) {
    StringBuilder b = new StringBuilder(t.event());
    if (!t.guard().isEmpty()) {
      List<String> g = new ArrayList<>();
      t.guard().forEach(c -> g.add(c.toString()));
      b.append(" [").append(String.join(" and ", g)).append(']');
    }
    if (t.notifies()) {
      b.append(" / notify");
    }
    return b.toString();
  }

  private static String label(Timeout t) {
    return t.label() + (t.notifies() ? " / notify" : "");
  }

  /** Internal transitions of a state, grouped: "heartbeat, metadata". */
  private static String internals(StateNode s) {
    List<String> out = new ArrayList<>();
    for (Transition t : s.transitions()) {
      if (t.target() == null) {
        out.add(label(t));
      }
    }
    return out.isEmpty() ? "" : "stays on " + String.join(", ", out);
  }

  /** The text shown on a state: its internal transitions, and whether it is the error state. */
  private static String note(StateNode s) {
    String internal = internals(s);
    if (s.errorStateOfMachine) {
      return internal.isEmpty() ? "entered on any unexpected event" : "entered on any unexpected event, " + internal;
    }
    return internal;
  }

  /** The deepest state strictly enclosing both, or null for the top level. */
  private static StateNode scope(StateNode a, StateNode b) {
    for (StateNode p = a.parent(); p != null; p = p.parent()) {
      if (p.contains(b) && p != b) {
        return p;
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- Mermaid

  /** Mermaid {@code stateDiagram-v2}. */
  public static String toMermaid(MachineDefinition def) {
    Map<StateNode, List<String>> edges = new LinkedHashMap<>();
    for (StateNode s : def.allStates()) {
      for (Transition t : s.transitions()) {
        if (t.target() != null) {
          edges.computeIfAbsent(scope(s, t.target()), k -> new ArrayList<>())
              .add(s.name() + " --> " + t.target().name() + " : " + mermaidText(label(t)));
        }
      }
      for (Timeout t : s.timeouts()) {
        edges.computeIfAbsent(scope(s, t.target()), k -> new ArrayList<>())
            .add(s.name() + " --> " + t.target().name() + " : " + mermaidText(label(t)));
      }
    }
    StringBuilder b = new StringBuilder();
    b.append("stateDiagram-v2\n");
    b.append("    %% ").append(def.name()).append(" (").append(def.source()).append("), no_transition: ")
        .append(def.noTransitionPolicy().key());
    if (def.errorState() != null) {
      b.append(" -> ").append(def.errorState().name());
    }
    b.append('\n');
    b.append("    [*] --> ").append(def.initial().name()).append('\n');
    mermaidBlock(b, def.states(), null, edges, "    ");
    return b.toString();
  }

  private static void mermaidBlock(StringBuilder b, List<StateNode> states, StateNode parent,
      Map<StateNode, List<String>> edges, String indent) {
    if (parent != null) {
      b.append(indent).append("[*] --> ").append(parent.initialChild().name()).append('\n');
    }
    for (StateNode s : states) {
      String internal = note(s);
      if (s.isComposite()) {
        b.append(indent).append("state ").append(s.name()).append(" {\n");
        mermaidBlock(b, s.children(), s, edges, indent + "    ");
        b.append(indent).append("}\n");
        if (!internal.isEmpty()) {
          b.append(indent).append("%% ").append(s.name()).append(": ").append(internal).append('\n');
        }
      } else if (!internal.isEmpty()) {
        b.append(indent).append(s.name()).append(" : ").append(mermaidText(internal)).append('\n');
      } else {
        // Declared in its block so that Mermaid nests it even when only edges outside the block name it.
        b.append(indent).append(s.name()).append('\n');
      }
      if (s.isFinal()) {
        b.append(indent).append(s.name()).append(" --> [*]\n");
      }
    }
    for (String e : edges.getOrDefault(parent, List.of())) {
      b.append(indent).append(e).append('\n');
    }
  }

  private static String mermaidText(String s) {
    return s.replace(";", ",").replace(":", "#58;").replace("<", "#lt;").replace(">", "#gt;");
  }

  // ---------------------------------------------------------------- DOT

  /** Graphviz DOT, composite states as clusters. */
  public static String toDot(MachineDefinition def) {
    StringBuilder b = new StringBuilder();
    b.append("digraph \"").append(dotText(def.name())).append("\" {\n");
    b.append("  compound=true;\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
    b.append("  edge [fontname=\"Helvetica\", fontsize=10];\n");
    b.append("  \"__start\" [shape=point, width=0.15];\n");
    dotBlock(b, def.states(), "  ");
    b.append("  \"__start\" -> ").append(headOf(def.initial())).append(";\n");
    for (StateNode s : def.allStates()) {
      if (s.isComposite()) {
        b.append("  \"").append(s.name()).append("__init\" -> ").append(headOf(s.initialChild())).append(";\n");
      }
      for (Transition t : s.transitions()) {
        if (t.target() != null) {
          dotEdge(b, s, t.target(), label(t), false);
        }
      }
      for (Timeout t : s.timeouts()) {
        dotEdge(b, s, t.target(), label(t), true);
      }
    }
    if (def.errorState() != null) {
      b.append("  // no_transition: error_state -> ").append(def.errorState().name()).append('\n');
    }
    b.append("}\n");
    return b.toString();
  }

  private static void dotBlock(StringBuilder b, List<StateNode> states, String indent) {
    for (StateNode s : states) {
      String internal = note(s);
      if (s.isComposite()) {
        b.append(indent).append("subgraph \"cluster_").append(s.name()).append("\" {\n");
        b.append(indent).append("  label=\"").append(dotText(s.name() + (internal.isEmpty() ? "" : "\n(" + internal + ")")))
            .append("\";\n  ").append(indent).append("style=rounded;\n");
        b.append(indent).append("  \"").append(s.name()).append("__init\" [shape=point, width=0.1];\n");
        dotBlock(b, s.children(), indent + "  ");
        b.append(indent).append("}\n");
      } else {
        b.append(indent).append('"').append(s.name()).append("\" [label=\"")
            .append(dotText(s.name() + (internal.isEmpty() ? "" : "\n(" + internal + ")"))).append('"');
        if (s.isFinal()) {
          b.append(", shape=doubleoctagon");
        }
        b.append("];\n");
      }
    }
  }

  private static String headOf(StateNode s) {
    return s.isComposite() ? "\"" + s.name() + "__init\" [lhead=\"cluster_" + s.name() + "\"]" : "\"" + s.name() + "\"";
  }

  private static void dotEdge(StringBuilder b, StateNode from, StateNode to, String label, boolean timeout) {
    String tail = from.isComposite() ? from.name() + "__init" : from.name();
    String head = to.isComposite() ? to.name() + "__init" : to.name();
    b.append("  \"").append(tail).append("\" -> \"").append(head).append("\" [label=\"").append(dotText(label)).append('"');
    if (from.isComposite() && !from.contains(to)) {
      b.append(", ltail=\"cluster_").append(from.name()).append('"');
    }
    if (to.isComposite() && !to.contains(from)) {
      b.append(", lhead=\"cluster_").append(to.name()).append('"');
    }
    if (timeout) {
      b.append(", style=dashed");
    }
    b.append("];\n");
  }

  private static String dotText(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
