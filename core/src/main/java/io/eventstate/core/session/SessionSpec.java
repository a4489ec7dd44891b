package io.eventstate.core.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.eventstate.core.fsm.DefinitionException;
import io.eventstate.core.fsm.JsonFields;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Sessions, the built-in kind of state: an entity's events grouped by inactivity, read from a JSON file under
 * {@code conf/machines/} whose {@code kind} is {@code sessions}.
 *
 * <pre>{@code
 * {
 *   "kind": "sessions",
 *   "name": "web",                        // required, [a-z0-9_-]+
 *   "entity_types": ["user"],             // required
 *   "gap": "30m",                         // default 30m: a longer silence ends the session
 *   "max_length": "24h",                  // optional: no session spans more than this (first to last event)
 *   "split_at_midnight": "Europe/Berlin", // optional: a session never crosses local midnight in this zone
 *   "split_on_attribute": "campaign",     // optional: a new non-empty value of this attribute starts a session
 *   "allowed_lateness": "1h",             // default 1h (used by the coprocessor)
 *   "dedupe_window": 4,                   // default 4, 0..32: recent event ids kept in the state
 *   "counters": {"per_day": false}        // default false: events per UTC day of the entity (state-row cells)
 * }
 * }</pre>
 *
 * <p>Boundaries, applied to the entity's events in event-time order (ties by event id): an event starts a new
 * session if it is the entity's first; or it comes more than {@code gap} after the previous event (exactly
 * {@code gap} continues); or more than {@code max_length} after the session's first event; or at or after the
 * first local midnight following the session's first event; or it carries a non-empty {@code split_on_attribute}
 * value different from the session's (the session takes the first non-empty value it sees; events without a
 * value continue the session).
 *
 * <p>Validation, like machines: unknown keys, bad durations, an unknown time zone, a missing name or entity type
 * — each message names the file, the JSON path and the fix.
 */
public record SessionSpec(String name, String description, String source, List<String> entityTypes, long gapNanos,
    long maxLengthNanos, ZoneId midnightZone, String splitOnAttribute, long allowedLatenessNanos, int dedupeWindow,
    boolean perDayCounters, String version) {

  /** Default {@code gap}: 30 minutes. */
  public static final long DEFAULT_GAP_NANOS = 30L * 60 * 1_000_000_000L;
  /** Default {@code allowed_lateness}: 1 hour. */
  public static final long DEFAULT_ALLOWED_LATENESS_NANOS = 3_600_000_000_000L;
  /** Default {@code dedupe_window}. */
  public static final int DEFAULT_DEDUPE_WINDOW = 4;
  /** {@code max_length} when none is set. */
  public static final long NO_MAX_LENGTH = 0;

  private static final Set<String> KEYS = Set.of("kind", "name", "description", "entity_types", "gap", "max_length",
      "split_at_midnight", "split_on_attribute", "allowed_lateness", "dedupe_window", "counters");
  private static final Set<String> COUNTER_KEYS = Set.of("per_day");
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");

  public SessionSpec {
    entityTypes = List.copyOf(entityTypes);
  }

  /** True if sessions are kept for entities of this type. */
  public boolean appliesTo(String entityType) {
    return entityTypes.contains(entityType);
  }

  /** Reads and validates a spec file. */
  public static SessionSpec load(Path file) throws IOException {
    return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
  }

  /**
   * Parses and validates a spec.
   *
   * @throws DefinitionException listing every problem
   */
  public static SessionSpec parse(String source, String json) {
    JsonFields f = new JsonFields(source);
    JsonNode root = f.parseOrThrow(json);
    f.rejectUnknownKeys(root, "$", KEYS);
    String kind = f.text(root, "kind", "$", true);
    if (kind != null && !kind.equals("sessions")) {
      f.add("$.kind", "kind '" + kind + "' is not sessions", "use \"kind\": \"sessions\" (state machines are read by MachineDefinition)");
    }
    String name = f.text(root, "name", "$", true);
    if (name != null && !NAME.matcher(name).matches()) {
      f.add("$.name", "name '" + name + "' is not allowed", "use lower-case letters, digits, '_' and '-'");
    }
    List<String> types = f.textList(root, "entity_types", "$", true);
    if (root.has("entity_types") && types.isEmpty() && !f.hasProblems()) {
      f.add("$.entity_types", "no entity type given", "list the entity types, e.g. [\"user\"]");
    }
    long gap = f.duration(root, "gap", "$", DEFAULT_GAP_NANOS);
    long max = f.duration(root, "max_length", "$", NO_MAX_LENGTH);
    if (max > 0 && gap > 0 && max < gap) {
      f.add("$.max_length", "max_length " + root.get("max_length").asText() + " is shorter than gap "
          + root.path("gap").asText("30m"), "make max_length at least the gap, or remove it");
    }
    ZoneId zone = null;
    String z = f.text(root, "split_at_midnight", "$", false);
    if (z != null) {
      try {
        zone = ZoneId.of(z);
      } catch (DateTimeException e) {
        f.add("$.split_at_midnight", "unknown time zone '" + z + "'", "use a region id such as Europe/Berlin or UTC");
      }
    }
    String attr = f.text(root, "split_on_attribute", "$", false);
    long lateness = f.duration(root, "allowed_lateness", "$", DEFAULT_ALLOWED_LATENESS_NANOS);
    int window = DEFAULT_DEDUPE_WINDOW;
    JsonNode dw = root.get("dedupe_window");
    if (dw != null) {
      if (!dw.isInt() || dw.intValue() < 0 || dw.intValue() > 32) {
        f.add("$.dedupe_window", "must be a whole number from 0 to 32, got " + dw, "write e.g. \"dedupe_window\": 4");
      } else {
        window = dw.intValue();
      }
    }
    boolean perDay = false;
    JsonNode counters = f.object(root, "counters", "$", false);
    if (counters != null) {
      f.rejectUnknownKeys(counters, "$.counters", COUNTER_KEYS);
      perDay = f.bool(counters, "per_day", "$.counters", false);
    }
    f.throwIfAny();
    return new SessionSpec(name, root.path("description").asText(""), source, types, gap, max, zone, attr, lateness,
        window, perDay, io.eventstate.core.fsm.DefinitionVersion.of(root));
  }
}
