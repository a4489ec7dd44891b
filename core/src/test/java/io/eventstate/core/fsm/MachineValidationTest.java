package io.eventstate.core.fsm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every validation error, each with the file, the JSON path and a fix in the message. */
class MachineValidationTest {

  private static final String FILE = "conf/machines/test.json";

  /** A valid machine with {@code %s} replaced by extra top-level states and {@code %t} by extra transitions on a. */
  private static String machine(String extraStates, String extraOnA) {
    return """
        {
          "name": "t",
          "entity_types": ["thing"],
          "initial": "a",
          "attributes": {"n": "number", "flag": "boolean"},
          "states": {
            "a": {"on": [{"event": "go", "target": "b"}%t]},
            "b": {"on": [{"event": "back", "target": "a"}]}%s
          }
        }""".replace("%s", extraStates).replace("%t", extraOnA);
  }

  private static String problem(String json, String expectedFragment) {
    DefinitionException e = assertThrows(DefinitionException.class, () -> MachineDefinition.parse(FILE, json));
    for (String p : e.problems()) {
      assertTrue(p.startsWith(FILE + ": $"), "names the file and a JSON path: " + p);
      assertTrue(p.contains("; "), "has a fix: " + p);
    }
    String joined = String.join("\n", e.problems());
    assertTrue(joined.contains(expectedFragment), "expected '" + expectedFragment + "' in:\n" + joined);
    return joined;
  }

  @Test
  void theBaseMachineIsValid() {
    MachineDefinition d = MachineDefinition.parse(FILE, machine("", ""));
    assertEquals("t", d.name());
    assertEquals(List.of("a", "b"), d.allStates().stream().map(StateNode::path).toList());
  }

