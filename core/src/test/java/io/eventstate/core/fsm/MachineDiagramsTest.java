package io.eventstate.core.fsm;

import io.eventstate.core.state.DefinitionCatalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MachineDiagramsTest {

  @Test
  void mermaidDrawsCompositeStatesAndScopesEdges() {
    String m = MachineDiagrams.toMermaid(TestSupport.machine("package.json"));
    assertTrue(m.startsWith("stateDiagram-v2\n"), m);
    assertContainsAll(m,
        "    [*] --> tracking\n",
        "    state tracking {\n        [*] --> unknown\n",
        "        state in_transit {\n            [*] --> moving\n",
        "        in_transit --> lost : after 7d idle / notify\n",
        "    tracking --> at_facility : in_transit [attr.status_detail equals arrived_at_facility]\n",
        "    delivered --> [*]\n");
    assertEquals(m.chars().filter(c -> c == '{').count(), m.chars().filter(c -> c == '}').count());
  }

  @Test
  void mermaidEscapesGuardOperators() {
    String m = MachineDiagrams.toMermaid(TestSupport.machine("device.json"));
    assertTrue(m.contains("online --> low_battery : uplink [attr.battery_percent #lt; 20]"), m);
    assertTrue(m.contains("%% online: stays on uplink"), m);
  }

  @Test
  void dotDrawsClustersAndAnchorsCompositeEdges() {
    String d = MachineDiagrams.toDot(TestSupport.machine("package.json"));
    assertTrue(d.startsWith("digraph \"package\" {\n  compound=true;"), d);
    assertContainsAll(d,
        "subgraph \"cluster_tracking\" {",
        "subgraph \"cluster_in_transit\" {",
        "\"in_transit__init\" -> \"lost\" [label=\"after 7d idle / notify\", ltail=\"cluster_in_transit\", style=dashed];",
        "\"delivered\" [label=\"delivered\", shape=doubleoctagon];",
        "\"tracking__init\" -> \"delivered\" [label=\"delivered / notify\", ltail=\"cluster_tracking\"];");
    assertEquals(d.chars().filter(c -> c == '{').count(), d.chars().filter(c -> c == '}').count());
  }

  @Test
  void everyShippedMachineDrawsBothWays() throws Exception {
    DefinitionCatalog c = DefinitionCatalog.load(TestSupport.repoRoot().resolve("conf/machines"));
    assertEquals(6, c.machines().size());
    assertEquals(1, c.sessions().size());
    for (MachineDefinition def : c.machines()) {
      for (StateNode s : def.allStates()) {
        assertTrue(MachineDiagrams.toMermaid(def).contains(s.name()), def.name() + " " + s.name());
        assertTrue(MachineDiagrams.toDot(def).contains("\"" + s.name()), def.name() + " " + s.name());
      }
    }
    assertEquals(List.of("checkout"), c.machinesFor("user").stream().map(MachineDefinition::name).toList());
    assertEquals(1, c.sessionsFor("user").size());
  }

  @Test
  void catalogReportsEveryBrokenFileAndDuplicateNames(@TempDir Path dir) throws Exception {
    Files.copy(TestSupport.repoRoot().resolve("conf/machines/toaster.json"), dir.resolve("a.json"));
    Files.copy(TestSupport.repoRoot().resolve("conf/machines/toaster.json"), dir.resolve("b.json"));
    Files.writeString(dir.resolve("c.json"), "{\"kind\": \"sessions\", \"name\": \"s\", \"entity_types\": [\"u\"], \"gap\": \"x\"}");
    DefinitionException e = assertThrows(DefinitionException.class, () -> DefinitionCatalog.load(dir));
    assertEquals(2, e.problems().size(), e.getMessage());
    assertTrue(e.problems().get(0).contains("name 'toaster' is already used by"), e.getMessage());
    assertTrue(e.problems().get(1).contains("c.json: $.gap"), e.getMessage());
  }

  private static void assertContainsAll(String text, String... parts) {
    for (String part : parts) {
      assertTrue(text.contains(part), "missing " + part + " in\n" + text);
    }
  }
}
