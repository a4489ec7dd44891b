package io.eventstate.flume.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import javax.management.Attribute;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.apache.flume.conf.FlumeConfiguration;
import org.apache.flume.conf.FlumeConfigurationError;
import org.apache.flume.lifecycle.LifecycleAware;
import org.apache.flume.lifecycle.LifecycleState;
import org.apache.flume.node.Application;
import org.apache.flume.node.MaterializedConfiguration;
import org.apache.flume.node.PropertiesFileConfigurationProvider;

/**
 * A real Flume agent in the test JVM, built from a properties file or a {@link Properties} object exactly as
 * {@code flume-ng agent} builds it ({@link PropertiesFileConfigurationProvider} + {@link Application}).
 *
 * <p>Before starting, the builder (by default) moves everything that touches the machine into a work
 * directory and onto free ports, so a test can boot the shipped {@code conf/flume/*.properties} unchanged:
 * <ul>
 *   <li>file channels: {@code checkpointDir}, {@code dataDirs} (and {@code backupCheckpointDir}) →
 *       {@code <work>/channel-<name>/...};</li>
 *   <li>spooling-directory sources: {@code spoolDir} → {@code <work>/source-<name>/spool} (created);
 *       TAILDIR sources: {@code positionFile};</li>
 *   <li>{@code file_roll} sinks: {@code sink.directory} → {@code <work>/sink-<name>} (created);</li>
 *   <li>HDFS sinks: {@code hdfs.path} → {@code file:<work>/sink-<name>} followed by the path of the original
 *       (scheme and authority dropped, escapes kept);</li>
 *   <li>HTTP sources: {@code port} → a free port (see {@link #port(String)}), {@code bind} → 127.0.0.1 unless set.</li>
 * </ul>
 * Explicit {@link Builder#override(String, String)} values win over both the file and the relocation.
 *
 * <p>{@link Builder#start()} fails when Flume reports a configuration ERROR, or when Flume silently removed a
 * configured source, channel or sink because its {@code configure()} threw (for instance an interceptor's
 * validation) — unless {@link Builder#lenient()} is set, in which case {@link #configurationErrors()} and
 * {@link #removedComponents()} say what happened. It waits (Awaitility) until every component is started.
 *
 * <p>Counters are read through the platform MBean server, as an operator would:
 * {@link #counter(String, String, String)}, e.g. {@code counter("interceptor", "tagging", "events.in")},
 * {@code counter("channel", "valid", "EventPutSuccessCount")}.
 *
 * <p>Other modules use it through the interceptors test-jar
 * ({@code <artifactId>eventstate-interceptors</artifactId><type>test-jar</type><scope>test</scope>}); they
 * must declare {@code flume-ng-node}, {@code flume-ng-core} and {@code awaitility} (test scope) themselves.
 */
