package io.eventstate.core.state;

import io.eventstate.core.fsm.MachineDefinition;
import io.eventstate.core.fsm.StateNode;
import io.eventstate.core.session.SessionSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The difference between a table's definitions and new ones: machines and session specs added, removed and changed
 * (by definition version, {@code m.NAME.v}), and for a changed machine the states it no longer has and the ones it
 * gains; when one state goes and one comes under the same parent it is shown as a rename. Entities in a removed state
 * keep it until they are rebuilt.
 *
 * @param lines one line per difference, in name order; empty when the definitions are the same
 */
public record DefinitionDiff(List<String> lines) {

  public DefinitionDiff {
    lines = List.copyOf(lines);
  }

  /** True if nothing differs (the settings outside the definitions are not compared). */
  public boolean same() {
    return lines.isEmpty();
  }

  public static DefinitionDiff between(EntityStateSpec stored, EntityStateSpec wanted) {
    List<String> out = new ArrayList<>();
    TreeMap<String, MachineDefinition> oldM = new TreeMap<>();
    stored.machines().forEach(m -> oldM.put(m.name(), m));
    TreeMap<String, MachineDefinition> newM = new TreeMap<>();
    wanted.machines().forEach(m -> newM.put(m.name(), m));
    TreeSet<String> names = new TreeSet<>(oldM.keySet());
    names.addAll(newM.keySet());
    for (String n : names) {
      MachineDefinition a = oldM.get(n);
      MachineDefinition b = newM.get(n);
      if (a == null) {
        out.add("machine " + n + ": added (" + b.version() + ")");
      } else if (b == null) {
        out.add("machine " + n + ": removed (its cells are deleted by a rebuild)");
      } else if (!a.version().equals(b.version())) {
        StringBuilder sb = new StringBuilder("machine " + n + ": changed (" + a.version() + " -> " + b.version() + ")");
        TreeMap<String, String> removed = paths(a);
        TreeMap<String, String> added = paths(b);
        for (String p : new ArrayList<>(removed.keySet())) {
          if (added.remove(p) != null) {
            removed.remove(p);
          }
        }
        List<String> renamed = new ArrayList<>();
        for (Map.Entry<String, String> r : new TreeMap<>(removed).entrySet()) {
          String parent = r.getValue();
          List<String> sameParent = added.entrySet().stream().filter(x -> x.getValue().equals(parent))
              .map(Map.Entry::getKey).toList();
          long goneHere = removed.values().stream().filter(parent::equals).count();
          if (sameParent.size() == 1 && goneHere == 1) {
            renamed.add(r.getKey() + " -> " + sameParent.get(0));
            removed.remove(r.getKey());
            added.remove(sameParent.get(0));
          }
        }
        if (!removed.isEmpty()) {
          sb.append("; states removed: ").append(String.join(", ", removed.keySet()));
        }
        if (!renamed.isEmpty()) {
          sb.append("; states renamed: ").append(String.join(", ", renamed));
        }
        if (!added.isEmpty()) {
          sb.append("; states added: ").append(String.join(", ", added.keySet()));
        }
        out.add(sb.toString());
      }
    }
    TreeMap<String, SessionSpec> oldS = new TreeMap<>();
    stored.sessions().forEach(s -> oldS.put(s.name(), s));
    TreeMap<String, SessionSpec> newS = new TreeMap<>();
    wanted.sessions().forEach(s -> newS.put(s.name(), s));
    TreeSet<String> sn = new TreeSet<>(oldS.keySet());
    sn.addAll(newS.keySet());
    for (String n : sn) {
      SessionSpec a = oldS.get(n);
      SessionSpec b = newS.get(n);
      if (a == null) {
        out.add("sessions " + n + ": added (" + b.version() + ")");
      } else if (b == null) {
        out.add("sessions " + n + ": removed (its cells are deleted by a rebuild)");
      } else if (!a.version().equals(b.version())) {
        out.add("sessions " + n + ": changed (" + a.version() + " -> " + b.version() + ")");
      }
    }
    if (stored.latenessOverrideNanos() != wanted.latenessOverrideNanos()) {
      out.add("lateness override: " + stored.latenessOverrideNanos() + " ns -> " + wanted.latenessOverrideNanos()
          + " ns");
    }
    return new DefinitionDiff(out);
  }

  /** Every state path of a machine → its parent's path ("" at the top). */
  private static TreeMap<String, String> paths(MachineDefinition m) {
    TreeMap<String, String> out = new TreeMap<>();
    for (StateNode s : m.allStates()) {
      out.put(s.path(), s.parent() == null ? "" : s.parent().path());
    }
    return out;
  }
}
