package io.eventstate.core.fsm;

import com.fasterxml.jackson.databind.JsonNode;
import io.eventstate.core.rule.Condition;
import io.eventstate.core.rule.Operator;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** Reads a machine definition's JSON into a {@link MachineDefinition}, collecting every problem. */
final class MachineParser {

  private static final Set<String> ROOT_KEYS = Set.of("kind", "name", "description", "entity_types", "initial",
      "states", "no_transition", "error_state", "allowed_lateness", "dedupe_window", "counters", "attributes", "scope");
  private static final Set<String> STATE_KEYS = Set.of("description", "initial", "final", "states", "on", "timeouts");
  private static final Set<String> TRANSITION_KEYS = Set.of("event", "guard", "target", "notify", "description");
  private static final Set<String> TIMEOUT_KEYS = Set.of("after", "since", "target", "notify", "description");
  private static final Set<String> COUNTER_KEYS = Set.of("by_event_type", "by_state", "per_day");
  private static final Set<String> ATTRIBUTE_TYPES = Set.of("string", "number", "boolean");
  private static final Set<String> FIXED_FIELDS = Set.of("eventType", "entityType", "entityId");
  private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]*");
  private static final Pattern MACHINE_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");
  static final int MAX_DEDUPE_WINDOW = 32;

  private final JsonFields f;
  private final MachineDefinition.Builder b = new MachineDefinition.Builder();
  private final Map<String, StateNode> byName = new LinkedHashMap<>();
  /** Deferred references: resolved after every state is known. */
  private final List<Runnable> resolvers = new ArrayList<>();
  private final Set<String> eventTypes = new TreeSet<>();

  MachineParser(JsonFields f) {
    this.f = f;
  }

  MachineDefinition parse(JsonNode root) {
    b.source = f.source();
    b.version = DefinitionVersion.of(root);
    f.rejectUnknownKeys(root, "$", ROOT_KEYS);
    String kind = f.text(root, "kind", "$", false);
    if (kind != null && !kind.equals("machine")) {
      f.add("$.kind", "kind '" + kind + "' is not a state machine", "use \"kind\": \"machine\" (session definitions are read by SessionSpec)");
    }
    b.name = f.text(root, "name", "$", true);
    if (b.name != null && !MACHINE_NAME.matcher(b.name).matches()) {
      f.add("$.name", "name '" + b.name + "' is not allowed", "use lower-case letters, digits, '_' and '-'");
    }
    b.description = root.path("description").asText("");
    b.entityTypes = f.textList(root, "entity_types", "$", true);
    if (root.has("entity_types") && b.entityTypes.isEmpty() && !f.hasProblems()) {
      f.add("$.entity_types", "no entity type given", "list the entity types the machine applies to, e.g. [\"package\"]");
    }
    readAttributes(root);
    readPolicy(root);
    readScope(root);
    long lateness = f.duration(root, "allowed_lateness", "$", MachineDefinition.DEFAULT_ALLOWED_LATENESS_NANOS);
    b.allowedLateness = lateness;
    JsonNode dw = root.get("dedupe_window");
    if (dw != null) {
      if (!dw.isInt() || dw.intValue() < 0 || dw.intValue() > MAX_DEDUPE_WINDOW) {
        f.add("$.dedupe_window", "must be a whole number from 0 to " + MAX_DEDUPE_WINDOW + ", got " + dw,
            "write e.g. \"dedupe_window\": 4");
      } else {
        b.dedupeWindow = dw.intValue();
      }
    }
    boolean byEventType = true;
    boolean byState = true;
    JsonNode counters = f.object(root, "counters", "$", false);
    if (counters != null) {
      f.rejectUnknownKeys(counters, "$.counters", COUNTER_KEYS);
      byEventType = f.bool(counters, "by_event_type", "$.counters", true);
      byState = f.bool(counters, "by_state", "$.counters", true);
      b.perDayCounters = f.bool(counters, "per_day", "$.counters", false);
    }

    JsonNode states = f.object(root, "states", "$", true);
    if (states != null) {
      if (states.isEmpty()) {
        f.add("$.states", "no states declared", "declare at least one state");
      }
      readStates(states, null, "$.states", b.topStates);
    }
    String initial = f.text(root, "initial", "$", true);
    if (initial != null) {
      StateNode n = byName.get(initial);
      if (n == null) {
        f.add("$.initial", "unknown state '" + initial + "'", "use one of the top-level states " + names(b.topStates));
      } else if (n.parent() != null) {
        f.add("$.initial", "'" + initial + "' is nested in '" + n.parent().path() + "'",
            "name a top-level state " + names(b.topStates) + " (a composite state's own \"initial\" picks its child)");
      } else {
        b.initial = n;
      }
    }
    String error = f.text(root, "error_state", "$", false);
    if (error != null) {
      StateNode n = byName.get(error);
      if (n == null) {
        f.add("$.error_state", "unknown state '" + error + "'", "declare it or use one of " + byName.keySet());
      } else if (n.isComposite()) {
        f.add("$.error_state", "'" + error + "' is a composite state", "name a simple state");
      } else {
        b.errorState = n;
        n.errorStateOfMachine = true;
      }
      if (b.policy != NoTransitionPolicy.ERROR_STATE) {
        f.add("$.error_state", "error_state is set but no_transition is '" + b.policy.key() + "'",
            "set \"no_transition\": \"error_state\" or remove error_state");
      }
    } else if (b.policy == NoTransitionPolicy.ERROR_STATE) {
      f.add("$.error_state", "no_transition is 'error_state' but no error_state is named",
          "add \"error_state\": \"<a simple state>\"");
    }
    for (Runnable r : resolvers) {
      r.run();
    }
    if (!f.hasProblems()) {
      checkAmbiguity();
      checkReachability();
    }
    f.throwIfAny();
    for (StateNode s : b.allStates) {
      buildIndex(s);
    }
    b.layoutCounters(byEventType, byState, eventTypes);
    return b.build();
  }

  private void readAttributes(JsonNode root) {
    JsonNode attrs = f.object(root, "attributes", "$", false);
    if (attrs == null) {
      return;
    }
    Iterator<Map.Entry<String, JsonNode>> it = attrs.fields();
    while (it.hasNext()) {
      var e = it.next();
      String t = e.getValue().isTextual() ? e.getValue().asText() : null;
      if (t == null || !ATTRIBUTE_TYPES.contains(t)) {
        f.add("$.attributes." + e.getKey(), "type " + e.getValue() + " is not known", "use one of " + new TreeSet<>(ATTRIBUTE_TYPES));
      } else {
        b.attributeTypes.put(e.getKey(), t);
      }
    }
  }

  /**
   * {@code "scope": {"tags": ["shop"], "event_types": "declared"}}: besides its entity types, the machine applies only
   * to events carrying one of the tags (set by the tagging rules of the source that feeds it) and/or only to the event
   * types it names in its transitions ({@code "declared"}) or in a list. Events outside the scope leave its state alone
   * and are not counted as unexpected.
   */
  private void readScope(JsonNode root) {
    JsonNode scope = root.get("scope");
    if (scope == null) {
      return;
    }
    if (!scope.isObject()) {
      f.add("$.scope", "must be an object", "write e.g. \"scope\": {\"tags\": [\"shop\"]} or {\"event_types\": \"declared\"}");
      return;
    }
    java.util.Iterator<String> names = scope.fieldNames();
    while (names.hasNext()) {
      String n = names.next();
      if (!n.equals("tags") && !n.equals("event_types")) {
        f.add("$.scope." + n, "unknown scope key '" + n + "'", "use tags (a list) and/or event_types (\"declared\" or a list)");
      }
    }
    if (scope.has("tags")) {
      b.scopeTags = new java.util.TreeSet<>(f.textList(scope, "tags", "$.scope", true));
      if (b.scopeTags.isEmpty()) {
        f.add("$.scope.tags", "no tag given", "list the tags that put an event in scope, e.g. [\"shop\"]");
      }
    }
    JsonNode et = scope.get("event_types");
    if (et != null) {
      if (et.isTextual() && et.asText().equals("declared")) {
        b.scopeDeclared = true;
      } else if (et.isArray()) {
        b.scopeEvents = new java.util.TreeSet<>(f.textList(scope, "event_types", "$.scope", true));
      } else {
        f.add("$.scope.event_types", "must be \"declared\" or a list of event types",
            "write \"event_types\": \"declared\" (the events the transitions name) or [\"view_item\", ...]");
      }
    }
  }

  private void readPolicy(JsonNode root) {
    String p = f.text(root, "no_transition", "$", false);
    if (p != null) {
      NoTransitionPolicy policy = NoTransitionPolicy.fromKey(p);
      if (policy == null) {
        f.add("$.no_transition", "unknown policy '" + p + "'", "use ignore, count_unexpected or error_state");
      } else {
        b.policy = policy;
      }
    }
  }

  private static String names(List<StateNode> nodes) {
    List<String> out = new ArrayList<>();
    for (StateNode n : nodes) {
      out.add(n.name());
    }
    return out.toString();
  }

  private void readStates(JsonNode states, StateNode parent, String path, List<StateNode> into) {
    Iterator<Map.Entry<String, JsonNode>> it = states.fields();
    while (it.hasNext()) {
      var e = it.next();
      String name = e.getKey();
      String sp = path + "." + name;
      if (!NAME.matcher(name).matches()) {
        f.add(sp, "state name '" + name + "' is not allowed", "start with a letter; use letters, digits, '_' and '-' only");
        continue;
      }
      if (byName.containsKey(name)) {
        f.add(sp, "state '" + name + "' is declared twice (also at " + byName.get(name).jsonPath() + ")",
            "state names must be unique in the whole machine: rename one");
        continue;
      }
      JsonNode s = e.getValue();
      if (!s.isObject()) {
        f.add(sp, "a state must be a JSON object, got " + s, "write \"" + name + "\": {}");
        continue;
      }
      StateNode node = new StateNode(name, parent, sp);
      byName.put(name, node);
      b.byPath.put(node.path(), node);
      b.allStates.add(node);
      into.add(node);
      readState(node, s, sp);
    }
  }

  private void readState(StateNode node, JsonNode s, String sp) {
    f.rejectUnknownKeys(s, sp, STATE_KEYS);
    node.isFinal = f.bool(s, "final", sp, false);
    JsonNode children = f.object(s, "states", sp, false);
    if (children != null) {
      if (children.isEmpty()) {
        f.add(sp + ".states", "composite state '" + node.name() + "' has no children", "declare children or remove \"states\"");
      }
      readStates(children, node, sp + ".states", node.children);
      String init = f.text(s, "initial", sp, false);
      if (init == null && !children.isEmpty() && !s.has("initial")) {
        f.add(sp + ".initial", "composite state '" + node.name() + "' has no initial child",
            "add \"initial\": one of " + names(node.children));
      } else if (init != null) {
        resolvers.add(() -> {
          StateNode c = byName.get(init);
          if (c == null || c.parent() != node) {
            f.add(sp + ".initial", "'" + init + "' is not a child of '" + node.name() + "'",
                "use one of " + names(node.children));
          } else {
            node.initialChild = c;
          }
        });
      }
      if (node.isFinal) {
        f.add(sp + ".final", "composite state '" + node.name() + "' cannot be final",
            "mark one of its children final instead");
      }
    } else if (s.has("initial")) {
      f.add(sp + ".initial", "'initial' on a state without children", "remove it, or add \"states\"");
    }
    JsonNode on = f.array(s, "on", sp);
    if (on != null) {
      if (node.isFinal && on.size() > 0) {
        f.add(sp + ".on", "final state '" + node.name() + "' has transitions",
            "remove the transitions or remove \"final\": a final state accepts no event");
      }
      for (int i = 0; i < on.size(); i++) {
        readTransition(node, on.get(i), sp + ".on[" + i + "]");
      }
    }
    JsonNode timeouts = f.array(s, "timeouts", sp);
    if (timeouts != null) {
      if (node.isFinal && timeouts.size() > 0) {
        f.add(sp + ".timeouts", "final state '" + node.name() + "' has a timeout",
            "remove the timeout or remove \"final\": nothing leaves a final state");
      }
      for (int i = 0; i < timeouts.size(); i++) {
        readTimeout(node, timeouts.get(i), sp + ".timeouts[" + i + "]");
      }
    }
  }

  private void readTransition(StateNode source, JsonNode t, String tp) {
    if (!t.isObject()) {
      f.add(tp, "a transition must be a JSON object, got " + t, "write {\"event\": \"...\", \"target\": \"...\"}");
      return;
    }
    f.rejectUnknownKeys(t, tp, TRANSITION_KEYS);
    List<String> events = f.textList(t, "event", tp, true);
    List<Condition> guard = readGuard(t, tp);
    boolean notify = f.bool(t, "notify", tp, false);
    String target = f.text(t, "target", tp, false);
    eventTypes.addAll(events);
    resolvers.add(() -> {
      StateNode tn = null;
      if (target != null) {
        tn = byName.get(target);
        if (tn == null) {
          f.add(tp + ".target", "unknown state '" + target + "'", "use one of " + byName.keySet()
              + ", or omit target for an internal transition");
          return;
        }
      }
      for (String ev : events) {
        source.transitions.add(new Transition(ev, guard, source, tn, notify, tp));
      }
    });
  }

  private List<Condition> readGuard(JsonNode t, String tp) {
    List<String> texts = f.textList(t, "guard", tp, false);
    List<Condition> out = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      String gp = tp + ".guard" + (t.get("guard").isArray() ? "[" + i + "]" : "");
      Condition c;
      try {
        c = Condition.parse(texts.get(i));
      } catch (IllegalArgumentException e) {
        f.add(gp, e.getMessage(), "see the operators of io.eventstate.core.rule.Operator");
        continue;
      }
      if (checkGuardField(c, gp)) {
        out.add(c);
      }
    }
    return out;
  }

  /** Checks the field exists and the operator and literal fit its type; records problems. */
  private boolean checkGuardField(Condition c, String gp) {
    String field = c.field();
    String type;
    if (FIXED_FIELDS.contains(field)) {
      type = "string";
    } else if (field.startsWith("attr.") && field.length() > 5) {
      String attr = field.substring(5);
      b.guardAttributes.put(field, attr);
      type = b.attributeTypes.get(attr);
    } else {
      f.add(gp, "unknown guard field '" + field + "' in '" + c + "'",
          "use eventType, entityType, entityId or attr.<attribute>, e.g. attr." + field);
      return false;
    }
    Operator op = c.op();
    if (type == null) {
      return true;
    }
    if (op.isNumeric() && !type.equals("number")) {
      f.add(gp, "numeric operator '" + op.symbol() + "' on " + type + " field '" + field + "'",
          "use equals/in/prefix/regex, or declare the attribute \"number\" in \"attributes\"");
      return false;
    }
    if ((op == Operator.PREFIX || op == Operator.REGEX) && !type.equals("string")) {
      f.add(gp, "text operator '" + op.symbol() + "' on " + type + " field '" + field + "'",
          type.equals("number") ? "use < <= > >= == for numbers" : "use equals true or equals false");
      return false;
    }
    if (op == Operator.EQUALS || op == Operator.NOT_EQUALS || op == Operator.IN) {
      for (String v : c.values()) {
        if (type.equals("number") && !isNumber(v)) {
          f.add(gp, "'" + v + "' is not a number but '" + field + "' is declared number",
              "compare with a number, e.g. '" + field + " == 90'");
          return false;
        }
        if (type.equals("boolean") && !v.equals("true") && !v.equals("false")) {
          f.add(gp, "'" + v + "' is not true or false but '" + field + "' is declared boolean", "write true or false");
          return false;
        }
      }
    }
    return true;
  }

  private static boolean isNumber(String s) {
    try {
      new BigDecimal(s.trim());
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private void readTimeout(StateNode source, JsonNode t, String tp) {
    if (!t.isObject()) {
      f.add(tp, "a timeout must be a JSON object, got " + t, "write {\"after\": \"7d\", \"target\": \"...\"}");
      return;
    }
    f.rejectUnknownKeys(t, tp, TIMEOUT_KEYS);
    String afterText = f.text(t, "after", tp, true);
    long after = afterText == null ? -1 : f.duration(t, "after", tp, -1);
    String since = f.text(t, "since", tp, false);
    boolean sinceLast = false;
    if (since != null) {
      if (since.equals("last_event")) {
        sinceLast = true;
      } else if (!since.equals("entered")) {
        f.add(tp + ".since", "unknown value '" + since + "'", "use entered (the default) or last_event");
      }
    }
    boolean notify = f.bool(t, "notify", tp, false);
    String target = f.text(t, "target", tp, true);
    boolean sl = sinceLast;
    resolvers.add(() -> {
      if (target == null || after <= 0) {
        return;
      }
      StateNode tn = byName.get(target);
      if (tn == null) {
        f.add(tp + ".target", "unknown state '" + target + "'", "use one of " + byName.keySet());
        return;
      }
      String label = "after " + afterText + (sl ? " idle" : "");
      source.timeouts.add(new Timeout(after, sl, source, tn, notify, label, tp));
    });
  }

  private void checkAmbiguity() {
    for (StateNode s : b.allStates) {
      Map<String, List<Transition>> byEvent = new LinkedHashMap<>();
      for (Transition t : s.transitions) {
        byEvent.computeIfAbsent(t.event(), k -> new ArrayList<>()).add(t);
      }
      for (var e : byEvent.entrySet()) {
        List<Transition> ts = e.getValue();
        for (int i = 0; i < ts.size(); i++) {
          for (int j = i + 1; j < ts.size(); j++) {
            Transition a = ts.get(i);
            Transition c = ts.get(j);
            if (a.unguarded() && c.unguarded()) {
              f.add(c.jsonPath(), "ambiguous: state '" + s.name() + "' already has an unguarded transition on '"
                  + e.getKey() + "' at " + a.jsonPath(),
                  "keep one unguarded transition per event type (it is the fallback) and guard the others");
            } else if (!a.unguarded() && !c.unguarded() && !GuardExclusivity.exclusive(a.guard(), c.guard())) {
              f.add(c.jsonPath(), "ambiguous: on '" + e.getKey() + "' in state '" + s.name() + "' both " + a.guard()
                  + " (at " + a.jsonPath() + ") and " + c.guard() + " could hold for one event",
                  "make the guards exclusive on one field (e.g. equals different values, or disjoint < and >=)");
            }
          }
        }
      }
    }
  }

  private void checkReachability() {
    if (b.initial == null) {
      return;
    }
    Set<StateNode> reached = new HashSet<>();
    List<StateNode> work = new ArrayList<>();
    enter(b.initial, reached, work);
    if (b.errorState != null) {
      enter(b.errorState, reached, work);
    }
    while (!work.isEmpty()) {
      StateNode s = work.remove(work.size() - 1);
      if (s.isFinal()) {
        continue;
      }
      for (Transition t : s.transitions) {
        if (t.target() != null) {
          enter(t.target(), reached, work);
        }
      }
      for (Timeout t : s.timeouts) {
        enter(t.target(), reached, work);
      }
    }
    for (StateNode s : b.allStates) {
      if (!reached.contains(s)) {
        f.add(s.jsonPath(), "state '" + s.name() + "' is unreachable from the initial state '" + b.initial.name() + "'",
            "add a transition or timeout into it, make it an initial child, or remove it");
      }
    }
  }

  private static void enter(StateNode target, Set<StateNode> reached, List<StateNode> work) {
    for (StateNode n = target; n != null; n = n.parent()) {
      if (reached.add(n)) {
        work.add(n);
      }
    }
    for (StateNode n = target.initialChild(); n != null; n = n.initialChild()) {
      if (reached.add(n)) {
        work.add(n);
      }
    }
  }

  private static void buildIndex(StateNode s) {
    Map<String, List<Transition>> guarded = new HashMap<>();
    Map<String, Transition> fallback = new HashMap<>();
    Set<String> events = new LinkedHashSet<>();
    for (Transition t : s.transitions) {
      events.add(t.event());
      if (t.unguarded()) {
        fallback.put(t.event(), t);
      } else {
        guarded.computeIfAbsent(t.event(), k -> new ArrayList<>()).add(t);
      }
    }
    for (String ev : events) {
      List<Transition> g = guarded.getOrDefault(ev, List.of());
      s.byEvent.put(ev, new StateNode.Candidates(g.toArray(new Transition[0]), fallback.get(ev)));
    }
  }
}
