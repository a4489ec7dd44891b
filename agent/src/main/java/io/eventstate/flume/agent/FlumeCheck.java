package io.eventstate.flume.agent;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.flume.conf.FlumeConfiguration;
import org.apache.flume.conf.FlumeConfigurationError;
import org.apache.flume.node.MaterializedConfiguration;
import org.apache.flume.node.PropertiesFileConfigurationProvider;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Checks an agent the way Flume will when it starts it: first {@link FlumeConfiguration}'s validation (unknown
 * channels, missing types, ...), then Flume builds the agent ({@code PropertiesFileConfigurationProvider}: every
 * channel, source with its selector and interceptors, sink and sink group configured, and source/sink batch sizes
 * checked against the channels' transaction capacities) without starting anything. Flume removes a component that
 * fails and says why only in its log; the check reads those log lines (Log4j 2) on the calling thread and returns
 * them with the component, the key to change where Flume's message allows to say it, and Flume's own reason.
 */
public final class FlumeCheck {

  private static final String PROVIDER_LOGGER = "org.apache.flume.node";
  private static final Pattern REMOVED = Pattern.compile("(Source|Sink|SinkGroup|Channel) (\\S+) has been removed");
  private static final Pattern SOURCE_BATCH = Pattern.compile(
      "source's batch size is greater than the channels transaction capacity\\. Source: (\\S+), batch size = (\\d+),"
          + " channel (\\S+), transaction capacity = (\\d+)");
  private static final Pattern SINK_BATCH = Pattern.compile(
      "sink's batch size is greater than the channels transaction capacity\\. Sink: (\\S+), batch size = (\\d+),"
          + " channel (\\S+), transaction capacity = (\\d+)");

  /**
   * One problem Flume has with an agent.
   *
   * @param component {@code source http}, {@code channel events}, ... ({@code agent a1} for the whole agent)
   * @param key       the full key to change, or null when Flume's message does not say
   * @param reason    Flume's reason, its own words
   */
  public record Problem(String agent, String component, String key, String reason) {
    @Override
    public String toString() {
      return "agent " + agent + ", " + component + (key == null ? "" : ", key " + key) + ": " + reason;
    }
  }

  private FlumeCheck() {
  }

  /**
   * Flume's problems with one agent of the effective properties. The properties are written to
   * {@code effectiveFile} first, since Flume reads its configuration from a file.
   */
  public static List<Problem> check(Properties effective, Path effectiveFile, String agent) {
    List<Problem> problems = new ArrayList<>();
    Map<String, String> map = new TreeMap<>();
    effective.stringPropertyNames().forEach(k -> map.put(k, effective.getProperty(k)));
    FlumeConfiguration fc = new FlumeConfiguration(map);
    for (FlumeConfigurationError e : fc.getConfigurationErrors()) {
      if (e.getErrorOrWarning() == FlumeConfigurationError.ErrorOrWarning.ERROR
          && (e.getComponentName() == null || e.getComponentName().equals(agent)
          || componentOf(effective, agent, e.getComponentName()) != null)) {
        String comp = e.getComponentName() == null || e.getComponentName().equals(agent) ? "agent " + agent
            : componentOf(effective, agent, e.getComponentName()) + " " + e.getComponentName();
        String key = e.getKey() == null || e.getKey().isEmpty() ? null : e.getKey();
        problems.add(new Problem(agent, comp, key, e.getErrorType().getError()));
      }
    }
    if (fc.getConfigurationFor(agent) == null) {
      if (problems.isEmpty()) {
        problems.add(new Problem(agent, "agent " + agent, agent + ".sources",
            "Flume finds no valid configuration for this agent (it needs sources, channels and sinks)"));
      }
      return problems;
    }
    Properties copy = new Properties();
    copy.putAll(effective);
    AgentRunner.write(copy, effectiveFile, "checked by Flume");
    List<LogEvent> logged = new ArrayList<>();
    MaterializedConfiguration mc = captured(logged,
        () -> new PropertiesFileConfigurationProvider(agent, effectiveFile.toFile()).getConfiguration());
    for (LogEvent e : logged) {
      String message = e.getMessage().getFormattedMessage();
      Matcher m = REMOVED.matcher(message);
      String reason = rootMessage(e.getThrown());
      if (m.find()) {
        String kind = m.group(1).equals("SinkGroup") ? "sink group" : m.group(1).toLowerCase(java.util.Locale.ROOT);
        problems.add(new Problem(agent, kind + " " + m.group(2), keyFor(agent, kind, m.group(2), reason),
            reason == null ? message : reason));
      } else if (e.getLevel().isMoreSpecificThan(Level.ERROR)) {
        problems.add(new Problem(agent, "agent " + agent, null, message + (reason == null ? "" : ": " + reason)));
      }
    }
    if (problems.isEmpty()) {
      for (String kind : List.of("sources", "channels", "sinks")) {
        for (String c : AgentFile.list(effective, agent + "." + kind)) {
          boolean present = switch (kind) {
            case "sources" -> mc.getSourceRunners().containsKey(c);
            case "channels" -> mc.getChannels().containsKey(c);
            default -> mc.getSinkRunners().containsKey(c) || inGroup(effective, agent, c);
          };
          if (!present) {
            problems.add(new Problem(agent, kind.substring(0, kind.length() - 1) + " " + c, null,
                "Flume left it out of the agent (not connected, or its configuration failed)"));
          }
        }
      }
    }
    return problems;
  }

  private static boolean inGroup(Properties p, String agent, String sink) {
    for (String g : AgentFile.list(p, agent + ".sinkgroups")) {
      if (AgentFile.list(p, agent + ".sinkgroups." + g + ".sinks").contains(sink)) {
        return true;
      }
    }
    return false;
  }

  private static String componentOf(Properties p, String agent, String name) {
    for (String kind : AgentFile.KINDS) {
      if (AgentFile.list(p, agent + "." + kind).contains(name)) {
        return kind.equals("sinkgroups") ? "sink group" : kind.substring(0, kind.length() - 1);
      }
    }
    return null;
  }

  /** The key to change, for the messages whose cause Flume names. */
  private static String keyFor(String agent, String kind, String name, String reason) {
    if (reason == null) {
      return null;
    }
    Matcher m = SOURCE_BATCH.matcher(reason);
    if (m.find()) {
      return agent + ".sources." + m.group(1) + ".batchSize (or " + agent + ".channels." + m.group(3)
          + ".transactionCapacity)";
    }
    m = SINK_BATCH.matcher(reason);
    if (m.find()) {
      return agent + ".sinks." + m.group(1) + ".batchSize (or " + agent + ".channels." + m.group(3)
          + ".transactionCapacity)";
    }
    if (kind.equals("source") && reason.toLowerCase(java.util.Locale.ROOT).contains("selector")) {
      return agent + ".sources." + name + ".selector.*";
    }
    if (kind.equals("source") && reason.contains("interceptor")) {
      return agent + ".sources." + name + ".interceptors.*";
    }
    return null;
  }

  private static String rootMessage(Throwable t) {
    if (t == null) {
      return null;
    }
    String last = null;
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c.getMessage() != null && !c.getMessage().isBlank()) {
        last = c.getMessage().lines().findFirst().orElse(c.getMessage());
        if (c.getCause() == null || c.getCause().getMessage() == null || last.contains(c.getCause().getMessage())) {
          break;
        }
      }
    }
    return last == null ? t.getClass().getName() : last;
  }

  /** Runs {@code body} while WARN and above of Flume's configuration provider, logged on this thread, are kept. */
  static <T> T captured(List<LogEvent> into, java.util.function.Supplier<T> body) {
    if (!(LogManager.getContext(false) instanceof LoggerContext ctx)) {
      return body.get(); // another logging back end: Flume's reasons stay in its log
    }
    Thread me = Thread.currentThread();
    AbstractAppender appender = new AbstractAppender("eventstate-flume-check-" + me.getId(), null, null, true,
        Property.EMPTY_ARRAY) {
      @Override
      public void append(LogEvent event) {
        if (Thread.currentThread() == me && event.getLevel().isMoreSpecificThan(Level.WARN)) {
          synchronized (into) {
            into.add(event.toImmutable());
          }
        }
      }
    };
    appender.start();
    Configuration config = ctx.getConfiguration();
    LoggerConfig existing = config.getLoggers().get(PROVIDER_LOGGER);
    LoggerConfig target = existing;
    if (existing == null) {
      target = new LoggerConfig(PROVIDER_LOGGER, Level.WARN, true);
      target.setParent(config.getRootLogger());
      config.addLogger(PROVIDER_LOGGER, target);
    }
    target.addAppender(appender, Level.WARN, null);
    ctx.updateLoggers();
    try {
      return body.get();
    } finally {
      target.removeAppender(appender.getName());
      if (existing == null) {
        config.removeLogger(PROVIDER_LOGGER);
      }
      ctx.updateLoggers();
      appender.stop();
    }
  }
}
