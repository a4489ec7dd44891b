package io.eventstate.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * A Flume agent properties file, read the way Flume reads it ({@code <agent>.sources = s1 s2},
 * {@code <agent>.sources.<s>.interceptors = i1 i2}, ...), so that the command line runs exactly the
 * components an agent would run.
 */
public final class AgentProperties {

  /** One configured component: its name, its {@code type} and its other keys with the prefix removed. */
  public record Component(String name, String type, Map<String, String> parameters) {
  }

  private final Path file;
  private final String agent;
  private final Properties props;

  private AgentProperties(Path file, String agent, Properties props) {
    this.file = file;
    this.agent = agent;
    this.props = props;
  }

  public static AgentProperties load(Path file, String agent) {
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      p.load(in);
    } catch (NoSuchFileException e) {
      throw new CliException("agent properties file not found: " + file);
    } catch (IOException | IllegalArgumentException e) {
      throw new CliException("cannot read agent properties " + file + ": " + e.getMessage());
    }
    AgentProperties ap = new AgentProperties(file, agent, p);
    if (ap.sources().isEmpty()) {
      throw new CliException(file + ": key " + agent + ".sources is missing or empty; is the agent name right? (use --agent NAME)");
    }
    return ap;
  }

  public Path file() {
    return file;
  }

  public String agent() {
    return agent;
  }

  public List<String> sources() {
    return list(agent + ".sources");
  }

  /** The source's own keys, prefix removed (e.g. {@code type}, {@code handler}, {@code handler.explode.path}). */
  public Map<String, String> sourceParameters(String source) {
    return withPrefix(agent + ".sources." + source + ".");
  }

  /** The source's interceptor chain in order. */
  public List<Component> interceptors(String source) {
    String base = agent + ".sources." + source + ".interceptors";
    List<Component> chain = new ArrayList<>();
    for (String name : list(base)) {
      Map<String, String> params = withPrefix(base + "." + name + ".");
      String type = params.get("type");
      if (type == null || type.isBlank()) {
        throw new CliException(file + ": key " + base + "." + name + ".type is missing; set it to an interceptor builder class");
      }
      chain.add(new Component(name, type, params));
    }
    return chain;
  }

  private List<String> list(String key) {
    String v = props.getProperty(key);
    if (v == null || v.isBlank()) {
      return List.of();
    }
    return Arrays.asList(v.trim().split("\\s+"));
  }

  private Map<String, String> withPrefix(String prefix) {
    Map<String, String> m = new TreeMap<>();
    for (String k : props.stringPropertyNames()) {
      if (k.startsWith(prefix) && k.length() > prefix.length()) {
        m.put(k.substring(prefix.length()), props.getProperty(k).trim());
      }
    }
    return m;
  }
}
