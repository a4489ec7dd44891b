package io.eventstate.flume.interceptor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The example agent inlines each feed's mapping (Flume properties have no includes); the mapping files in
 * conf/flume/mappings are what the core tests run over the real data. This keeps the two equal, key for key.
 */
class AgentMappingsTest {

  private static final Path CONF = Path.of("..", "conf", "flume");
  private static final Pattern MAPPING_COMMENT = Pattern.compile("^# ---- source (\\S+):.*\\n#\\s+mapping: conf/flume/mappings/(\\S+)$",
      Pattern.MULTILINE);

  private static Properties load(Path p) throws IOException {
    Properties props = new Properties();
    try (Reader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
      props.load(r);
    }
    return props;
  }

  @Test
  void everySourceRunsExactlyItsMappingFile() throws IOException {
    Path agentFile = CONF.resolve("eventstate.properties");
    String text = Files.readString(agentFile);
    Properties agent = load(agentFile);
    Matcher m = MAPPING_COMMENT.matcher(text);
    int sources = 0;
    while (m.find()) {
      String source = m.group(1);
      Properties mapping = load(CONF.resolve("mappings").resolve(m.group(2)));
      String base = "a1.sources." + source + ".";
      Map<String, String> expected = new TreeMap<>();
      for (String k : mapping.stringPropertyNames()) {
        String where = k.startsWith("explode.") ? base + "handler." + k : base + "interceptors.normalize." + k;
        expected.put(where, mapping.getProperty(k));
      }
      Map<String, String> actual = new TreeMap<>();
      for (String k : agent.stringPropertyNames()) {
        boolean normalizerKey = k.startsWith(base + "interceptors.normalize.")
            && !k.endsWith(".normalize.type") && !k.endsWith(".normalize.name");
        boolean explodeKey = k.startsWith(base + "handler.explode.");
        if (normalizerKey || explodeKey) {
          actual.put(k, agent.getProperty(k));
        }
      }
      assertEquals(expected, actual, "source " + source + " differs from its mapping " + m.group(2));
      sources++;
    }
    assertTrue(sources >= 7, "expected a mapping comment for every feed, found " + sources);
    assertEquals(sources, agent.getProperty("a1.sources").trim().split("\\s+").length,
        "every source of a1 needs a '# ---- source NAME' / '#      mapping: ...' comment");
    assertFalse(agent.stringPropertyNames().isEmpty());
  }
}
