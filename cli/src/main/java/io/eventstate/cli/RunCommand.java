package io.eventstate.cli;

import io.eventstate.cli.AgentRun.Feed;
import io.eventstate.core.rowkey.TableSchema;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code ./eventstate run --conf AGENT.properties --source NAME [options] EVENTS_FILE...}: the demo with your own
 * agent, machine definitions and events. Runs the agent in this process exactly as {@code demo} runs the example
 * agent (same code path, {@link AgentRun}), feeds every events file to one of its sources, waits until everything
 * is drained and prints the same summary.
 *
 * <table>
 *   <caption>Options</caption>
 *   <tr><th>Option</th><th>Default</th><th>Meaning</th></tr>
 *   <tr><td>{@code --conf FILE}</td><td>(required)</td><td>the Flume agent properties file; it needs a sink of
 *       type {@code io.eventstate.flume.sink.EventSink}, which is pointed at the embedded HBase (or the cluster
 *       below) and at {@code --table}</td></tr>
 *   <tr><td>{@code --agent NAME[,NAME...]}</td><td>every agent of the file</td><td>the agents to run together
 *       (e.g. a sender and the agent receiving its notifications)</td></tr>
 *   <tr><td>{@code --source NAME}</td><td>the only HTTP or spooling-directory source</td><td>where the events go: an {@code http}
 *       source gets one POST per non-blank line ({@code --whole}: the whole file in one POST, e.g. NDJSON or a
 *       JSON array); a {@code spooldir} source gets each file moved whole into its spooling directory</td></tr>
 *   <tr><td>{@code --machines DIR}</td><td>{@code conf/machines}</td><td>machine and session definitions; the
 *       table is created with them (an existing table keeps its own: use another {@code --table})</td></tr>
 *   <tr><td>{@code --table NAME}</td><td>{@code eventstate}</td><td>the HBase table</td></tr>
 *   <tr><td>{@code --hbase-site FILE} | {@code --zk host:port}</td><td>embedded HBase in
 *       {@code .eventstate/hbase}</td><td>a real cluster instead; its table must exist
 *       ({@code ./eventstate ddl})</td></tr>
 *   <tr><td>{@code --whole}</td><td>off</td><td>HTTP: one request per file instead of one per line</td></tr>
 *   <tr><td>{@code --timeout SECONDS}</td><td>300</td><td>how long to wait for the agents to drain</td></tr>
 * </table>
 *
 * <p>The agents are rewritten for this machine (free ports that the sinks sending to them follow, channel, spooling and
 * sink directories in {@code .eventstate/run/<table>/<file>-<hash>/}, every HBase-reading component pointed at the
 * table) and written to {@code agent.properties} there. Example:
 * <pre>
 * ./eventstate run --conf my-agent.properties --machines my-machines --source web events.jsonl
 * </pre>
 */
final class RunCommand {

  static final String USAGE = "run --conf AGENT.properties [--agent NAME[,NAME...]] [--source NAME] [--machines DIR] "
      + "[--table NAME] [--hbase-site FILE | --zk host:port] [--whole] [--timeout SECONDS] EVENTS_FILE...";

