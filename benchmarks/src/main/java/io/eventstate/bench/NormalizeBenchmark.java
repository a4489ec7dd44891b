package io.eventstate.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.event.EventBuilder;
import org.apache.flume.interceptor.Interceptor;
import org.apache.flume.interceptor.RegexExtractorInterceptor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.infra.Blackhole;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.eventstate.core.json.JsonNormalizer;
import io.eventstate.core.json.NormalizeResult;
import io.eventstate.core.json.NormalizerSpec;
import io.eventstate.flume.interceptor.NormalizingInterceptor;

/**
 * Normalizing a ~500-byte nested event, against three baselines over the same bytes, all in one JVM:
 * <ul>
 *   <li>{@code normalize}: {@link JsonNormalizer} (core) pulling entity, type, exact time and one nested
 *       attribute, plus the event id hash, the canonical event and its attribute map;</li>
 *   <li>{@code normalizeInterceptor}: the same through {@link NormalizingInterceptor} on a Flume event,
 *       headers and counters included (the shape that competes with the regex interceptor);</li>
 *   <li>{@code regexExtractor}: Flume's stock {@link RegexExtractorInterceptor} pulling the same four fields
 *       (it does far less: no nesting, no exact time, fixed field order);</li>
 *   <li>{@code regexExtractorGreedy}: the same regex with greedy {@code .*} between the fields;</li>
 *   <li>{@code eventIdHash}: the default event id alone (MurmurHash3 of the body), a part of {@code normalize};</li>
 *   <li>{@code jacksonStreamingWalk}: a bare Jackson token walk over the bytes (the floor of any JSON parse);</li>
 *   <li>{@code readTreePointers}: {@code readTree} plus four JSON pointers (the straightforward approach).</li>
 * </ul>
 * Run: {@code java -jar benchmarks/target/benchmarks.jar NormalizeBenchmark -f 1 -wi 3 -i 5}.
 *
 * <p>{@code normalizeAndTag} is the whole ingest chain of the example agent's shape: the normalizing interceptor
 * followed by a {@code TaggingInterceptor} with two rules (one matches and tags, one is a numeric comparison
 * that does not match).
 */
@Fork(1)
public class NormalizeBenchmark extends SingleThreadThroughput {

  /** The talk's nested purchase event, plus session, device and geo blocks: 500 bytes. */
  public static final String EVENT = "{\"time_utc\":\"1457741907.959400112\","
      + "\"user_id\":\"688b60d1-c361-445b-b2f6-27f2eecfc217\",\"event_type\":\"button_pressed\","
      + "\"session\":{\"id\":\"s-20160312-0001\",\"campaign\":\"spring_sale\",\"device\":{\"os\":\"android\","
      + "\"version\":\"6.0.1\",\"model\":\"Nexus 5X\",\"app\":\"4.2.0\"}},"
      + "\"event_details\":{\"button_type\":\"one-click purchase\",\"puchased_items\":[{\"sku\":\"1 23456 78999 9\","
      + "\"description\":\"Tony's Run-flat Tire\",\"unit_price\":129.99,\"quantity\":4}]},"
      + "\"geo\":{\"lat\":52.520008,\"lon\":13.404954,\"city\":\"Berlin\",\"country\":\"DE\"},"
      + "\"_filled\":[\"unit_price\",\"quantity\"],\"v\":3}";

  private byte[] body;
  private JsonNormalizer normalizer;
  private Interceptor normalizing;
  private Interceptor tagging;
  private Interceptor regex;
  private Interceptor regexGreedy;
  private JsonFactory factory;
  private ObjectMapper mapper;
  private final Map<String, String> noHeaders = Map.of();
  /** Arrival time of every normalized event: the benchmark event (2016) is not ahead of it. */
  private static final long ARRIVAL = 1_700_000_000_000L;

  static Map<String, String> specProps() {
    return Conf.map("""
        entity = user:/user_id, device:/device_id
        eventType.paths = /event_type
        time.paths = /time_utc
        time.format = decimal_seconds
        attributes = sku:/event_details/puchased_items/0/sku
        """);
  }

