package io.eventstate.flume.sink;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

import io.eventstate.core.config.Locations;
import io.eventstate.core.state.EntityStateSpec;

/** The shell commands the schema tool prints to load the state coprocessor on an existing table. */
class StateScriptTest {

  private static final String SESSIONS = "{\"kind\":\"sessions\",\"name\":\"visits\",\"entity_types\":[\"package\"],"
      + "\"gap\":\"30m\",\"allowed_lateness\":\"3d\"}";

  @Test
  void writesTheTableValuesAndTheCoprocessorLine() {
    String text = SchemaTool.stateScript("events", EntityStateSpec.properties(List.of(
        SESSIONS.replace("\"30m\"", "\"30m\",\"description\":\"it's\\\\here\""))),
        "file:///opt/eventstate/eventstate-coprocessors.jar");
    assertTrue(text.contains("alter 'events', METHOD => 'table_att', METADATA => {\n  'eventstate.state.machine.visits' => '{"), text);
    assertTrue(text.contains("it\\'s\\\\\\\\here"), text);
    assertTrue(text.endsWith("'coprocessor' => 'file:///opt/eventstate/eventstate-coprocessors.jar|"
        + "io.eventstate.hbase.coprocessor.EntityStateObserver|1073741823|'\n"), text);
  }

  @Test
  void theCommandLineReadsTheConfFiles() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String root = Locations.repositoryRoot().toString();
    int code = SchemaTool.run(new String[] {"print-state", "table=events", "jar=file:///x.jar", "lateness=2d",
        root + "/conf/machines/package.json", root + "/conf/machines/sessions.json"}, new Configuration(false),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    String text = out.toString(StandardCharsets.UTF_8);
    assertTrue(code == 0 && text.contains("'eventstate.state.machine.package' => '{")
        && text.contains("'eventstate.state.machine.web' => '{") && text.contains("'eventstate.state.lateness' => '2d'"),
        code + text + err);
    code = SchemaTool.run(new String[] {"print-state", "table=events", "jar=file:///x.jar", "lateness=soon",
        root + "/conf/machines/package.json"}, new Configuration(false), new PrintStream(out),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertTrue(code == 2 && err.toString(StandardCharsets.UTF_8)
        .contains("key 'eventstate.state.lateness' value was set to 'soon'"), err.toString());
  }

  @Test
  void shouldRejectAnInvalidConfigurationBeforeWritingCommands() {
    assertThrows(IllegalArgumentException.class, () -> SchemaTool.stateScript("events",
        Map.of("eventstate.state.lateness", "2d"), "file:///x.jar"));
    assertThrows(IllegalArgumentException.class, () -> SchemaTool.stateDescriptor(
        new io.eventstate.core.rowkey.TableSchema("events", 4), Map.of("eventstate.state.lateness", "2d")));
  }
}
