package io.eventstate.flume.testing;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.event.EventBuilder;
import org.apache.flume.interceptor.Interceptor;
import org.apache.flume.interceptor.InterceptorBuilderFactory;
import org.apache.flume.source.http.HTTPBadRequestException;

import io.eventstate.core.config.Locations;
import io.eventstate.testing.InProcessAgent;
import io.eventstate.flume.interceptor.JsonHttpHandler;

/**
 * The talk's events and every real data set in samples/, as the example agent
 * (conf/flume/eventstate.properties) receives them: HTTP requests to the feeds' HTTP sources (one request per
 * tracker, per LoRaWAN file and per Eyevinn sequence; OTTO and the talk as one NDJSON request) and JSON-lines
 * files dropped into the spooling directories. Used by every test that runs the example agent end to end.
 */
public final class DataFeeds {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** One HTTP request to a source. */
  public record Request(String source, byte[] body, String what) {
  }

  /**
   * How the feeds are shaped. {@link #AS_RECORDED} sends every file exactly as recorded (the default, used by the
   * ingest and sink ITs and the interceptor fuzz test).
   *
   * <p>{@link #EYEVINN_SESSION_PER_SEQUENCE}: Eyevinn's fixtures reuse ONE {@code sessionId} ({@code 123-214-234})
   * for all their named sequences, because each sequence is fed to a fresh player state machine in Eyevinn's own
   * unit tests. Through Eventstate the session id is the entity, so the ten sequences would merge into one entity
   * whose state says nothing about any single sequence. This variant appends {@code -valid-} or {@code -invalid-}
   * (the files reuse the same sequence names) and the sequence name (the object key) to every non-empty text
   * {@code sessionId} of the {@code valid_sequences.json} and {@code invalid_sequences.json} sequences, e.g.
   * {@code 123-214-234-invalid-testEventSequence_3}, so each sequence is its own entity and the state machine judges
   * it alone.
   * Everything else is byte-for-byte as in the default.
   */
  public enum Variant {
    AS_RECORDED,
    EYEVINN_SESSION_PER_SEQUENCE
  }

  /** One JSON-lines file for a spooling-directory source. */
  public record Spooled(String source, Path file) {
  }

  private DataFeeds() {
  }

  /** The repository root (where conf/flume/eventstate.properties is). */
  public static Path repositoryRoot() {
    return Locations.repositoryRoot();
  }

  /** The sample data ({@link Locations#sampleData()}: the repository's samples/). */
  public static Path sampleData() {
    return Locations.sampleData();
  }

  /** The HTTP requests, in the order they are sent, as recorded. */
  public static List<Request> requests(Path data) throws IOException {
    return requests(data, Variant.AS_RECORDED);
  }

  /** The HTTP requests of a {@link Variant}, in the order they are sent. */
  public static List<Request> requests(Path data, Variant variant) throws IOException {
    List<Request> out = new ArrayList<>();
    out.add(new Request("talk", Files.readAllBytes(data.resolve("seed/events.jsonl")), "seed/events.jsonl"));
    int n = 0;
    for (String line : Files.readAllLines(data.resolve("real/easypost/extracted/trackers.jsonl"), StandardCharsets.UTF_8)) {
      out.add(new Request("easypost_trackers", line.getBytes(StandardCharsets.UTF_8), "trackers.jsonl line " + ++n));
    }
    out.add(new Request("otto", Files.readAllBytes(data.resolve("real/otto-sessions/train.jsonl")), "otto train.jsonl"));
    try (Stream<Path> files = Files.walk(data.resolve("real/lorawan-uplinks"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().collect(Collectors.toList())) {
        out.add(new Request("lorawan", Files.readAllBytes(f), f.getFileName().toString()));
      }
    }
    for (String file : List.of("valid_sequences.json", "invalid_sequences.json", "eventsink_test_events.json")) {
      JsonNode root = MAPPER.readTree(data.resolve("real/video-player-sessions-eyevinn/json/" + file).toFile());
      for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
        Map.Entry<String, JsonNode> sequence = it.next();
        JsonNode body = sequence.getValue();
        if (variant == Variant.EYEVINN_SESSION_PER_SEQUENCE && !file.startsWith("eventsink")) {
          body = sessionPerSequence(body, "-" + file.substring(0, file.indexOf('_')) + "-" + sequence.getKey());
        }
        out.add(new Request("eyevinn", MAPPER.writeValueAsBytes(body), file + " " + sequence.getKey()));
      }
    }
    return out;
  }

  /** A copy of a sequence whose events' non-empty text {@code sessionId}s end with {@code suffix}. */
  private static JsonNode sessionPerSequence(JsonNode sequence, String suffix) {
    JsonNode copy = sequence.deepCopy();
    if (copy.isArray()) {
      for (JsonNode e : copy) {
        JsonNode id = e.get("sessionId");
        if (e.isObject() && id != null && id.isTextual() && !id.asText().isEmpty()) {
          ((ObjectNode) e).put("sessionId", id.asText() + suffix);
        }
      }
    }
    return copy;
  }

  /** The JSON-lines files for the spooling-directory sources. */
  public static List<Spooled> spooled(Path data) {
    return List.of(new Spooled("wikimedia", data.resolve("real/wikimedia-recentchange/wikimedia.ndjson")),
        new Spooled("easypost_events", data.resolve("real/easypost/extracted/events.jsonl")));
  }

  /** Sends every request and spools every file; returns how many requests were refused (HTTP 400). */
  public static int feed(InProcessAgent agent, Path data) throws IOException, InterruptedException {
    return feed(agent, data, Variant.AS_RECORDED);
  }