  private RunCommand() {
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    Options o = Options.parse(args, Set.of("conf", "agent", "source", "machines", "table", "hbase-site", "zk",
        "timeout"),
        Set.of("whole"));
    if (o.get("conf") == null) {
      throw new CliException("--conf AGENT.properties is required; usage: ./eventstate " + USAGE);
    }
    if (o.positional().isEmpty()) {
      throw new CliException("no events file given; usage: ./eventstate " + USAGE);
    }
    if (o.get("hbase-site") != null && o.get("zk") != null) {
      throw new CliException("give either --hbase-site or --zk, not both");
    }
    Path agentFile = Path.of(o.get("conf")).toAbsolutePath().normalize();
    if (!Files.isRegularFile(agentFile)) {
      throw new CliException("agent properties file not found: " + agentFile);
    }
    List<Path> files = new ArrayList<>();
    for (String f : o.positional()) {
      Path p = Path.of(f).toAbsolutePath().normalize();
      if (!Files.isRegularFile(p)) {
        throw new CliException("events file not found: " + p);
      }
      files.add(p);
    }
    Path machines = o.get("machines") != null ? Path.of(o.get("machines")).toAbsolutePath().normalize()
        : Home.conf(null).resolve("machines");
    TableSchema schema;
    try {
      schema = new TableSchema(o.get("table", TableSchema.DEFAULT_TABLE), 4);
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
    List<String> agents = o.get("agent") == null ? List.of()
        : Arrays.stream(o.get("agent").split(",")).map(String::trim).filter(a -> !a.isEmpty()).toList();
    boolean whole = o.has("whole");
    Duration timeout = Duration.ofSeconds(300);
    if (o.get("timeout") != null) {
      try {
        timeout = Duration.ofSeconds(Long.parseLong(o.get("timeout").trim()));
      } catch (NumberFormatException e) {
        throw new CliException("--timeout " + o.get("timeout") + " is not a number of seconds; e.g. --timeout 600");
      }
    }
    final List<String> named;
    if (agents.isEmpty()) {
      List<String> all;
      try {
        all = List.copyOf(io.eventstate.flume.agent.AgentFile.read(agentFile).agents());
      } catch (IOException e) {
        all = List.of();
      }
      named = all;
    } else {
      named = agents;
    }
    String what = named.size() == 1 ? "agent " + named.get(0) + " of " + agentFile + " has"
        : "agents " + named + " of " + agentFile + " have";
    AgentRun.execute(new AgentRun.Plan("run", agentFile, agents, machines, schema, o.get("hbase-site"), o.get("zk"),
        Home.state().resolve("run"), timeout, types -> feeds(agentFile, what, named, types, o.get("source"), files,
        whole)),
        out, err);
    return 0;
  }

  private static List<Feed> feeds(Path agentFile, String agent, List<String> agents, Map<String, String> types,
      String source, List<Path> files, boolean whole) {
    if (source == null) {
      List<String> feedable = types.entrySet().stream().filter(e -> e.getValue().equals("http")
          || e.getValue().equals("spooldir")).map(Map.Entry::getKey).toList();
      if (feedable.size() == 1) {
        source = feedable.get(0);
      } else if (types.size() == 1) {
        source = types.keySet().iterator().next();
      } else {
        throw new CliException(agent + " " + feedable.size() + " HTTP or spooling-directory sources " + feedable
            + "; name one with --source NAME");
      }
    }
    String type = types.get(source);
    if (type == null) {
      throw new CliException("unknown source '" + source + "': " + agent + " " + types.keySet()
          + "; pass one of them with --source NAME");
    }
    List<Feed> feeds = new ArrayList<>();
    if (type.equals("spooldir")) {
      for (Path f : files) {
        feeds.add(new Feed(source, null, f));
      }
    } else if (type.equals("http") || type.equals("org.apache.flume.source.http.HTTPSource")) {
      for (Path f : files) {
        try {
          if (whole) {
            feeds.add(new Feed(source, Files.readAllBytes(f), null));
          } else {
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
              if (!line.isBlank()) {
                feeds.add(new Feed(source, line.getBytes(StandardCharsets.UTF_8), null));
              }
            }
          }
        } catch (IOException e) {
          throw new CliException("cannot read events file " + f + ": " + e.getMessage());
        }
      }
    } else {
      throw new CliException("source '" + source + "' of " + agentFile + " has type '" + type
          + "'; run feeds http and spooldir sources: set " + (source.contains(".") ? source.replaceFirst("\\.",
          ".sources.") : (agents.size() == 1 ? agents.get(0) : "AGENT") + ".sources." + source) + ".type to one of them");
    }
    if (feeds.isEmpty()) {
      throw new CliException("the events files " + files + " hold no events");
    }
    return feeds;
  }
}
