package io.eventstate.core.state;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class StateShellTest {

  @Test
  void writesTheTableValuesAndTheCoprocessorLine() {
    String text = StateShell.alterCommands("events", EntityStateSpec.properties(java.util.List.of(
        EntityStateProcessorTest.SESSIONS.replace("\"30m\"", "\"30m\",\"description\":\"it's\\\\here\""))),
        "file:///opt/eventstate/eventstate-coprocessors.jar");
    assertTrue(text.contains("alter 'events', METHOD => 'table_att',\n  'eventstate.state.machine.visits' => '{"), text);
    assertTrue(text.contains("it\\'s\\\\\\\\here"), text);
    assertTrue(text.endsWith("'coprocessor' => 'file:///opt/eventstate/eventstate-coprocessors.jar|"
        + "io.eventstate.hbase.coprocessor.EntityStateObserver|1073741823|'\n"), text);
  }

  @Test
  void shouldRejectAnInvalidConfigurationBeforeWritingCommands() {
    assertThrows(IllegalArgumentException.class, () -> StateShell.alterCommands("events",
        Map.of("eventstate.state.lateness", "2d"), "file:///x.jar"));
  }
}
