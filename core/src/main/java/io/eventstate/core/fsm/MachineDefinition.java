package io.eventstate.core.fsm;

import io.eventstate.core.rule.Condition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An immutable, validated state-machine definition, read from a JSON file under {@code conf/machines/}.
 *
 * <h2>Format</h2>
 * <pre>{@code
 * {
 *   "kind": "machine",                       // optional; "sessions" files are read by SessionSpec
 *   "name": "package",                       // required, [a-z0-9_-]+
 *   "description": "Package tracking",      // optional
 *   "entity_types": ["package"],             // required: the entity types it applies to
 *   "initial": "unknown",                    // required: the top-level state a new entity starts in
 *   "no_transition": "count_unexpected",     // ignore | count_unexpected (default) | error_state
 *   "error_state": "invalid",                // required with no_transition = error_state, else forbidden
 *   "allowed_lateness": "2d",                // default 1h: how far behind an entity's newest event an event
 *                                            //   may arrive and still be folded in (used by the coprocessor)
 *   "dedupe_window": 4,                      // default 4: recent event ids kept in the state (0..32)
 *   "counters": {"by_event_type": true, "by_state": true,    // both default true
 *                "per_day": false},                          // default false: events per UTC day of the entity
 *   "attributes": {"weight": "number", "status_detail": "string"},  // optional types for guard checks
 *   "states": {
 *     "in_transit": {
 *       "initial": "moving",                 // required for a composite state
 *       "states": { "moving": {}, "at_facility": {} },
 *       "on": [
 *         {"event": "in_transit", "guard": "attr.status_detail equals arrived_at_facility",
 *          "target": "at_facility"},
 *         {"event": "in_transit", "target": "moving"},
 *         {"event": "delivered", "target": "delivered", "notify": true}
 *       ],
 *       "timeouts": [{"after": "7d", "since": "last_event", "target": "lost", "notify": true}]
 *     },
 *     "delivered": {"final": true}
 *   }
 * }
 * }</pre>
 *
 * <h2>Semantics</h2>
 * <ul>
 *   <li>State names are unique in the whole machine, so a target is written by name; the stored
 *       {@linkplain StateNode#path() path} joins names with {@code /}.</li>
 *   <li>{@code event} is one event type or an array of them. {@code guard} is one condition or an array of
 *       conditions that must all hold, in the syntax of {@link Condition} ({@code <field> <operator> [value]}).
 *       Fields: {@code eventType}, {@code entityType}, {@code entityId}, and {@code attr.<name>} for the
 *       event's attribute {@code <name>} (flattened with dots, as the normalizer writes them). Plain attribute
 *       names are not accepted, so that a typo cannot silently read a missing field.</li>
 *   <li>A transition without {@code target} is internal: accepted and counted, the state is kept. A target equal
 *       to the current state or one of its enclosing states re-enters it (its entered-at time restarts). A target
 *       inside the declaring composite state does not leave that state (its timer keeps running).</li>
 *   <li>Which transition fires: starting at the current leaf state and moving outwards, the first state that has
 *       a transition enabled for the event wins; inner states take precedence over their ancestors. Within one
 *       state, guarded transitions are tried first, and the single unguarded one (if any) is the fallback.</li>
 *   <li>A final state absorbs: no transition or timeout, not even an inherited one, fires in it; further events
 *       follow the {@code no_transition} policy.</li>
 *   <li>Timeouts: {@code after} a duration, {@code since} {@code entered} (default) or {@code last_event}.
 *       Evaluated lazily, stamped at their deadline (see {@link Timeout}).</li>
 *   <li>Counters (8-byte longs in the state): {@code events} (every applied event), {@code unexpected},
 *       {@code event.<type>} for each event type named in a transition plus {@code event._other}, and
 *       {@code state.<path>} counting entries into each state.</li>
 * </ul>
 *
 * <h2>Validation</h2>
 * Every problem is reported at once in a {@link DefinitionException}, each naming the file, the JSON path and the
 * fix: unknown keys, missing or mistyped values, bad names, unknown target or initial states, duplicate state
 * names, unreachable states, ambiguous transitions, timeouts or transitions on final states, final composite
 * states, bad durations, bad guards (syntax, unknown field, numeric operator on a non-numeric literal or on an
 * attribute declared {@code string}/{@code boolean}, a literal that does not fit a declared attribute type).
 *
 * <p><b>Ambiguity</b> is decided statically per state and event type, on the transitions declared on that state:
 * two unguarded transitions are ambiguous, and two guarded ones are unless their guards are provably exclusive
 * (see {@link GuardExclusivity}: same field, contradicting tests). Transitions inherited from an enclosing state
 * are not compared with the inner ones, because the inner state wins by rule.
 */
public final class MachineDefinition {

  /** Counter of every applied event. */
  public static final String COUNTER_EVENTS = "events";
  /** Counter of events no transition accepted. */
  public static final String COUNTER_UNEXPECTED = "unexpected";
  /** Prefix of the per-event-type counters. */
  public static final String COUNTER_EVENT_PREFIX = "event.";
  /** The per-event-type counter for event types no transition names. */
  public static final String COUNTER_OTHER_EVENT = "event._other";
  /** Prefix of the per-state entry counters. */
  public static final String COUNTER_STATE_PREFIX = "state.";
  /** Default {@code allowed_lateness}. */
  public static final long DEFAULT_ALLOWED_LATENESS_NANOS = 3_600_000_000_000L;
  /** Default {@code dedupe_window}. */
  public static final int DEFAULT_DEDUPE_WINDOW = 4;

  private final String name;
  private final String description;
  private final String source;
  private final List<String> entityTypes;
  /** Tags of which an event must carry one to be in scope, or null (every event). */
  private final java.util.Set<String> scopeTags;
  /** Event types in scope, or null (every event type). */
  private final java.util.Set<String> scopeEvents;
  private final List<StateNode> topStates;
  private final List<StateNode> allStates;
  private final Map<String, StateNode> byPath;
  private final StateNode initial;
  private final NoTransitionPolicy policy;
  private final StateNode errorState;
  private final long allowedLatenessNanos;
  private final int dedupeWindow;
  private final boolean perDayCounters;
  private final String version;
  private final String[] counterNames;
  private final byte[][] counterNameBytes;
  private final Map<String, Integer> eventCounter;
  private final int otherEventCounter;
  private final int eventsCounter;
  private final int unexpectedCounter;
  private final Map<String, String> guardAttributes;
  private final SortedMap<String, String> attributeTypes;

  private MachineDefinition(Builder b) {
    this.name = b.name;
    this.description = b.description;
    this.source = b.source;
    this.entityTypes = List.copyOf(b.entityTypes);
    this.topStates = List.copyOf(b.topStates);
    this.allStates = List.copyOf(b.allStates);
    this.byPath = Map.copyOf(b.byPath);
    this.initial = b.initial;
    this.policy = b.policy;
    this.scopeTags = b.scopeTags == null ? null : java.util.Set.copyOf(b.scopeTags);
    java.util.Set<String> events = null;
    if (b.scopeDeclared) {
      events = new java.util.HashSet<>();
      for (StateNode n : b.allStates) {
        for (Transition t : n.transitions()) {
          events.add(t.event());
        }
      }
    } else if (b.scopeEvents != null) {
      events = b.scopeEvents;
    }
    this.scopeEvents = events == null ? null : java.util.Set.copyOf(events);
    this.errorState = b.errorState;
    this.allowedLatenessNanos = b.allowedLateness;
    this.dedupeWindow = b.dedupeWindow;
    this.perDayCounters = b.perDayCounters;
    this.version = b.version;
    this.counterNames = b.counterNames;
    this.counterNameBytes = new byte[counterNames.length][];
    for (int i = 0; i < counterNames.length; i++) {
      counterNameBytes[i] = counterNames[i].getBytes(StandardCharsets.UTF_8);
    }
    this.eventCounter = Map.copyOf(b.eventCounter);
    this.otherEventCounter = b.otherEventCounter;
    this.eventsCounter = b.eventsCounter;
    this.unexpectedCounter = b.unexpectedCounter;
    this.guardAttributes = Map.copyOf(b.guardAttributes);
    this.attributeTypes = Collections.unmodifiableSortedMap(new TreeMap<>(b.attributeTypes));
  }

  /** Reads and validates a definition file. */
  public static MachineDefinition load(Path file) throws IOException {
    return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
  }

  /**
   * Parses and validates a definition.
   *
   * @param source the file name used in messages
   * @throws DefinitionException listing every problem
   */
  public static MachineDefinition parse(String source, String json) {
    JsonFields f = new JsonFields(source);
    return new MachineParser(f).parse(f.parseOrThrow(json));
  }

  public String name() {
    return name;
  }

  public String description() {
    return description;
  }

  /** The version of this definition ({@link DefinitionVersion}: a hash of its content). */
  public String version() {
    return version;
  }

  /** The file it was read from. */
  public String source() {
    return source;
  }

  public List<String> entityTypes() {
    return entityTypes;
  }

  /** True if the machine applies to entities of this type. */
  public boolean appliesTo(String entityType) {
    return entityTypes.contains(entityType);
  }

  /** The top-level states, in declaration order. */
  /**
   * Whether an event of an entity type this machine applies to is in its {@code scope}: it carries one of the scope's
   * tags (when tags are given) and its type is one the scope names (when event types are given). Events outside the
   * scope leave the state alone ({@link Outcome#NOT_APPLICABLE}).
   */
  public boolean inScope(io.eventstate.core.event.CanonicalEvent event) {
    if (scopeEvents != null && !scopeEvents.contains(event.eventType())) {
      return false;
    }
    if (scopeTags != null) {
      for (String t : event.tags()) {
        if (scopeTags.contains(t)) {
          return true;
        }
      }
      return false;
    }
    return true;
  }

  /** Whether the machine has a {@code scope} besides its entity types. */
  public boolean scoped() {
    return scopeTags != null || scopeEvents != null;
  }

  public List<StateNode> states() {
    return topStates;
  }

  /** Every state, depth first in declaration order. */
  public List<StateNode> allStates() {
    return allStates;
  }

  /** The state with this path ({@code a/b}), or null. */
  public StateNode state(String path) {
    return byPath.get(path);
  }

  /** The declared top-level initial state (a new entity is in its initial leaf). */
  public StateNode initial() {
    return initial;
  }

  public NoTransitionPolicy noTransitionPolicy() {
    return policy;
  }

  /** The error state for {@link NoTransitionPolicy#ERROR_STATE}, else null. */
  public StateNode errorState() {
    return errorState;
  }

  public long allowedLatenessNanos() {
    return allowedLatenessNanos;
  }

  /**
   * True if the entities of this machine count their applied events per UTC day of event time ({@code "counters":
   * {"per_day": true}}): one more state-row cell per write, so off by default.
   */
  public boolean perDayCounters() {
    return perDayCounters;
  }

  public int dedupeWindow() {
    return dedupeWindow;
  }

  /** The counter names, sorted; {@link EntityState} counters use this order. */
  public List<String> counterNames() {
    return List.of(counterNames);
  }

  /** Declared attribute types (name without {@code attr.} → string, number or boolean). */
  public SortedMap<String, String> attributeTypes() {
    return attributeTypes;
  }

  String[] counterLayout() {
    return counterNames;
  }

  byte[][] counterNameBytes() {
    return counterNameBytes;
  }

  int eventCounter(String eventType) {
    Integer i = eventCounter.get(eventType);
    return i == null ? otherEventCounter : i;
  }

  int eventsCounter() {
    return eventsCounter;
  }

  int unexpectedCounter() {
    return unexpectedCounter;
  }

  /** The attribute key a guard field reads ({@code attr.x} → {@code x}), or null. */
  String guardAttribute(String field) {
    return guardAttributes.get(field);
  }

  @Override
  public String toString() {
    return "MachineDefinition{" + name + " from " + source + ", " + allStates.size() + " states}";
  }

  /** Mutable state of the parser; frozen by the constructor. */
  static final class Builder {
    String name;
    String description;
    String source;
    List<String> entityTypes = new ArrayList<>();
    java.util.Set<String> scopeTags;
    java.util.Set<String> scopeEvents;
    boolean scopeDeclared;
    List<StateNode> topStates = new ArrayList<>();
    List<StateNode> allStates = new ArrayList<>();
    Map<String, StateNode> byPath = new LinkedHashMap<>();
    StateNode initial;
    NoTransitionPolicy policy = NoTransitionPolicy.COUNT_UNEXPECTED;
    StateNode errorState;
    long allowedLateness = DEFAULT_ALLOWED_LATENESS_NANOS;
    int dedupeWindow = DEFAULT_DEDUPE_WINDOW;
    boolean perDayCounters;
    String version;
    String[] counterNames;
    Map<String, Integer> eventCounter = new HashMap<>();
    int otherEventCounter = -1;
    int eventsCounter;
    int unexpectedCounter;
    Map<String, String> guardAttributes = new HashMap<>();
    Map<String, String> attributeTypes = new TreeMap<>();

    void layoutCounters(boolean byEventType, boolean byState, Set<String> eventTypes) {
      List<String> names = new ArrayList<>();
      names.add(COUNTER_EVENTS);
      names.add(COUNTER_UNEXPECTED);
      if (byEventType) {
        names.add(COUNTER_OTHER_EVENT);
        for (String t : eventTypes) {
          names.add(COUNTER_EVENT_PREFIX + t);
        }
      }
      if (byState) {
        for (StateNode s : allStates) {
          names.add(COUNTER_STATE_PREFIX + s.path());
        }
      }
      String[] arr = names.stream().distinct().sorted().toArray(String[]::new);
      counterNames = arr;
      List<String> list = Arrays.asList(arr);
      eventsCounter = list.indexOf(COUNTER_EVENTS);
      unexpectedCounter = list.indexOf(COUNTER_UNEXPECTED);
      otherEventCounter = list.indexOf(COUNTER_OTHER_EVENT);
      if (byEventType) {
        for (String t : eventTypes) {
          eventCounter.put(t, list.indexOf(COUNTER_EVENT_PREFIX + t));
        }
      }
      for (StateNode s : allStates) {
        s.entryCounter = byState ? list.indexOf(COUNTER_STATE_PREFIX + s.path()) : -1;
      }
    }

    MachineDefinition build() {
      return new MachineDefinition(this);
    }
  }
}