public final class InProcessAgent implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final String agentName;
  private final Properties properties;
  private final Path propertiesFile;
  private final Map<String, Integer> ports;
  private final List<FlumeConfigurationError> errors;
  private final Set<String> removed;
  private final MaterializedConfiguration materialized;
  private final Application application;

  private InProcessAgent(Builder b, Properties properties, Path file, Map<String, Integer> ports) {
    this.agentName = b.agentName;
    this.properties = properties;
    this.propertiesFile = file;
    this.ports = ports;
    Map<String, String> map = new TreeMap<>();
    for (String k : properties.stringPropertyNames()) {
      map.put(k, properties.getProperty(k));
    }
    this.errors = List.copyOf(new FlumeConfiguration(map).getConfigurationErrors());
    try {
      this.materialized = new PropertiesFileConfigurationProvider(agentName, file.toFile()).getConfiguration();
    } catch (RuntimeException e) {
      throw new IllegalStateException("agent " + agentName + " from " + b.source + " cannot be built by Flume: "
          + e.getMessage() + "; Flume's configuration errors: " + errors, e);
    }
    this.removed = new TreeSet<>();
    for (String s : list("sources")) {
      if (!materialized.getSourceRunners().containsKey(s)) {
        removed.add("source " + s);
      }
    }
    for (String c : list("channels")) {
      if (!materialized.getChannels().containsKey(c)) {
        removed.add("channel " + c);
      }
    }
    for (String k : list("sinks")) {
      if (!materialized.getSinkRunners().containsKey(k)) {
        removed.add("sink " + k);
      }
    }
    List<String> fatal = new ArrayList<>();
    for (FlumeConfigurationError e : errors) {
      if (e.getErrorOrWarning() == FlumeConfigurationError.ErrorOrWarning.ERROR) {
        fatal.add(describe(e));
      }
    }
    if (!b.lenient && (!fatal.isEmpty() || !removed.isEmpty())) {
      throw new IllegalStateException("agent " + agentName + " from " + b.source + " is misconfigured: errors " + fatal
          + ", removed by Flume during configuration (its log says why) " + removed);
    }
    this.application = new Application();
    application.handleConfigurationEvent(materialized);
    application.start();
    try {
      if (b.awaitStarted) {
        await("agent " + agentName + " started").atMost(START_TIMEOUT).until(this::allStarted);
      }
      for (Map.Entry<String, Integer> p : ports.entrySet()) {
        if (!materialized.getSourceRunners().containsKey(p.getKey())) {
          continue; // removed by Flume (lenient start): nothing will listen
        }
        await("HTTP source " + p.getKey() + " listening on " + p.getValue()).atMost(START_TIMEOUT)
            .ignoreExceptions().until(() -> {
              try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), p.getValue())) {
                return true;
              }
            });
      }
    } catch (RuntimeException e) {
      application.stop();
      throw e;
    }
  }

  /** A builder for the agent {@code agentName} of a properties file. */
  public static Builder fromFile(Path propertiesFile, String agentName) {
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(propertiesFile)) {
      p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + propertiesFile, e);
    }
    return new Builder(agentName, p, propertiesFile.toString());
  }

  /** A builder for the agent {@code agentName} of in-memory properties (full keys, {@code a1.sources = ...}). */
  public static Builder fromProperties(Properties properties, String agentName) {
    Properties copy = new Properties();
    copy.putAll(properties);
    return new Builder(agentName, copy, "properties");
  }

  /** A free TCP port on the loopback interface (free when asked; good enough for tests). */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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

  /** Configured components Flume left out of the running agent ({@code "source r1"}, ...). */
  public Set<String> removedComponents() {
    return removed;
  }

  /** The port an HTTP source listens on after relocation. */
  public int port(String sourceName) {
    Integer p = ports.get(sourceName);
    if (p == null) {
      throw new IllegalArgumentException("no HTTP source " + sourceName + " was given a port; HTTP sources: " + ports.keySet());
    }
    return p;
  }

  /** An effective property, by key relative to the agent ({@code channels.c1.checkpointDir}). */
  public String property(String relativeKey) {
    return properties.getProperty(agentName + "." + relativeKey);
  }

  /** The effective properties file the agent was built from. */
  public Path propertiesFile() {
    return propertiesFile;
  }

  public MaterializedConfiguration configuration() {
    return materialized;
  }

  /** POSTs a body to an HTTP source on 127.0.0.1 and returns the response. */
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

  /**
   * One counter of a component, read from JMX object {@code org.apache.flume.<kind>:type=<name>}.
   *
   * @param kind {@code source}, {@code channel}, {@code sink}, {@code interceptor}, ...
   * @throws IllegalStateException when the MBean or the attribute does not exist (with what does exist)
   */
  public static long counter(String kind, String name, String attribute) {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    ObjectName object = objectName(kind, name);
    try {
      if (!server.isRegistered(object)) {
        throw new IllegalStateException("no MBean " + object + "; registered Flume MBeans: " + server.queryNames(
            new ObjectName("org.apache.flume.*:*"), null));
      }
      return ((Number) server.getAttribute(object, attribute)).longValue();
    } catch (JMException e) {
      throw new IllegalStateException("cannot read " + object + " " + attribute + "; attributes: "
          + counters(kind, name).keySet(), e);
    }
  }

  /** Whether a component's counter MBean is registered (a component whose start failed may have none yet). */
  public static boolean registered(String kind, String name) {
    return ManagementFactory.getPlatformMBeanServer().isRegistered(objectName(kind, name));
  }

  /** Every attribute of a component's counter MBean. */
  public static Map<String, Object> counters(String kind, String name) {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    ObjectName object = objectName(kind, name);
    try {
      MBeanAttributeInfo[] infos = server.getMBeanInfo(object).getAttributes();
      String[] names = Arrays.stream(infos).map(MBeanAttributeInfo::getName).toArray(String[]::new);
      Map<String, Object> out = new TreeMap<>();
      for (Attribute a : server.getAttributes(object, names).asList()) {
        out.put(a.getName(), a.getValue());
      }
      return out;
    } catch (JMException e) {
      throw new IllegalStateException("cannot read MBean " + object, e);
    }
  }

  private static ObjectName objectName(String kind, String name) {
    try {
      return new ObjectName("org.apache.flume." + kind.toLowerCase(Locale.ROOT) + ":type=" + name);
    } catch (JMException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private boolean allStarted() {
    List<LifecycleAware> all = new ArrayList<>();
    all.addAll(materialized.getChannels().values());
    all.addAll(materialized.getSinkRunners().values());
    all.addAll(materialized.getSourceRunners().values());
    for (LifecycleAware c : all) {
      if (c.getLifecycleState() != LifecycleState.START) {
        return false;
      }
    }
    return true;
  }

  private List<String> list(String kind) {
    String v = properties.getProperty(agentName + "." + kind);
    return v == null || v.isBlank() ? List.of() : Arrays.asList(v.trim().split("\\s+"));
  }

  private static String describe(FlumeConfigurationError e) {
    return e.getErrorOrWarning() + " " + e.getErrorType() + " component=" + e.getComponentName() + " key=" + e.getKey();
  }

  /** Stops every component; waits until Flume has stopped them. */
  @Override
  public void close() {
    application.stop();
  }

  /** Builds an {@link InProcessAgent}. */
  public static final class Builder {
    private final String agentName;
    private final Properties properties;
    private final String source;
    private final Map<String, String> overrides = new LinkedHashMap<>();
    private Path workDir;
    private boolean relocate = true;
    private boolean lenient;
    private boolean awaitStarted = true;

    private Builder(String agentName, Properties properties, String source) {
      this.agentName = agentName;
      this.properties = properties;
      this.source = source;
    }

    /** Sets a property by key relative to the agent ({@code sources.r1.port}); wins over everything else. */
    public Builder override(String relativeKey, String value) {
      overrides.put(agentName + "." + relativeKey, value);
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
     * Does not wait for every component to report started (HTTP sources are still awaited): for tests of a
     * component whose {@code start()} is meant to fail, which Flume's supervisor then retries.
     */
    public Builder dontAwaitStarted() {
      this.awaitStarted = false;
      return this;
    }

    /** Writes the effective properties, boots the agent and waits until every component is started. */
    public InProcessAgent start() {
      if (workDir == null) {
        throw new IllegalStateException("workDir(...) is required: relocated directories and the effective properties go there");
      }
      Properties effective = new Properties();
      effective.putAll(properties);
      Map<String, Integer> ports = new TreeMap<>();
      try {
        if (relocate) {
          relocate(effective, ports);
        }
        effective.putAll(overrides);
        ports.clear();
        for (String s : components(effective, "sources")) {
          String t = type(effective, agentName + ".sources." + s);
          String port = effective.getProperty(agentName + ".sources." + s + ".port");
          if ((t.equals("http") || t.equals("org.apache.flume.source.http.httpsource")) && port != null
              && port.trim().matches("\\d{1,5}")) {
            ports.put(s, Integer.parseInt(port.trim()));
          }
        }
        Files.createDirectories(workDir);
        Path file = Files.createTempFile(workDir, agentName + "-", ".properties");
        try (OutputStream out = Files.newOutputStream(file)) {
          // The stream form escapes every non-ASCII character, so any reader gets the same text.
          effective.store(out, "effective configuration of " + source);
        }
        return new InProcessAgent(this, effective, file, ports);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private void relocate(Properties p, Map<String, Integer> ports) throws IOException {
      String a = agentName + ".";
      for (String c : components(p, "channels")) {
        String type = type(p, a + "channels." + c);
        if (type.equals("file") || type.equals("org.apache.flume.channel.file.filechannel")) {
          Path base = workDir.resolve("channel-" + c);
          p.setProperty(a + "channels." + c + ".checkpointDir", base.resolve("checkpoint").toString());
          p.setProperty(a + "channels." + c + ".dataDirs", base.resolve("data").toString());
          if (p.getProperty(a + "channels." + c + ".backupCheckpointDir") != null
              || "true".equalsIgnoreCase(p.getProperty(a + "channels." + c + ".useDualCheckpoints", "").trim())) {
            p.setProperty(a + "channels." + c + ".backupCheckpointDir", base.resolve("backup").toString());
          }
        }
      }
      for (String s : components(p, "sources")) {
        String prefix = a + "sources." + s;
        String type = type(p, prefix);
        if (type.equals("spooldir") || type.equals("org.apache.flume.source.spooldirectorysource")) {
          Path spool = Files.createDirectories(workDir.resolve("source-" + s).resolve("spool"));
          p.setProperty(prefix + ".spoolDir", spool.toString());
        } else if (type.equals("taildir") || type.equals("org.apache.flume.source.taildir.taildirsource")) {
          Path dir = Files.createDirectories(workDir.resolve("source-" + s));
          p.setProperty(prefix + ".positionFile", dir.resolve("taildir_position.json").toString());
        } else if (type.equals("http") || type.equals("org.apache.flume.source.http.httpsource")) {
          int port = freePort();
          p.setProperty(prefix + ".port", Integer.toString(port));
          if (p.getProperty(prefix + ".bind") == null) {
            p.setProperty(prefix + ".bind", "127.0.0.1");
          }
          ports.put(s, port);
        }
      }
      for (String k : components(p, "sinks")) {
        String prefix = a + "sinks." + k;
        String type = type(p, prefix);
        if (type.equals("file_roll") || type.equals("org.apache.flume.sink.rollingfilesink")) {
          Path dir = Files.createDirectories(workDir.resolve("sink-" + k));
          p.setProperty(prefix + ".sink.directory", dir.toString());
        } else if ((type.equals("hdfs") || type.equals("org.apache.flume.sink.hdfs.hdfseventsink"))
            && p.getProperty(prefix + ".hdfs.path") != null) {
          // hdfs://namenode:8020/eventstate/events/x=%{h}/... -> file:<work>/sink-<name>/eventstate/events/x=%{h}/...
          String path = p.getProperty(prefix + ".hdfs.path").trim().replaceFirst("^[A-Za-z][A-Za-z0-9+.-]*://[^/]*", "");
          Path dir = Files.createDirectories(workDir.resolve("sink-" + k));
          p.setProperty(prefix + ".hdfs.path", dir.toUri().toString().replaceAll("/$", "") + path);
        }
      }
    }

    private List<String> components(Properties p, String kind) {
      String v = p.getProperty(agentName + "." + kind);
      return v == null || v.isBlank() ? List.of() : Arrays.asList(v.trim().split("\\s+"));
    }

    private static String type(Properties p, String prefix) {
      return p.getProperty(prefix + ".type", "").trim().toLowerCase(Locale.ROOT);
    }
  }
}
