package io.eventstate.flume.agent;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
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

import org.apache.flume.lifecycle.LifecycleAware;
import org.apache.flume.lifecycle.LifecycleState;
import org.apache.flume.node.Application;
import org.apache.flume.node.MaterializedConfiguration;
import org.apache.flume.node.PropertiesFileConfigurationProvider;

/**
 * Real Flume agents in this JVM, built from one effective properties file exactly as {@code flume-ng agent} builds
 * them ({@link PropertiesFileConfigurationProvider} + {@link Application}), one {@link Application} per agent.
 * Shared by {@code ./eventstate run}/{@code demo} and the agent tests of every module: relocate first
 * ({@link Relocation}), check ({@link FlumeCheck}), then {@link #start}.
 */
public final class AgentRunner implements AutoCloseable {

  /** One started agent. */
  public record Started(String name, MaterializedConfiguration configuration, Set<String> removed,
      Application application) {
  }

  private final Map<String, Started> agents;

  private AgentRunner(Map<String, Started> agents) {
    this.agents = agents;
  }

  /** How to start. */
  public record Options(long startTimeoutMs, boolean awaitStarted, boolean allowRemoved) {
    public static Options defaults() {
      return new Options(60_000, true, false);
    }
  }

  /**
   * Starts the agents in order (receivers first is the caller's choice) from the effective properties, written to
   * {@code effectiveFile}; waits until every component reports started (unless told not to) and every source in
   * {@code ports} listens. Stops what it started when anything fails.
   *
   * @throws IllegalStateException when Flume removed a configured component (unless allowed), or a start timed out
   */
  public static AgentRunner start(Properties effective, Path effectiveFile, List<String> agentNames,
      Map<String, Map<String, Integer>> ports, Options options) {
    write(effective, effectiveFile, "effective configuration");
    Map<String, Started> started = new LinkedHashMap<>();
    try {
      for (String a : agentNames) {
        MaterializedConfiguration mc;
        try {
          mc = new PropertiesFileConfigurationProvider(a, effectiveFile.toFile()).getConfiguration();
        } catch (RuntimeException e) {
          throw new IllegalStateException("agent " + a + " of " + effectiveFile + " cannot be built by Flume: "
              + e.getMessage(), e);
        }
        Set<String> removed = removed(effective, a, mc);
        if (!removed.isEmpty() && !options.allowRemoved()) {
          throw new IllegalStateException("agent " + a + " of " + effectiveFile + ": Flume removed " + removed
              + " during configuration (" + FlumeCheck.check(effective, effectiveFile.resolveSibling(
                  effectiveFile.getFileName() + ".check"), a) + ")");
        }
        Application app = new Application();
        app.handleConfigurationEvent(mc);
        app.start();
        started.put(a, new Started(a, mc, removed, app));
      }
      long deadline = System.nanoTime() + options.startTimeoutMs() * 1_000_000L;
      for (Started s : started.values()) {
        while (options.awaitStarted() && !allStarted(s.configuration())) {
          waitUntil(deadline, "agent " + s.name() + " to start every component");
        }
        for (Map.Entry<String, Integer> p : ports.getOrDefault(s.name(), Map.of()).entrySet()) {
          if (!s.configuration().getSourceRunners().containsKey(p.getKey())) {
            continue; // removed by Flume (allowed): nothing will listen
          }
          while (!listening(p.getValue())) {
            waitUntil(deadline, "source " + p.getKey() + " of agent " + s.name() + " to listen on " + p.getValue());
          }
        }
      }
      return new AgentRunner(started);
    } catch (RuntimeException e) {
      new AgentRunner(started).close();
      throw e;
    }
  }

  private static void waitUntil(long deadline, String what) {
    if (System.nanoTime() > deadline) {
      throw new IllegalStateException("timed out waiting for " + what);
    }
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + what, e);
    }
  }

  /** Writes properties in the stream form (every non-ASCII character escaped, so any reader gets the same text). */
  static void write(Properties p, Path file, String comment) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      try (OutputStream out = Files.newOutputStream(file)) {
        p.store(out, comment);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static Set<String> removed(Properties p, String agent, MaterializedConfiguration mc) {
    Set<String> removed = new TreeSet<>();
    Set<String> grouped = new TreeSet<>();
    for (String g : AgentFile.list(p, agent + ".sinkgroups")) {
      grouped.addAll(AgentFile.list(p, agent + ".sinkgroups." + g + ".sinks"));
      if (!mc.getSinkRunners().containsKey(g)) {
        removed.add("sink group " + g);
      }
    }
    for (String s : AgentFile.list(p, agent + ".sources")) {
      if (!mc.getSourceRunners().containsKey(s)) {
        removed.add("source " + s);
      }
    }
    for (String c : AgentFile.list(p, agent + ".channels")) {
      if (!mc.getChannels().containsKey(c)) {
        removed.add("channel " + c);
      }
    }
    for (String k : AgentFile.list(p, agent + ".sinks")) {
      if (!grouped.contains(k) && !mc.getSinkRunners().containsKey(k)) {
        removed.add("sink " + k);
      }
    }
    return removed;
  }

  private static boolean allStarted(MaterializedConfiguration mc) {
    List<LifecycleAware> all = new ArrayList<>();
    all.addAll(mc.getChannels().values());
    all.addAll(mc.getSinkRunners().values());
    all.addAll(mc.getSourceRunners().values());
    for (LifecycleAware c : all) {
      if (c.getLifecycleState() != LifecycleState.START) {
        return false;
      }
    }
    return true;
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The started agents by name, in start order. */
  public Map<String, Started> agents() {
    return agents;
  }

  /** One started agent. */
  public Started agent(String name) {
    Started s = agents.get(name);
    if (s == null) {
      throw new IllegalArgumentException("agent " + name + " was not started; started: " + agents.keySet());
    }
    return s;
  }

  /**
   * One counter of a component, read from JMX object {@code org.apache.flume.<kind>:type=<name>}, as an operator
   * would.
   *
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

  /** A counter, or {@code fallback} when the component has no such MBean or attribute (yet). */
  public static long counterOr(String kind, String name, String attribute, long fallback) {
    try {
      return counter(kind, name, attribute);
    } catch (IllegalStateException e) {
      return fallback;
    }
  }

  /** Whether a component's counter MBean is registered. */
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

  /** Stops every agent, the last started first; waits until Flume has stopped them. */
  @Override
  public void close() {
    List<Started> reverse = new ArrayList<>(agents.values());
    java.util.Collections.reverse(reverse);
    RuntimeException first = null;
    for (Started s : reverse) {
      try {
        s.application().stop();
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