  /** {@link #feed(InProcessAgent, Path)} for a {@link Variant}. */
  public static int feed(InProcessAgent agent, Path data, Variant variant) throws IOException, InterruptedException {
    int refused = 0;
    for (Request r : requests(data, variant)) {
      int status = post(agent, r.source(), r.body());
      if (status == 400) {
        refused++;
      } else if (status != 200) {
        throw new IllegalStateException(r.what() + ": HTTP " + status);
      }
    }
    for (Spooled s : spooled(data)) {
      spool(agent, s.source(), s.file());
    }
    return refused;
  }

  /** POSTs bytes to an HTTP source of the agent; returns the status. */
  public static int post(InProcessAgent agent, String source, byte[] body) throws IOException, InterruptedException {
    return post(HttpClient.newHttpClient(), agent, source, body);
  }

  /**
   * POSTs bytes to an HTTP source of the agent with the given client (one client for many requests keeps its
   * connection, as a real sender does); returns the status.
   */
  public static int post(HttpClient client, InProcessAgent agent, String source, byte[] body)
      throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.port(source) + "/"))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json; charset=UTF-8")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** Drops a file into a spooling-directory source, under a hidden name first so it is never read half-written. */
  public static void spool(InProcessAgent agent, String source, Path file) throws IOException {
    Path dir = Path.of(agent.property("sources." + source + ".spoolDir"));
    Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
    Files.copy(file, tmp);
    Files.move(tmp, dir.resolve(file.getFileName()));
  }

  /**
   * What the example agent's interceptor chains make of the feeds, computed offline with the same handler and
   * interceptor configuration: every resulting event, with its headers, in feed order.
   */
  public static List<Event> offline(Path agentProperties, Path data) throws Exception {
    return offline(agentProperties, data, Variant.AS_RECORDED);
  }

  /** {@link #offline(Path, Path)} for a {@link Variant}. */
  public static List<Event> offline(Path agentProperties, Path data, Variant variant) throws Exception {
    Properties p = load(agentProperties);
    Map<String, List<Interceptor>> chains = new HashMap<>();
    List<Event> out = new ArrayList<>();
    try {
      for (Request r : requests(data, variant)) {
        out.addAll(offline(p, r, chains));
      }
      for (Spooled s : spooled(data)) {
        List<Event> events = new ArrayList<>();
        for (String line : Files.readAllLines(s.file(), StandardCharsets.UTF_8)) {
          events.add(EventBuilder.withBody(line.getBytes(StandardCharsets.UTF_8), new HashMap<>()));
        }
        out.addAll(run(chain(p, s.source(), chains), events));
      }
    } finally {
      chains.values().forEach(c -> c.forEach(Interceptor::close));
    }
    return out;
  }

  /** What the example agent's HTTP handler and interceptors make of one request (nothing if it is refused whole). */
  public static List<Event> offline(Path agentProperties, Request request) throws Exception {
    Map<String, List<Interceptor>> chains = new HashMap<>();
    try {
      return offline(load(agentProperties), request, chains);
    } finally {
      chains.values().forEach(c -> c.forEach(Interceptor::close));
    }
  }

  private static List<Event> offline(Properties p, Request r, Map<String, List<Interceptor>> chains) throws Exception {
    JsonHttpHandler h = new JsonHttpHandler();
    h.configure(new Context(sub(p, "a1.sources." + r.source() + ".handler.")));
    List<Event> events;
    try {
      events = h.toEvents(r.body(), Map.of());
    } catch (HTTPBadRequestException e) {
      return List.of();
    }
    return run(chain(p, r.source(), chains), events);
  }

  private static Properties load(Path agentProperties) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(agentProperties, StandardCharsets.UTF_8)) {
      p.load(r);
    }
    return p;
  }

  /** The distinct event ids of the events the example agent routes to its HBase sink. */
  public static Set<String> validEventIds(List<Event> offline) {
    Set<String> ids = new TreeSet<>();
    for (Event e : offline) {
      if ("valid".equals(e.getHeaders().get("es.route"))) {
        ids.add(e.getHeaders().get("es.eventId"));
      }
    }
    return ids;
  }

  private static List<Event> run(List<Interceptor> chain, List<Event> events) {
    List<Event> batch = events;
    for (Interceptor i : chain) {
      batch = i.intercept(batch);
    }
    return batch;
  }

  private static List<Interceptor> chain(Properties p, String source, Map<String, List<Interceptor>> cache) throws Exception {
    List<Interceptor> chain = cache.get(source);
    if (chain == null) {
      chain = buildChain(p, source, "offline");
      cache.put(source, chain);
    }
    return chain;
  }

  /**
   * Builds and initializes a source's interceptor chain from agent properties the way Flume does
   * ({@link InterceptorBuilderFactory}); counter groups are renamed {@code <counterPrefix>-<source>-<name>} so
   * they do not collide with a running agent's.
   */
  public static List<Interceptor> buildChain(Properties p, String source, String counterPrefix) throws Exception {
    List<Interceptor> chain = new ArrayList<>();
    String base = "a1.sources." + source + ".interceptors";
    for (String name : p.getProperty(base).trim().split("\\s+")) {
      Map<String, String> keys = sub(p, base + "." + name + ".");
      keys.put("name", counterPrefix + "-" + source.replace('_', '-') + "-" + name);
      Interceptor.Builder b = InterceptorBuilderFactory.newInstance(keys.get("type"));
      b.configure(new Context(keys));
      Interceptor i = b.build();
      i.initialize();
      chain.add(i);
    }
    return chain;
  }

  /** The keys under a prefix, prefix removed. */
  public static Map<String, String> sub(Properties p, String prefix) {
    Map<String, String> m = new HashMap<>();
    for (String k : p.stringPropertyNames()) {
      if (k.startsWith(prefix)) {
        m.put(k.substring(prefix.length()), p.getProperty(k).trim());
      }
    }
    return m;
  }
}