  @Setup
  public void setup() {
    body = EVENT.getBytes(StandardCharsets.UTF_8);
    normalizer = new JsonNormalizer(NormalizerSpec.parse(specProps()));

    NormalizingInterceptor.Builder nb = new NormalizingInterceptor.Builder();
    Map<String, String> np = specProps();
    np.put("name", "bench");
    nb.configure(new Context(np));
    normalizing = nb.build();

    io.eventstate.flume.interceptor.TaggingInterceptor.Builder tb = new io.eventstate.flume.interceptor.TaggingInterceptor.Builder();
    Map<String, String> tp = Conf.map("""
        name = bench-tag
        rules = purchase hot
        rules.purchase.if = eventType equals button_pressed
        rules.purchase.tag = purchase
        rules.hot.if = attr.degrees_fahrenheit > 90
        rules.hot.tag = hot
        """);
    tp.put("rules.purchase.if.2", "attr.sku prefix 1 "); // a trailing space: kept only outside the properties syntax
    tb.configure(new Context(tp));
    tagging = tb.build();

    RegexExtractorInterceptor.Builder rb = new RegexExtractorInterceptor.Builder();
    Map<String, String> rp = Conf.map("""
        serializers = t u e s
        serializers.t.name = time_utc
        serializers.u.name = user_id
        serializers.e.name = event_type
        serializers.s.name = sku
        """);
    rp.put("regex", "\"time_utc\":\"([^\"]*)\".*?\"user_id\":\"([^\"]*)\".*?\"event_type\":\"([^\"]*)\".*?\"sku\":\"([^\"]*)\"");
    rb.configure(new Context(rp));
    regex = rb.build();
    // the same with greedy .* between fields (backtracks from the end of the body for each field)
    RegexExtractorInterceptor.Builder gb = new RegexExtractorInterceptor.Builder();
    rp.put("regex", "\"time_utc\":\"([^\"]*)\".*\"user_id\":\"([^\"]*)\".*\"event_type\":\"([^\"]*)\".*\"sku\":\"([^\"]*)\"");
    gb.configure(new Context(rp));
    regexGreedy = gb.build();

    factory = new JsonFactory();
    mapper = new ObjectMapper();

    // fail fast if a contender does not do its job
    NormalizeResult r = normalizer.normalize(body, noHeaders, ARRIVAL);
    if (!r.isValid() || r.event().eventTimeNanos() != 1457741907959400112L) {
      throw new IllegalStateException("normalize broken: " + r);
    }
    Event re = regex.intercept(EventBuilder.withBody(body, new HashMap<>()));
    if (!"1 23456 78999 9".equals(re.getHeaders().get("sku")) || !"button_pressed".equals(re.getHeaders().get("event_type"))) {
      throw new IllegalStateException("regex broken: " + re.getHeaders());
    }
    Event ne = normalizing.intercept(EventBuilder.withBody(body, new HashMap<>()));
    if (!"valid".equals(ne.getHeaders().get("es.status"))) {
      throw new IllegalStateException("interceptor broken: " + ne.getHeaders());
    }
    Event te = normalizeAndTag();
    if (!"purchase".equals(te.getHeaders().get("es.tags"))) {
      throw new IllegalStateException("tagging broken: " + te.getHeaders());
    }
  }

  @Benchmark
  public NormalizeResult normalize() {
    return normalizer.normalize(body, noHeaders, ARRIVAL);
  }

  @Benchmark
  public Event normalizeInterceptor() {
    return normalizing.intercept(EventBuilder.withBody(body, new HashMap<>()));
  }

  /** Normalize + tag: the two interceptors of an ingest chain, on a fresh Flume event. */
  @Benchmark
  public Event normalizeAndTag() {
    Event e = normalizing.intercept(EventBuilder.withBody(body, new HashMap<>()));
    return tagging.intercept(e);
  }

  @Benchmark
  public Event regexExtractor() {
    return regex.intercept(EventBuilder.withBody(body, new HashMap<>()));
  }

  @Benchmark
  public Event regexExtractorGreedy() {
    return regexGreedy.intercept(EventBuilder.withBody(body, new HashMap<>()));
  }

  /** The default event id alone (MurmurHash3 x64-128 of the body, hex): part of {@link #normalize}. */
  @Benchmark
  public String eventIdHash() {
    return io.eventstate.core.json.MurmurHash3.hash128Hex(body, 0, body.length);
  }

  @Benchmark
  public int jacksonStreamingWalk() throws IOException {
    return JacksonWalk.tokens(factory, body);
  }

  @Benchmark
  public void readTreePointers(Blackhole bh) throws IOException {
    JsonNode n = mapper.readTree(body);
    bh.consume(n.at("/time_utc").asText());
    bh.consume(n.at("/user_id").asText());
    bh.consume(n.at("/event_type").asText());
    bh.consume(n.at("/event_details/puchased_items/0/sku").asText());
  }
}
