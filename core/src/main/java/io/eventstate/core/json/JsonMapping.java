package io.eventstate.core.json;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;


import io.eventstate.core.config.ConfigException;
import io.eventstate.core.config.ConfigReader;

/**
 * A mapping file ({@code conf/flume/mappings/<dataset>.properties}): the {@link NormalizerSpec} keys of a data
 * set, plus the {@link SplitterSpec} keys when its payloads need exploding. In a Flume agent the normalizer
 * keys go under the {@code NormalizingInterceptor} and the splitter keys under the HTTP source's
 * {@code handler.} prefix; the command line and tests read the file directly through this class.
 *
 * @param normalizer the normalizer spec
 * @param splitter   the splitter spec ({@link SplitterSpec#defaults()} when the file has no splitter key)
 */
public record JsonMapping(NormalizerSpec normalizer, SplitterSpec splitter) {

  public JsonMapping {
    Objects.requireNonNull(normalizer, "normalizer");
    Objects.requireNonNull(splitter, "splitter");
  }

  /**
   * Splits the keys between the two specs and parses both.
   *
   * @throws ConfigException naming the key, the bad value and the fix (unknown keys list both key sets)
   */
  public static JsonMapping parse(Map<String, String> props) {
    List<String> keys = new ArrayList<>(NormalizerSpec.KEYS);
    keys.addAll(SplitterSpec.KEYS);
    new ConfigReader(null, props).keys(keys).rejectUnknown();
    Map<String, String> n = new HashMap<>();
    Map<String, String> s = new HashMap<>();
    for (Map.Entry<String, String> e : props.entrySet()) {
      (SplitterSpec.KEYS.contains(e.getKey()) ? s : n).put(e.getKey(), e.getValue());
    }
    return new JsonMapping(NormalizerSpec.parse(n), SplitterSpec.parse(s));
  }

  /** Reads a properties file (UTF-8) and parses it; every problem names the file. */
  public static JsonMapping load(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file); Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
      Properties p = new Properties();
      p.load(r);
      Map<String, String> m = new HashMap<>();
      for (String k : p.stringPropertyNames()) {
        m.put(k, p.getProperty(k));
      }
      try {
        return parse(m);
      } catch (ConfigException e) {
        throw e.in(file.toString());
      }
    }
  }

  /** Whether payloads of this mapping need the splitter's explosion. */
  public boolean explodes() {
    return splitter.explodePath() != null;
  }
}
