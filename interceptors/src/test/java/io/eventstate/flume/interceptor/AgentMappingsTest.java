package io.eventstate.flume.interceptor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.eventstate.core.json.JsonMapping;
import io.eventstate.core.json.NormalizerSpec;
import io.eventstate.core.json.SplitterSpec;

/**
 * The example agent reads each feed's mapping from conf/flume/mappings ({@code mapping.file} on the normalizer and on
 * the HTTP handler) instead of copying its keys: every source names its mapping file, the file exists and parses, and
 * no mapping key is copied into the agent file beside it.
 */
class AgentMappingsTest {

  private static final Path ROOT = Path.of("..");
  private static final Pattern MAPPING_COMMENT = Pattern.compile("^# ---- source (\\S+):.*\\n#\\s+mapping: (conf/flume/mappings/\\S+)$",
      Pattern.MULTILINE);

  private static Properties load(Path p) throws IOException {
    Properties props = new Properties();
    try (Reader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
      props.load(r);
    }
    return props;
  }

  @Test
  void everySourceReadsItsMappingFileAndCopiesNoKey() throws IOException {
    Path agentFile = ROOT.resolve("conf/flume/eventstate.properties");
    String text = Files.readString(agentFile);
    Properties agent = load(agentFile);
    Matcher m = MAPPING_COMMENT.matcher(text);
    List<String> seen = new ArrayList<>();
    while (m.find()) {
      String source = m.group(1);
      String file = m.group(2);
      String base = "a1.sources." + source + ".";
      assertEquals(file, agent.getProperty(base + "interceptors.normalize.mapping.file"), source);
      if (JsonHttpHandler.class.getName().equals(agent.getProperty(base + "handler"))) {
        assertEquals(file, agent.getProperty(base + "handler.mapping.file"), source);
      }
      JsonMapping.load(ROOT.resolve(file)); // exists and parses
      for (String k : agent.stringPropertyNames()) {
        if (k.startsWith(base + "interceptors.normalize.")) {
          String rel = k.substring((base + "interceptors.normalize.").length());
          assertTrue(!NormalizerSpec.isKey(rel), k + " is a mapping key copied into the agent; keep it in " + file);
        }
        if (k.startsWith(base + "handler.")) {
          String rel = k.substring((base + "handler.").length());
          assertTrue(!SplitterSpec.KEYS.contains(rel), k + " is a mapping key copied into the agent; keep it in " + file);
        }
      }
      seen.add(source);
    }
    assertEquals(List.of(agent.getProperty("a1.sources").trim().split("\\s+")), seen,
        "every source of a1 needs a '# ---- source NAME' / '#      mapping: ...' comment, in order");
  }
}
