package io.eventstate.core.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventstate.core.config.ConfigException;
import io.eventstate.core.config.ConfigReader;
import io.eventstate.core.fsm.MachineDefinition;
import io.eventstate.core.session.SessionSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Configuration of the state coprocessor ({@code io.eventstate.hbase.coprocessor.EntityStateObserver}), parsed from
 * the table descriptor: table values, and the coprocessor's own properties (which override them), with keys under
 * {@value #PREFIX} (other keys are not looked at). The definitions are inline JSON because a RegionServer has no
 * {@code conf/} directory; they must be table values, because HBase refuses coprocessor property values containing
 * commas. The schema tool ({@code ./eventstate schema print-state}) prints the shell commands that set them from
 * the files' contents.
 *
 * <table>
 *   <caption>keys</caption>
 *   <tr><th>Property</th><th>Default</th><th>Description</th></tr>
 *   <tr><td>{@code eventstate.state.machine.NAME}</td><td>(at least one)</td><td>the JSON text of a
 *       {@code conf/machines/*.json} file: a state machine ({@code "kind": "machine"}) or sessions
 *       ({@code "kind": "sessions"}) whose {@code name} is NAME. Which entity types it applies to is in the JSON.</td></tr>
 *   <tr><td>{@code eventstate.state.lateness}</td><td>per entity type, the largest {@code allowed_lateness} of the
 *       definitions that apply</td><td>a duration ({@code 90m}, {@code 2d}) overriding every definition's allowed
 *       lateness: an event this far behind its entity's newest event is still folded in; older ones are flagged
 *       {@code too_late} and leave state unchanged</td></tr>
 *   <tr><td>{@code eventstate.state.snapshotEvery}</td><td>16</td><td>about one event in this many (chosen by a hash of
 *       its event id, so the choice does not depend on arrival order) keeps the full state after it in its derived cells
 *       ({@code d:m.NAME}, {@code d:sess.NAME}); a late event is folded in by replaying from the nearest such snapshot
 *       before it. 1 keeps a snapshot on every event (more bytes per write, shortest replays); 1 to 1024</td></tr>
 * </table>
 * Example (HBase shell): {@code alter 'events', METHOD => 'table_att', 'eventstate.state.machine.package' =>
 * File.read('conf/machines/package.json')}.
 *
 * @param machines             the state machines, in key order
 * @param sessions             the session specs, in key order
 * @param latenessOverrideNanos the {@code lateness} override, or -1
 * @param snapshotEvery        one event in about this many keeps a state snapshot in its derived cells
 */
public record EntityStateSpec(List<MachineDefinition> machines, List<SessionSpec> sessions,
    long latenessOverrideNanos, int snapshotEvery) {

  /** Every key of this spec starts with this. */
  public static final String PREFIX = "eventstate.state.";
  public static final String CONFIG_MACHINE_PREFIX = PREFIX + "machine.";
  public static final String CONFIG_LATENESS = PREFIX + "lateness";
  public static final String CONFIG_SNAPSHOT_EVERY = PREFIX + "snapshotEvery";
  /** Default of {@link #CONFIG_SNAPSHOT_EVERY}. */
  public static final int DEFAULT_SNAPSHOT_EVERY = 16;
  /** Upper bound of {@link #CONFIG_SNAPSHOT_EVERY}. */
  public static final int MAX_SNAPSHOT_EVERY = 1024;

  private static final ObjectMapper JSON = new ObjectMapper();

  public EntityStateSpec {
    machines = List.copyOf(machines);
    sessions = List.copyOf(sessions);
    if (snapshotEvery < 1 || snapshotEvery > MAX_SNAPSHOT_EVERY) {
      throw new IllegalArgumentException("snapshotEvery must be 1 to " + MAX_SNAPSHOT_EVERY + ", got " + snapshotEvery);
    }
  }

  /** A spec with the default {@link #DEFAULT_SNAPSHOT_EVERY}. */
  public EntityStateSpec(List<MachineDefinition> machines, List<SessionSpec> sessions, long latenessOverrideNanos) {
    this(machines, sessions, latenessOverrideNanos, DEFAULT_SNAPSHOT_EVERY);
  }

  /**
   * True if the event keeps a snapshot of the state after it in its derived cells: about one event id in
   * {@link #snapshotEvery}, by a hash of the id ({@link String#hashCode}, specified by the language, mixed), so the
   * choice is the same whatever the arrival order, batch or region server.
   */
  public boolean snapshotAt(String eventId) {
    if (snapshotEvery == 1) {
      return true;
    }
    int h = eventId.hashCode() * 0x9E3779B9;
    return Math.floorMod(h ^ (h >>> 16), snapshotEvery) == 0;
  }

  /**
   * Parses the keys under {@link #PREFIX}; keys outside it are ignored (a table descriptor holds other settings).
   *
   * @throws IllegalArgumentException naming the key, the problem and the fix
   */
  public static EntityStateSpec parse(Map<String, String> properties) {
    TreeMap<String, String> keys = new TreeMap<>();
    for (Map.Entry<String, String> e : properties.entrySet()) {
      if (e.getKey().startsWith(PREFIX)) {
        keys.put(e.getKey(), e.getValue());
      }
    }
    List<MachineDefinition> machines = new ArrayList<>();
    List<SessionSpec> sessions = new ArrayList<>();
    long lateness = -1;
    int snapshotEvery = DEFAULT_SNAPSHOT_EVERY;
    List<String> problems = new ArrayList<>();
    ConfigReader reader = new ConfigReader(null, keys);
    for (Map.Entry<String, String> e : keys.entrySet()) {
      String key = e.getKey();
      String value = e.getValue() == null ? "" : e.getValue().trim();
      if (key.equals(CONFIG_SNAPSHOT_EVERY)) {
        try {
          snapshotEvery = reader.intValue(key, DEFAULT_SNAPSHOT_EVERY, 1, MAX_SNAPSHOT_EVERY);
        } catch (ConfigException ex) {
          problems.add(ex.getMessage() + "; 1 keeps a snapshot on every event");
        }
      } else if (key.equals(CONFIG_LATENESS)) {
        try {
          lateness = reader.durationNanos(key, -1, 1, Long.MAX_VALUE);
        } catch (ConfigException ex) {
          problems.add(ex.getMessage());
        }
      } else if (key.startsWith(CONFIG_MACHINE_PREFIX) && key.length() > CONFIG_MACHINE_PREFIX.length()) {
        String name = key.substring(CONFIG_MACHINE_PREFIX.length());
        try {
          JsonNode root = JSON.readTree(value);
          if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("the value is not a JSON object");
          }
          String declared;
          if ("sessions".equals(root.path("kind").asText(""))) {
            SessionSpec s = SessionSpec.parse(key, value);
            sessions.add(s);
            declared = s.name();
          } else {
            MachineDefinition m = MachineDefinition.parse(key, value);
            machines.add(m);
            declared = m.name();
          }
          if (!name.equals(declared)) {
            problems.add("key " + key + " holds a definition named '" + declared + "'; name the key "
                + CONFIG_MACHINE_PREFIX + declared + " or change the JSON's name to '" + name + "'");
          }
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
          problems.add("key " + key + " is not valid JSON (" + ex.getOriginalMessage()
              + "); set it to the contents of a conf/machines/*.json file");
        } catch (IllegalArgumentException ex) {
          problems.add("key " + key + ": " + ex.getMessage());
        }
      } else {
        problems.add(ConfigException.unknownKeyText(key, e.getValue(),
            List.of(CONFIG_MACHINE_PREFIX + "<name>", CONFIG_LATENESS, CONFIG_SNAPSHOT_EVERY)));
      }
    }
    if (problems.isEmpty() && machines.isEmpty() && sessions.isEmpty()) {
      problems.add("no definition: set " + CONFIG_MACHINE_PREFIX
          + "<name> to the JSON of a conf/machines/*.json file (a machine or sessions)");
    }
    if (!problems.isEmpty()) {
      throw ConfigException.problem(null, null, "invalid Eventstate state configuration: " + String.join("; ", problems));
    }
    return new EntityStateSpec(machines, sessions, lateness, snapshotEvery);
  }

  /** The properties that configure the given definition files' contents (name from each JSON). */
  public static Map<String, String> properties(List<String> jsonDefinitions) {
    TreeMap<String, String> out = new TreeMap<>();
    for (String json : jsonDefinitions) {
      try {
        String name = JSON.readTree(json).path("name").asText("");
        out.put(CONFIG_MACHINE_PREFIX + name, json);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalArgumentException("definition is not valid JSON: " + e.getOriginalMessage(), e);
      }
    }
    return out;
  }

  public List<MachineDefinition> machinesFor(String entityType) {
    List<MachineDefinition> out = new ArrayList<>();
    for (MachineDefinition m : machines) {
      if (m.appliesTo(entityType)) {
        out.add(m);
      }
    }
    return out;
  }

  public List<SessionSpec> sessionsFor(String entityType) {
    List<SessionSpec> out = new ArrayList<>();
    for (SessionSpec s : sessions) {
      if (s.appliesTo(entityType)) {
        out.add(s);
      }
    }
    return out;
  }

  /** True if any definition applies to the entity type. */
  public boolean appliesTo(String entityType) {
    return !machinesFor(entityType).isEmpty() || !sessionsFor(entityType).isEmpty();
  }

  /** The allowed lateness for an entity type (see the class Javadoc). */
  /** True if a definition that applies to the entity type asks for per-day event counters ({@code counters.per_day}). */
  public boolean perDayCounters(String entityType) {
    for (MachineDefinition m : machinesFor(entityType)) {
      if (m.perDayCounters()) {
        return true;
      }
    }
    for (SessionSpec s : sessionsFor(entityType)) {
      if (s.perDayCounters()) {
        return true;
      }
    }
    return false;
  }

  public long latenessNanos(String entityType) {
    if (latenessOverrideNanos >= 0) {
      return latenessOverrideNanos;
    }
    long max = 0;
    for (MachineDefinition m : machinesFor(entityType)) {
      max = Math.max(max, m.allowedLatenessNanos());
    }
    for (SessionSpec s : sessionsFor(entityType)) {
      max = Math.max(max, s.allowedLatenessNanos());
    }
    return max;
  }
}
