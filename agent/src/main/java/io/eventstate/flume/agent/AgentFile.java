package io.eventstate.flume.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * A Flume agent properties file read the way Flume reads it: {@code <agent>.sources = s1 s2},
 * {@code <agent>.sources.<s>.type = http}, ... Every agent the file defines is visible, not only one.
 */
public final class AgentFile {

  /** The component kinds of an agent, as Flume names their list keys. */
  public static final List<String> KINDS = List.of("sources", "channels", "sinks", "sinkgroups");

  private final Properties properties;
  private final String origin;

  private AgentFile(Properties properties, String origin) {
    this.properties = properties;
    this.origin = origin;
  }

  /**
   * Reads a properties file as UTF-8.
   *
   * @throws NoSuchFileException when it does not exist
   * @throws IOException         when it cannot be read or is not a properties file
   */
  public static AgentFile read(Path file) throws IOException {
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      throw new IOException(file + " is not a properties file: " + e.getMessage(), e);
    }
    return new AgentFile(p, file.toString());
  }

  /** Reads a properties file, failing with an unchecked exception. */
  public static AgentFile readUnchecked(Path file) {
    try {
      return read(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** A copy of in-memory properties (full keys). */
  public static AgentFile of(Properties properties, String origin) {
    Properties p = new Properties();
    p.putAll(properties);
    return new AgentFile(p, origin);
  }

  /** Where the properties came from (a path, or a description), for messages. */
  public String origin() {
    return origin;
  }

  /** A copy of every property. */
  public Properties properties() {
    Properties p = new Properties();
    p.putAll(properties);
    return p;
  }

  /** Every agent the file defines: the first part of each {@code <agent>.sources|channels|sinks|sinkgroups} key. */
  public Set<String> agents() {
    Set<String> agents = new TreeSet<>();
    for (String k : properties.stringPropertyNames()) {
      String[] parts = k.split("\\.");
      if (parts.length == 2 && KINDS.contains(parts[1])) {
        agents.add(parts[0]);
      }
    }
    return agents;
  }

  /** The named components of one kind of an agent ({@code sources}, {@code channels}, ...), in file order. */
  public List<String> components(String agent, String kind) {
    return list(properties, agent + "." + kind);
  }

  /** A component's {@code type}, trimmed, as written (empty when missing). */
  public String type(String agent, String kind, String name) {
    return properties.getProperty(agent + "." + kind + "." + name + ".type", "").trim();
  }

  /** A value by full key, trimmed, or null. */
  public String get(String key) {
    String v = properties.getProperty(key);
    return v == null ? null : v.trim();
  }

  static List<String> list(Properties p, String key) {
    String v = p.getProperty(key);
    return v == null || v.isBlank() ? List.of() : Arrays.asList(v.trim().split("\\s+"));
  }

  /** Whether a type names a stock Flume alias or its class ({@code http} or {@code ...source.http.HTTPSource}). */
  static boolean isType(String type, String alias, String className) {
    String t = type.trim();
    return t.equalsIgnoreCase(alias) || t.equals(className) || t.toLowerCase(Locale.ROOT).equals(
        className.toLowerCase(Locale.ROOT));
  }
}
