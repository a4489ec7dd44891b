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
    assertTrue(text.contains("alter 'events', METHOD => 'table_att', METADATA => {\n  'eventstate.state.machine.visits' => '{"), text);
    assertTrue(text.contains("it\\'s\\\\\\\\here"), text);
    assertTrue(text.endsWith("'coprocessor' => 'file:///opt/eventstate/eventstate-coprocessors.jar|"
        + "io.eventstate.hbase.coprocessor.EntityStateObserver|1073741823|'\n"), text);
  }

  @Test
  void theCommandLineReadsTheConfFiles() {
    var out = new java.io.ByteArrayOutputStream();
    var err = new java.io.ByteArrayOutputStream();
    String root = io.eventstate.core.fsm.TestSupport.repoRoot().toString();
    int code = StateShell.run(new String[] {"table=events", "jar=file:///x.jar", "lateness=2d",
        root + "/conf/machines/package.json", root + "/conf/machines/sessions.json"},
        new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
        new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
    String text = out.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(code == 0 && text.contains("'eventstate.state.machine.package' => '{")
        && text.contains("'eventstate.state.machine.web' => '{") && text.contains("'eventstate.state.lateness' => '2d'"),
        code + text + err);
    code = StateShell.run(new String[] {"table=events", "jar=file:///x.jar", "lateness=soon",
        root + "/conf/machines/package.json"}, new java.io.PrintStream(out), new java.io.PrintStream(err, true,
        java.nio.charset.StandardCharsets.UTF_8));
    assertTrue(code == 2 && err.toString(java.nio.charset.StandardCharsets.UTF_8)
        .contains("key 'eventstate.state.lateness' value was set to 'soon'"), err.toString());
  }

  @Test
  void shouldRejectAnInvalidConfigurationBeforeWritingCommands() {
    assertThrows(IllegalArgumentException.class, () -> StateShell.alterCommands("events",
        Map.of("eventstate.state.lateness", "2d"), "file:///x.jar"));
  }
}
