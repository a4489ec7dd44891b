package io.eventstate.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.flume.conf.FlumeConfiguration;
import org.apache.flume.conf.FlumeConfigurationError;
import org.apache.flume.node.MaterializedConfiguration;

import io.eventstate.flume.agent.AgentFile;
import io.eventstate.flume.agent.AgentRunner;
import io.eventstate.flume.agent.Relocation;

/**
 * Real Flume agents in the test JVM, from a properties file or a {@link Properties} object, built and relocated by
 * the same runner as {@code ./eventstate run} ({@link Relocation} + {@link AgentRunner}), so a test can boot the
 * shipped {@code conf/flume/*.properties} unchanged: ports of sources become free local ports (and sinks sending
 * to them follow), file channels, spooling and sink directories move under the work directory (one
 * sub-directory per agent), and with {@link Builder#hbase} every HBase-reading component points at the test's
 * table and cluster. Explicit {@link Builder#override(String, String)} values win over both the file and the
 * relocation.
 *
 * <p>Several agents of one file start together with {@link Builder#alsoAgents(String...)} (started after the
 * others, e.g. a receiving agent first); the first agent is the one {@link #port(String)} and
 * {@link #property(String)} speak of.
 *
 * <p>{@link Builder#start()} fails when Flume reports a configuration ERROR, or when Flume removed a configured
 * component because its {@code configure()} threw (with Flume's reason) — unless {@link Builder#lenient()} is set,
 * in which case {@link #configurationErrors()} and {@link #removedComponents()} say what happened.
 *
 * <p>Counters are read through the platform MBean server, as an operator would:
 * {@link #counter(String, String, String)}, e.g. {@code counter("interceptor", "tagging", "events.in")}.
 *
 * <p>Modules use it through the test-support module {@code eventstate-testing}; they declare
 * {@code eventstate-agent}, {@code flume-ng-node}, {@code flume-ng-core} and {@code awaitility} (test scope)
 * themselves.
 */
public final class InProcessAgent implements AutoCloseable {

  private final String agentName;
  private final Properties properties;
  private final Path propertiesFile;
  private final Relocation.Result relocated;
  private final List<FlumeConfigurationError> errors;
  private final Set<String> removed;
  private final AgentRunner runner;

  private InProcessAgent(String agentName, Properties properties, Path file, Relocation.Result relocated,
      List<FlumeConfigurationError> errors, AgentRunner runner) {
    this.agentName = agentName;
    this.properties = properties;
    this.propertiesFile = file;
    this.relocated = relocated;
    this.errors = errors;
    this.runner = runner;
    this.removed = new TreeSet<>();
    runner.agents().values().forEach(a -> removed.addAll(a.removed()));
  }

  /** A builder for the agent {@code agentName} of a properties file. */
  public static Builder fromFile(Path propertiesFile, String agentName) {
    return new Builder(agentName, AgentFile.readUnchecked(propertiesFile).properties(), propertiesFile.toString());
  }

  /** A builder for the agent {@code agentName} of in-memory properties (full keys, {@code a1.sources = ...}). */
  public static Builder fromProperties(Properties properties, String agentName) {
    Properties copy = new Properties();
    copy.putAll(properties);
    return new Builder(agentName, copy, "properties");
  }

  /** A free TCP port on the loopback interface (free when asked; good enough for tests). */
  public static int freePort() {
    return Relocation.freePort();
  }

  /** Every configuration error and warning Flume reported for the effective properties. */
  public List<FlumeConfigurationError> configurationErrors() {
    return errors;
  }

  /** Only the errors (not the warnings), described as text for assertion messages. */
  public List<String> configurationErrorsOnly() {
    List<String> out = new ArrayList<>();
    for (FlumeConfigurationError e : errors) {
      if (e.getErrorOrWarning() == FlumeConfigurationError.ErrorOrWarning.ERROR) {
        out.add(describe(e));
      }
    }
    return out;
  }

  /** Configured components Flume left out of the running agents ({@code "source r1"}, ...). */
  public Set<String> removedComponents() {
    return removed;
  }

