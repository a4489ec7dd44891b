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
    return parse(props, null);
  }

  /** Like {@link #parse(Map)}; value-map files are resolved against {@code baseDir} (the mapping file's directory). */
  public static JsonMapping parse(Map<String, String> props, Path baseDir) {
    List<String> keys = new ArrayList<>(NormalizerSpec.KEYS);
    keys.addAll(SplitterSpec.KEYS);
    keys.add(CONFIG_HEADERS_COPY);
    new ConfigReader(null, props).keys(keys).prefix(NormalizerSpec.CONFIG_EVENT_TYPE_MAP, NormalizerSpec.CONFIG_EVENT_TYPE_MAP + "*")
        .prefix(NormalizerSpec.CONFIG_ATTRIBUTE_MAP_PREFIX).rejectUnknown();
    Map<String, String> n = new HashMap<>();
    Map<String, String> s = new HashMap<>();
    for (Map.Entry<String, String> e : props.entrySet()) {
      if (!e.getKey().equals(CONFIG_HEADERS_COPY)) {
        (SplitterSpec.KEYS.contains(e.getKey()) ? s : n).put(e.getKey(), e.getValue());
      }
    }
    return new JsonMapping(NormalizerSpec.parse(n, baseDir), SplitterSpec.parse(s));
  }

  /**
   * Request headers the HTTP handler copies into each event ({@code X-GitHub-Event, X-GitHub-Delivery}), so that the
   * mapping can read them as {@code header:<name>}. A handler key; the normalizer ignores it.
   */
  public static final String CONFIG_HEADERS_COPY = "headers.copy";

  /** The key, in an agent's interceptor or HTTP handler properties, that names a mapping file to read keys from. */
  public static final String CONFIG_MAPPING_FILE = "mapping.file";

  /**
   * The keys of a component configured with {@link #CONFIG_MAPPING_FILE}: the mapping file's keys that {@code wanted}
   * accepts, overlaid by the component's own keys (which win), without the {@code mapping.file} key itself. The whole
   * file is validated first, so a typo in it fails the component that reads it. Without the key, {@code props} as is.
   *
   * @throws ConfigException naming the file and the key
   */
  public static Map<String, String> withFile(Map<String, String> props, java.util.function.Predicate<String> wanted) {
    String f = props.get(CONFIG_MAPPING_FILE);
    if (f == null) {
      return props;
    }
    Path file = resolve(f.trim());
    Map<String, String> fileProps;
    try {
      fileProps = read(file);
      parse(fileProps, file.toAbsolutePath().getParent());
    } catch (IOException e) {
      throw ConfigException.badValue(null, CONFIG_MAPPING_FILE, f, "cannot read " + file.toAbsolutePath() + " ("
          + e.getClass().getSimpleName() + "); give the mapping file's path, absolute or relative to the agent's working "
          + "directory");
    } catch (ConfigException e) {
      throw e.in(file.toString());
    }
    Map<String, String> out = new HashMap<>();
    for (Map.Entry<String, String> e : fileProps.entrySet()) {
      if (wanted.test(e.getKey())) {
        out.put(e.getKey(), e.getValue());
      }
    }
    out.putAll(props);
    out.remove(CONFIG_MAPPING_FILE);
    return out;
  }

  /** The directory value-map files of a component's {@link #CONFIG_MAPPING_FILE} are resolved against, or null. */
  public static Path baseDir(Map<String, String> props) {
    String f = props.get(CONFIG_MAPPING_FILE);
    return f == null ? null : resolve(f.trim()).toAbsolutePath().getParent();
  }

  /**
   * A mapping file's path: absolute as given; a relative one against the working directory, else (not found there)
   * against the installation ({@code eventstate.home}) or the nearest parent directory of the working directory that has
   * it, so that {@code conf/flume/mappings/x.properties} works from the installation root and from below it.
   */
  public static Path resolve(String file) {
    Path p = Path.of(file);
    if (p.isAbsolute() || Files.exists(p)) {
      return p;
    }
    String home = System.getProperty("eventstate.home");
    if (home != null && Files.exists(Path.of(home).resolve(p))) {
      return Path.of(home).resolve(p);
    }
    for (Path d = Path.of("").toAbsolutePath().getParent(); d != null; d = d.getParent()) {
      if (Files.exists(d.resolve(p))) {
        return d.resolve(p);
      }
    }
    return p;
  }

  /** The keys of a properties file (UTF-8). */
  public static Map<String, String> read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file); Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
      Properties p = new Properties();
      p.load(r);
      Map<String, String> m = new HashMap<>();
      for (String k : p.stringPropertyNames()) {
        m.put(k, p.getProperty(k));
      }
      return m;
    }
  }

  /** Reads a properties file (UTF-8) and parses it; every problem names the file. */
  public static JsonMapping load(Path file) throws IOException {
    Map<String, String> m = read(file);
    try {
      return parse(m, file.toAbsolutePath().getParent());
    } catch (ConfigException e) {
      throw e.in(file.toString());
    }
  }

  /** Whether payloads of this mapping need the splitter's explosion. */
  public boolean explodes() {
    return splitter.explodePath() != null;
  }
}