  @Test
  void everyShippedDefinitionLoads() throws IOException {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(TestSupport.repoRoot().resolve("conf/machines"), "*.json")) {
      for (Path p : ds) {
        String text = Files.readString(p);
        if (text.contains("\"kind\": \"sessions\"")) {
          continue;
        }
        names.add(MachineDefinition.load(p).name());
      }
    }
    assertTrue(names.containsAll(List.of("toaster", "video-playback", "package", "checkout", "device")), names.toString());
  }

  @Test
  void shouldRejectInvalidJson() {
    problem("{\"name\": \"t\",", "invalid JSON at line 1");
  }

  @Test
  void shouldRejectDuplicateJsonKeys() {
    problem("{\"name\": \"t\", \"name\": \"u\"}", "Duplicate field 'name'");
  }

  @Test
  void shouldRejectUnknownKeys() {
    problem(machine("", "").replace("\"initial\": \"a\",", "\"initial\": \"a\", \"inital_state\": \"a\","),
        "$.inital_state: unknown key 'inital_state' (value 'a'); valid keys are [");
    problem(machine(",\"c\": {\"final\": true, \"colour\": \"red\"}", ",{\"event\": \"x\", \"target\": \"c\"}"),
        "$.states.c.colour: unknown key 'colour'");
    problem(machine("", ",{\"event\": \"x\", \"to\": \"b\"}"), "$.states.a.on[1].to: unknown key 'to'");
  }

  @Test
  void shouldRejectMissingRequiredKeys() {
    problem("{\"states\": {\"a\": {}}}", "$.name: missing required key 'name'");
    problem("{\"name\": \"t\", \"entity_types\": [\"x\"], \"states\": {\"a\": {}}}", "$.initial: missing required key 'initial'");
    problem("{\"name\": \"t\", \"initial\": \"a\", \"states\": {\"a\": {}}}", "$.entity_types: missing required key");
  }

  @Test
  void shouldRejectUnknownTargetAndInitialStates() {
    problem(machine("", ",{\"event\": \"x\", \"target\": \"nowhere\"}"),
        "$.states.a.on[1].target: unknown state 'nowhere'; use one of [a, b]");
    problem(machine("", "").replace("\"initial\": \"a\"", "\"initial\": \"z\""), "$.initial: unknown state 'z'");
  }

  @Test
  void shouldRejectNestedInitialAndMissingCompositeInitial() {
    String nested = machine(",\"c\": {\"states\": {\"c1\": {}, \"c2\": {}}, \"on\": [{\"event\": \"x\", \"target\": \"c2\"}]}",
        ",{\"event\": \"x\", \"target\": \"c\"}");
    problem(nested, "$.states.c.initial: composite state 'c' has no initial child; add \"initial\": one of [c1, c2]");
    String badChild = machine(",\"c\": {\"initial\": \"b\", \"states\": {\"c1\": {}}}", ",{\"event\": \"x\", \"target\": \"c\"}");
    problem(badChild, "$.states.c.initial: 'b' is not a child of 'c'");
    String initialNested = machine(",\"c\": {\"initial\": \"c1\", \"states\": {\"c1\": {}}}", ",{\"event\": \"x\", \"target\": \"c\"}")
        .replace("\"initial\": \"a\"", "\"initial\": \"c1\"");
    problem(initialNested, "$.initial: 'c1' is nested in 'c'");
  }

  @Test
  void shouldRejectDuplicateAndBadStateNames() {
    problem(machine(",\"c\": {\"initial\": \"a\", \"states\": {\"a\": {}}}", ""), "state 'a' is declared twice");
    problem(machine(",\"c/d\": {}", ""), "$.states.c/d: state name 'c/d' is not allowed");
  }

  @Test
  void shouldRejectUnreachableStates() {
    String msg = problem(machine(",\"orphan\": {\"on\": [{\"event\": \"x\", \"target\": \"a\"}]}", ""),
        "$.states.orphan: state 'orphan' is unreachable from the initial state 'a'; add a transition or timeout into it");
    assertTrue(!msg.contains("'b' is unreachable"), msg);
  }

  @Test
  void shouldRejectTwoUnguardedTransitionsOnOneEvent() {
    problem(machine("", ",{\"event\": \"go\", \"target\": \"a\"}"),
        "$.states.a.on[1]: ambiguous: state 'a' already has an unguarded transition on 'go' at $.states.a.on[0]");
  }

  @Test
  void shouldRejectOverlappingGuards() {
    problem(machine("", ",{\"event\": \"x\", \"guard\": \"attr.n > 5\", \"target\": \"b\"}"
        + ",{\"event\": \"x\", \"guard\": \"attr.n < 10\", \"target\": \"a\"}"), "ambiguous: on 'x' in state 'a' both");
    problem(machine("", ",{\"event\": \"x\", \"guard\": \"attr.s prefix ab\", \"target\": \"b\"}"
        + ",{\"event\": \"x\", \"guard\": \"attr.s prefix abc\", \"target\": \"a\"}"), "ambiguous");
    problem(machine("", ",{\"event\": \"x\", \"guard\": \"attr.s in p,q\", \"target\": \"b\"}"
        + ",{\"event\": \"x\", \"guard\": [\"attr.s equals q\", \"attr.n > 1\"], \"target\": \"a\"}"), "ambiguous");
  }

  @Test
  void acceptsProvablyExclusiveGuardsAndAFallback() {
    MachineDefinition d = MachineDefinition.parse(FILE, machine("",
        ",{\"event\": \"x\", \"guard\": \"attr.n >= 10\", \"target\": \"b\"}"
            + ",{\"event\": \"x\", \"guard\": \"attr.n < 10\", \"target\": \"a\"}"
            + ",{\"event\": \"x\"}"
            + ",{\"event\": \"y\", \"guard\": \"attr.s equals p\", \"target\": \"b\"}"
            + ",{\"event\": \"y\", \"guard\": \"attr.s in q,r\", \"target\": \"a\"}"
            + ",{\"event\": \"y\", \"guard\": \"attr.s missing\"}"
            + ",{\"event\": \"z\", \"guard\": \"attr.s prefix ab\", \"target\": \"b\"}"
            + ",{\"event\": \"z\", \"guard\": [\"attr.n > 3\", \"attr.s prefix ac\"], \"target\": \"a\"}"));
    assertEquals(9, d.state("a").transitions().size());
    long t = 1_000_000_000L;
    EntityState s0 = StateMachineEngine.initial(d);
    assertEquals("b", StateMachineEngine.step(d, s0, TestSupport.event("thing", "1", "x", t, "i", "n", "12")).state().path());
    assertEquals("a", StateMachineEngine.step(d, s0, TestSupport.event("thing", "1", "x", t, "i", "n", "3")).state().path());
    Step fallback = StateMachineEngine.step(d, s0, TestSupport.event("thing", "1", "x", t, "i", "n", "n/a"));
    assertEquals(Outcome.INTERNAL, fallback.outcome(), "a non-numeric value matches no numeric guard: the fallback fires");
    assertEquals("b", StateMachineEngine.step(d, s0, TestSupport.event("thing", "1", "z", t, "i", "s", "abc")).state().path());
  }

  @Test
  void innerTransitionsDoNotConflictWithInheritedOnes() {
    MachineDefinition d = MachineDefinition.parse(FILE, machine(
        ",\"c\": {\"initial\": \"c1\", \"states\": {\"c1\": {\"on\": [{\"event\": \"go\", \"target\": \"a\"}]}},"
            + " \"on\": [{\"event\": \"go\", \"target\": \"b\"}]}",
        ",{\"event\": \"x\", \"target\": \"c\"}"));
    assertEquals(1, d.state("c/c1").transitions().size());
  }

  @Test
  void shouldRejectTimeoutsAndTransitionsOnFinalStates() {
    problem(machine(",\"c\": {\"final\": true, \"timeouts\": [{\"after\": \"1d\", \"target\": \"a\"}]}",
        ",{\"event\": \"x\", \"target\": \"c\"}"),
        "$.states.c.timeouts: final state 'c' has a timeout; remove the timeout or remove \"final\"");
    problem(machine(",\"c\": {\"final\": true, \"on\": [{\"event\": \"y\", \"target\": \"a\"}]}",
        ",{\"event\": \"x\", \"target\": \"c\"}"), "$.states.c.on: final state 'c' has transitions");
    problem(machine(",\"c\": {\"final\": true, \"initial\": \"c1\", \"states\": {\"c1\": {}}}",
        ",{\"event\": \"x\", \"target\": \"c\"}"), "composite state 'c' cannot be final");
  }

  @Test
  void shouldRejectBadDurations() {
    problem(machine("", "").replace("\"a\": {\"on\"", "\"a\": {\"timeouts\": [{\"after\": \"7x\", \"target\": \"b\"}], \"on\""),
        "$.states.a.timeouts[0].after: '7x' has unknown unit 'x'; write a whole number followed by ms, s, m, h or d");
    problem(machine("", "").replace("\"initial\": \"a\",", "\"initial\": \"a\", \"allowed_lateness\": \"soon\","),
        "$.allowed_lateness: 'soon' is not a duration");
  }

  @Test
  void shouldRejectGuardsOfTheWrongType() {
    String[][] guardsAndProblems = {
        {"attr.s > warm",
            "$.states.a.on[1].guard: condition 'attr.s > warm': operator '>' on field 'attr.s' needs a number"},
        {"attr.flag >= 1", "numeric operator '>=' on boolean field 'attr.flag'"},
        {"eventType < 3", "numeric operator '<' on string field 'eventType'"},
        {"attr.n equals many", "'many' is not a number but 'attr.n' is declared number"},
        {"attr.flag equals yes", "'yes' is not true or false but 'attr.flag' is declared boolean"},
        {"attr.n regex [0-9]+", "text operator 'regex' on number field 'attr.n'"},
        {"temperature > 3", "unknown guard field 'temperature'"},
        {"attr.s regex (", "invalid regex"},
        {"attr.s regex (a)\\\\1", "linear-time engine"},
        {"attr.s like y", "unknown operator 'like'"},
    };
    for (String[] c : guardsAndProblems) {
      problem(machine("", ",{\"event\": \"x\", \"guard\": \"" + c[0] + "\", \"target\": \"b\"}"), c[1]);
    }
  }

  @Test
  void shouldRejectPolicyMistakes() {
    problem(machine("", "").replace("\"initial\": \"a\",", "\"initial\": \"a\", \"no_transition\": \"explode\","),
        "$.no_transition: unknown policy 'explode'; use ignore, count_unexpected or error_state");
    problem(machine("", "").replace("\"initial\": \"a\",", "\"initial\": \"a\", \"no_transition\": \"error_state\","),
        "$.error_state: no_transition is 'error_state' but no error_state is named");
    problem(machine("", "").replace("\"initial\": \"a\",", "\"initial\": \"a\", \"error_state\": \"b\","),
        "$.error_state: error_state is set but no_transition is 'count_unexpected'");
  }

  @Test
  void shouldRejectWrongValueTypes() {
    problem(machine("", "").replace("\"entity_types\": [\"thing\"]", "\"entity_types\": 3"),
        "$.entity_types: must be a string or an array of strings");
    problem(machine("", ",{\"event\": \"x\", \"target\": \"b\", \"notify\": \"yes\"}"),
        "$.states.a.on[1].notify: must be true or false");
    problem(machine("", "").replace("\"attributes\": {\"n\": \"number\"", "\"attributes\": {\"n\": \"integer\""),
        "$.attributes.n: type \"integer\" is not known");
    problem(machine("", "").replace("\"initial\": \"a\",", "\"initial\": \"a\", \"dedupe_window\": 99,"),
        "$.dedupe_window: must be a whole number from 0 to 32");
  }

  @Test
  void reportsAllProblemsAtOnce() {
    DefinitionException e = assertThrows(DefinitionException.class, () -> MachineDefinition.parse(FILE,
        machine("", ",{\"event\": \"x\", \"target\": \"nowhere\"}").replace("\"initial\": \"a\",", "\"initial\": \"a\", \"bogus\": 1,")));
    assertEquals(2, e.problems().size(), e.getMessage());
    assertTrue(e.getMessage().startsWith("2 problems in " + FILE), e.getMessage());
  }
}