  /** The port a source of the first agent listens on after relocation. */
  public int port(String sourceName) {
    return port(agentName, sourceName);
  }

  /** The port a source of an agent listens on after relocation. */
  public int port(String agent, String sourceName) {
    String v = properties.getProperty(agent + ".sources." + sourceName + ".port");
    if (v == null || !v.trim().matches("\\d{1,5}")) {
      throw new IllegalArgumentException("source " + sourceName + " of agent " + agent + " has no port; ports: "
          + relocated.ports());
    }
    return Integer.parseInt(v.trim());
  }

  /** An effective property, by key relative to the first agent ({@code channels.c1.checkpointDir}). */
  public String property(String relativeKey) {
    return properties.getProperty(agentName + "." + relativeKey);
  }

  /** The effective properties file the agents were built from. */
  public Path propertiesFile() {
    return propertiesFile;
  }

  /** What the relocation changed. */
  public Relocation.Result relocation() {
    return relocated;
  }

  /** The first agent's materialized configuration. */
  public MaterializedConfiguration configuration() {
    return runner.agent(agentName).configuration();
  }

  /** POSTs a body to an HTTP source of the first agent on 127.0.0.1 and returns the response. */
  public HttpResponse<String> post(String sourceName, String body, String contentType) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(sourceName) + "/"))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
    try {
      return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** One counter of a component ({@link AgentRunner#counter}). */
  public static long counter(String kind, String name, String attribute) {
    return AgentRunner.counter(kind, name, attribute);
  }

  /** Whether a component's counter MBean is registered (a component whose start failed may have none yet). */
  public static boolean registered(String kind, String name) {
    return AgentRunner.registered(kind, name);
  }

  /** Every attribute of a component's counter MBean. */
  public static Map<String, Object> counters(String kind, String name) {
    return AgentRunner.counters(kind, name);
  }

  private static String describe(FlumeConfigurationError e) {
    return e.getErrorOrWarning() + " " + e.getErrorType() + " component=" + e.getComponentName() + " key=" + e.getKey();
  }

  /** Stops every agent; waits until Flume has stopped them. */
  @Override
  public void close() {
    runner.close();
  }

  /** Builds an {@link InProcessAgent}. */
  public static final class Builder {
    private final String agentName;
    private final List<String> others = new ArrayList<>();
    private final Properties properties;
    private final String source;
    private final Map<String, String> overrides = new LinkedHashMap<>();
    private Path workDir;
    private boolean relocate = true;
    private boolean lenient;
    private boolean awaitStarted = true;
    private Relocation.HBaseTarget hbase;
    private Path filesBase;

    private Builder(String agentName, Properties properties, String source) {
      this.agentName = agentName;
      this.properties = properties;
      this.source = source;
    }

    /** Sets a property by key relative to the first agent ({@code sources.r1.port}); wins over everything else. */
    public Builder override(String relativeKey, String value) {
      overrides.put(agentName + "." + relativeKey, value);
      return this;
    }

    /** Sets a property by full key ({@code n1.sinks.files.type}); wins over everything else. */
    public Builder overrideKey(String key, String value) {
      overrides.put(key, value);
      return this;
    }

    /** Starts these agents of the same file too, relocated together (they are started before the first agent). */
    public Builder alsoAgents(String... agents) {
      others.addAll(List.of(agents));
      return this;
    }

    /** Points every HBase-reading or -writing Eventstate component at this table and ZooKeeper. */
    public Builder hbase(String table, String quorum, int clientPort) {
      this.hbase = new Relocation.HBaseTarget(table, quorum, clientPort, null);
      return this;
    }

    /** Resolves relative interceptor {@code file} keys (lookup files) against this directory. */
    public Builder resolveFilesAgainst(Path base) {
      this.filesBase = base;
      return this;
    }

    /** Where relocated directories and the effective properties file go (e.g. a JUnit {@code @TempDir}). Required. */
    public Builder workDir(Path dir) {
      this.workDir = dir;
      return this;
    }

    /** Keeps directories and ports exactly as configured. */
    public Builder keepPathsAndPorts() {
      this.relocate = false;
      return this;
    }

    /** Starts even with configuration errors or removed components, for tests that assert on them. */
    public Builder lenient() {
      this.lenient = true;
      return this;
    }

    /**
     * Does not wait for every component to report started (sources with a port are still awaited): for tests of a
     * component whose {@code start()} is meant to fail, which Flume's supervisor then retries.
     */
    public Builder dontAwaitStarted() {
      this.awaitStarted = false;
      return this;
    }

    /** Writes the effective properties, boots the agents and waits until every component is started. */
    public InProcessAgent start() {
      if (workDir == null) {
        throw new IllegalStateException("workDir(...) is required: relocated directories and the effective properties go there");
      }
      List<String> agents = new ArrayList<>(others);
      agents.add(agentName);
      AgentFile file = AgentFile.of(properties, source);
      Relocation.Result relocated;
      if (relocate) {
        Relocation.Builder r = Relocation.into(workDir);
        if (hbase != null) {
          r.hbase(hbase);
        }
        if (filesBase != null) {
          r.resolveFilesAgainst(filesBase);
        }
        relocated = r.build().apply(file, agents);
      } else {
        relocated = Relocation.into(workDir).keepPorts().build().apply(AgentFile.of(new Properties(), source), List.of());
      }
      Properties effective = relocate ? relocated.properties() : file.properties();
      effective.putAll(overrides);
      Map<String, Map<String, Integer>> ports = new TreeMap<>();
      for (String a : agents) {
        for (String s : AgentFile.of(effective, source).components(a, "sources")) {
          String port = effective.getProperty(a + ".sources." + s + ".port");
          if (port != null && port.trim().matches("\\d{1,5}")) {
            ports.computeIfAbsent(a, x -> new TreeMap<>()).put(s, Integer.parseInt(port.trim()));
          }
        }
      }
      Map<String, String> map = new TreeMap<>();
      effective.stringPropertyNames().forEach(k -> map.put(k, effective.getProperty(k)));
      List<FlumeConfigurationError> errors = List.copyOf(new FlumeConfiguration(map).getConfigurationErrors());
      List<String> fatal = new ArrayList<>();
      for (FlumeConfigurationError e : errors) {
        if (e.getErrorOrWarning() == FlumeConfigurationError.ErrorOrWarning.ERROR
            && (e.getComponentName() == null || agents.contains(e.getComponentName())
            || agents.stream().anyMatch(a -> belongs(effective, a, e.getComponentName())))) {
          String kind = agents.stream().map(a -> kindOf(effective, a, e.getComponentName())).filter(k -> k != null)
              .findFirst().orElse(null);
          fatal.add(describe(e) + (kind == null ? "" : " (" + kind + " " + e.getComponentName() + ")"));
        }
      }
      if (!lenient && !fatal.isEmpty()) {
        throw new IllegalStateException("agent " + agents + " from " + source + " is misconfigured: errors " + fatal);
      }
      try {
        Files.createDirectories(workDir);
        Path out = Files.createTempFile(workDir, agentName + "-", ".properties");
        AgentRunner runner = AgentRunner.start(effective, out, agents,
            ports, new AgentRunner.Options(60_000, awaitStarted, lenient));
        return new InProcessAgent(agentName, effective, out, relocated, errors, runner);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static boolean belongs(Properties p, String agent, String component) {
      return kindOf(p, agent, component) != null;
    }

    /** {@code source}, {@code channel}, {@code sink} or {@code sinkgroup}, or null when not the agent's. */
    private static String kindOf(Properties p, String agent, String component) {
      for (String kind : AgentFile.KINDS) {
        String v = p.getProperty(agent + "." + kind);
        if (v != null && List.of(v.trim().split("\\s+")).contains(component)) {
          return kind.substring(0, kind.length() - 1);
        }
      }
      return null;
    }
  }
}
