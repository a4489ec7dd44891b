package io.eventstate.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import io.eventstate.core.act.LookupSpec;
import io.eventstate.core.act.StateDecorationSpec;
import io.eventstate.core.fsm.DefinitionException;
import io.eventstate.core.fsm.MachineDefinition;
import io.eventstate.core.json.JsonMapping;
import io.eventstate.core.json.NormalizerSpec;
import io.eventstate.core.json.SplitterSpec;
import io.eventstate.core.act.NotifySpec;
import io.eventstate.core.rowkey.EventSinkSpec;
import io.eventstate.core.rowkey.TableSchema;
import io.eventstate.core.act.TaggingSpec;
import io.eventstate.core.session.SessionSpec;
import io.eventstate.core.state.EntityStateSpec;

/**
 * Every spec rejects an unknown key with the one message shape of {@link ConfigException}: the place (file or
 * component, when the thrower knows it), the key, its value, the valid keys and the fix. One test per spec.
 */
class UnknownKeyMessageTest {

  /** {@code [PLACE: ]unknown key 'KEY' (value 'VALUE'); valid keys are [...]; check the spelling (...)}. */
  private static final Pattern SHAPE = Pattern.compile("(?:(.+): )?unknown key '([^']+)' \\(value '(.*)'\\); valid keys"
      + " are \\[(.+)\\]; check the spelling \\(keys are case-sensitive\\)");

  /** Asserts the shape, the key, the value and one valid key; returns the place (null when none). */
  private static String assertShape(String message, String key, String value, String aValidKey) {
    Matcher m = SHAPE.matcher(message);
    assertTrue(m.find(), "not the one unknown-key shape: " + message);
    assertEquals(key, m.group(2), message);
    assertEquals(value, m.group(3), message);
    assertTrue(m.group(4).contains(aValidKey), "lists the valid key " + aValidKey + ": " + message);
    return m.group(1);
  }

  private static String rejected(Executable parse) {
    return assertThrows(ConfigException.class, parse).getMessage();
  }

  private static Map<String, String> with(Map<String, String> base, String key, String value) {
    Map<String, String> m = new HashMap<>(base);
    m.put(key, value);
    return m;
  }

  @Test
  void normalizerSpec() {
    Map<String, String> ok = Map.of("entity", "user:/user_id", "eventType.paths", "/type", "time.paths", "/t");
    NormalizerSpec.parse(ok);
    assertShape(rejected(() -> NormalizerSpec.parse(with(ok, "time.fromat", "auto"))), "time.fromat", "auto",
        "time.format");
  }

  @Test
  void splitterSpec() {
    assertShape(rejected(() -> SplitterSpec.parse(Map.of("explode.paht", "/events"))), "explode.paht", "/events",
        "explode.path");
  }

  @Test
  void jsonMappingNamesTheFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("feed.properties");
    Files.writeString(file, "entity = user:/u\neventType.paths = /t\ntime.paths = /ts\nexplode.pth = /events\n",
        StandardCharsets.UTF_8);
    ConfigException e = assertThrows(ConfigException.class, () -> JsonMapping.load(file));
    assertEquals(file.toString(), assertShape(e.getMessage(), "explode.pth", "/events", "explode.path"));
    assertEquals(file.toString(), e.component());
    assertTrue(assertShape(e.getMessage(), "explode.pth", "/events", "time.format") != null);
  }

  @Test
  void eventSinkSpec() {
    assertShape(rejected(() -> EventSinkSpec.parse(Map.of("channel", "c", "type", "x", "batchsize", "10"))),
        "batchsize", "10", "batchSize");
    String m = rejected(() -> EventSinkSpec.parse(Map.of("tabel", "t")));
    assertShape(m, "tabel", "t", "hbase.* (passed to the HBase client)");
  }

  @Test
  void notifySpec() {
    assertShape(rejected(() -> NotifySpec.parse(Map.of("notify.hostname", "h", "notify.port", "1", "notify.host", "x"))),
        "notify.host", "x", "notify.hostname");
  }

  @Test
  void tableSchema() {
    assertShape(rejected(() -> TableSchema.parse(Map.of("tabel", "x"))), "tabel", "x", "regions");
  }

  @Test
  void stateDecorationSpec() {
    assertShape(rejected(() -> StateDecorationSpec.parse(Map.of("machines", "p", "timeout", "5"))), "timeout", "5",
        "timeoutMs");
  }

  @Test
  void lookupSpec() {
    assertShape(rejected(() -> LookupSpec.parse(Map.of("file", "x.csv", "reload", "5"))), "reload", "5",
        "reloadIntervalSec");
  }

  @Test
  void taggingSpecTopLevelAndRuleKeys() {
    Map<String, String> ok = Map.of("rules", "r", "rules.r.if", "status exists", "rules.r.tag", "t");
    TaggingSpec.parse(ok);
    assertShape(rejected(() -> TaggingSpec.parse(with(ok, "aplyTo", "all"))), "aplyTo", "all", "applyTo");
    assertShape(rejected(() -> TaggingSpec.parse(with(ok, "rules.r.tags", "u"))), "rules.r.tags", "u", "rules.r.tag");
  }

  @Test
  void entityStateSpec() {
    String m = rejected(() -> EntityStateSpec.parse(Map.of("eventstate.state.latenes", "2d")));
    assertShape(m, "eventstate.state.latenes", "2d", "eventstate.state.lateness");
  }

  @Test
  void machineAndSessionDefinitionsNameTheFileAndThePath() {
    String machine = "{\"name\": \"m\", \"entity_types\": [\"x\"], \"initial\": \"a\", \"colour\": \"red\","
        + " \"states\": {\"a\": {}}}";
    DefinitionException e = assertThrows(DefinitionException.class, () -> MachineDefinition.parse("m.json", machine));
    assertEquals("m.json: $.colour", assertShape(e.problems().get(0), "colour", "red", "initial"));
    String sessions = "{\"kind\": \"sessions\", \"name\": \"s\", \"entity_types\": [\"x\"], \"gap_minutes\": 30}";
    e = assertThrows(DefinitionException.class, () -> SessionSpec.parse("s.json", sessions));
    assertEquals("s.json: $.gap_minutes", assertShape(e.problems().get(0), "gap_minutes", "30", "gap"));
  }

  @Test
  void theAdapterNamesTheComponentOnce() {
    ConfigException e = assertThrows(ConfigException.class, () -> SplitterSpec.parse(Map.of("x", "1")));
    ConfigException named = e.in("JsonHttpHandler (handler.* keys)");
    assertEquals("JsonHttpHandler (handler.* keys)", assertShape(named.getMessage(), "x", "1", "explode.path"));
    assertEquals(named.getMessage(), named.in("other").getMessage(), "a named problem keeps its name");
  }
}
