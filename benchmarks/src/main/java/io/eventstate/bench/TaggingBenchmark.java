package io.eventstate.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.eventstate.core.act.TagOutcome;
import io.eventstate.core.act.Tagger;
import io.eventstate.core.act.TaggingSpec;

/**
 * Cost of the tagging stage per event: four rules (equals, numeric, regex, in) over a normalized
 * event's ~15 headers. {@code evaluate*} is the pure decision; {@code apply} includes copying the
 * header map (as a fresh event would have its own) and writing tags; {@code copyOnly} is that copy alone.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar TaggingBenchmark</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TaggingBenchmark {

  private Tagger tagger;
  private Map<String, String> hot;
  private Map<String, String> plain;

  @Setup
  public void setUp() {
    Map<String, String> conf = new HashMap<>();
    conf.put("rules", "testers hot bots heartbeats");
    conf.put("rules.testers.if", "attr.test_user equals true");
    conf.put("rules.testers.route", "sampling");
    conf.put("rules.testers.stop", "true");
    conf.put("rules.hot.if", "attr.degrees_fahrenheit > 90");
    conf.put("rules.hot.tag", "hot,alert");
    conf.put("rules.bots.if", "header.User-Agent regex .*(bot|crawler).*");
    conf.put("rules.bots.gate", "gated");
    conf.put("rules.heartbeats.if", "eventType in heartbeat,ping");
    conf.put("rules.heartbeats.drop", "true");
    tagger = TaggingSpec.parse(conf).tagger();
    plain = new HashMap<>();
    plain.put("es.status", "valid");
    plain.put("es.eventId", "3f1c9a7e0b2d4c6a8e1f3b5d7c9a0e2f");
    plain.put("es.entityType", "device");
    plain.put("es.entityId", "c361-445b-b2f6-27f2eecfc217");
    plain.put("es.eventType", "environmental_info");
    plain.put("es.eventTime", "1457741907959400112");
    plain.put("es.timeSource", "event");
    plain.put("timestamp", "1457741907959");
    plain.put("es.attr.degrees_fahrenheit", "72");
    plain.put("es.attr.humidity", "40");
    plain.put("es.attr.firmware", "1.2.3");
    plain.put("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36");
    plain.put("host", "web-03");
    hot = new HashMap<>(plain);
    hot.put("es.attr.degrees_fahrenheit", "95");
  }

  @Benchmark
  public TagOutcome evaluateNoMatch() {
    return tagger.evaluate(plain);
  }

  @Benchmark
  public TagOutcome evaluateTagMatch() {
    return tagger.evaluate(hot);
  }

  @Benchmark
  public Map<String, String> copyOnly() {
    return new HashMap<>(hot);
  }

  @Benchmark
  public Map<String, String> apply() {
    Map<String, String> h = new HashMap<>(hot);
    tagger.evaluate(h).applyTo(h);
    return h;
  }
}
