package io.eventstate.cli;

import io.eventstate.cli.AgentRun.Feed;
import io.eventstate.core.config.Locations;
import io.eventstate.core.rowkey.TableSchema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * {@code ./eventstate demo [--conf DIR] [--data DIR] [--table NAME]}: the whole pipeline on this machine, i.e.
 * {@code ./eventstate run} ({@link RunCommand}, same code path: {@link AgentRun}) with the bundled agent, machines and
 * samples. Starts the
 * embedded HBase ({@code .eventstate/hbase}, kept between runs) with the table and the state coprocessor, runs the
 * example agent {@code conf/flume/eventstate.properties} in this process (its ports, channel and spool directories
 * moved under {@code .eventstate/}, its EventSink pointed at the embedded HBase), feeds the bundled samples to
 * each feed's source with a progress bar, waits until every channel is drained, and prints a summary: entities per
 * state of every machine, sessions, dead letters and the agent's counters. A second run stores the same rows
 * again (deterministic keys, explicit timestamps) and the coprocessor applies each event id once, so nothing is
 * duplicated.
 *
 * <p>Data: {@code --data DIR}, else the repository's {@code samples/}. The talk's
 * events ({@code seed/events.jsonl}) go to source {@code talk}; the real data sets to the source of their feed.
 */
final class DemoCommand {

  static final String USAGE = "demo [--conf DIR] [--data DIR] [--table NAME]";
  private static final ObjectMapper JSON = new ObjectMapper();

  private DemoCommand() {
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    Options o = Options.parse(args, Set.of("conf", "data", "table"), Set.of());
    if (!o.positional().isEmpty()) {
      throw new CliException("unexpected argument '" + o.positional().get(0) + "'; usage: ./eventstate " + USAGE);
    }
    Path conf = Home.conf(o.get("conf"));
    Path agentFile = conf.resolve("flume/eventstate.properties");
    if (!Files.isRegularFile(agentFile)) {
      throw new CliException("agent properties file not found: " + agentFile);
    }
    Path data = dataDir(o.get("data"));
    TableSchema schema = new TableSchema(o.get("table", TableSchema.DEFAULT_TABLE), 4);
    AgentRun.execute(new AgentRun.Plan("demo", agentFile, List.of(), conf.resolve("machines"), schema, null, null,
        Home.state().resolve("run"), Duration.ofSeconds(300), types -> {
          Set<String> http = new TreeSet<>();
          Set<String> spool = new TreeSet<>();
          types.forEach((name, type) -> (type.equals("spooldir") ? spool : http).add(name));
          List<Feed> f = feeds(data, http, spool);
          if (f.isEmpty()) {
            throw new CliException("no sample data found in " + data + "; pass --data DIR");
          }
          return f;
        }, overlays(conf)), out, err);
    return 0;
  }

  /** {@code flume/overlays/demo-actions.properties}: the decoration and notification the demo adds, when present. */
  private static List<Path> overlays(Path conf) {
    Path actions = conf.resolve("flume/overlays/demo-actions.properties");
    return Files.isRegularFile(actions) ? List.of(actions) : List.of();
  }

  static Path dataDir(String option) {
    List<Path> candidates = option != null ? List.of(Path.of(option)) : Locations.sampleDataCandidates(Home.dir());
    for (Path p : candidates) {
      if (Locations.isSampleData(p)) {
        return p.toAbsolutePath().normalize();
      }
    }
    throw new CliException("no sample data in " + candidates + " (expected seed/ or real/ inside); pass --data DIR");
  }

  /** What to send where: the talk's events and every real data set the example agent has a feed for. */
  private static List<Feed> feeds(Path data, Set<String> http, Set<String> spool) {
    List<Feed> f = new ArrayList<>();
    try {
      Path seed = data.resolve("seed/events.jsonl");
      if (http.contains("talk") && Files.isRegularFile(seed)) {
        f.add(new Feed("talk", Files.readAllBytes(seed), null));
      }
      Path real = data.resolve("real");
      Path trackers = real.resolve("easypost/extracted/trackers.jsonl");
      if (http.contains("easypost_trackers") && Files.isRegularFile(trackers)) {
        for (String line : Files.readAllLines(trackers, StandardCharsets.UTF_8)) {
          if (!line.isBlank()) {
            f.add(new Feed("easypost_trackers", line.getBytes(StandardCharsets.UTF_8), null));
          }
        }
      }
      Path otto = real.resolve("otto-sessions/train.jsonl");
      if (http.contains("otto") && Files.isRegularFile(otto)) {
        f.add(new Feed("otto", Files.readAllBytes(otto), null));
      }
      Path lorawan = real.resolve("lorawan-uplinks");
      if (http.contains("lorawan") && Files.isDirectory(lorawan)) {
        try (Stream<Path> s = Files.walk(lorawan)) {
          for (Path p : s.filter(x -> x.toString().endsWith(".json")).sorted().toList()) {
            f.add(new Feed("lorawan", Files.readAllBytes(p), null));
          }
        }
      }
      Path eyevinn = real.resolve("video-player-sessions-eyevinn/json");
      if (http.contains("eyevinn") && Files.isDirectory(eyevinn)) {
        for (String name : List.of("valid_sequences.json", "invalid_sequences.json", "eventsink_test_events.json")) {
          Path p = eyevinn.resolve(name);
          if (Files.isRegularFile(p)) {
            for (Iterator<JsonNode> it = JSON.readTree(p.toFile()).elements(); it.hasNext();) {
              f.add(new Feed("eyevinn", JSON.writeValueAsBytes(it.next()), null));
            }
          }
        }
      }
      Path wikimedia = real.resolve("wikimedia-recentchange/wikimedia.ndjson");
      if (spool.contains("wikimedia") && Files.isRegularFile(wikimedia)) {
        f.add(new Feed("wikimedia", null, wikimedia));
      }
      Path events = real.resolve("easypost/extracted/events.jsonl");
      if (spool.contains("easypost_events") && Files.isRegularFile(events)) {
        f.add(new Feed("easypost_events", null, events));
      }
    } catch (IOException e) {
      throw new CliException("cannot read the sample data in " + data + ": " + e.getMessage());
    }
    return f;
  }

}
