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
    tagger = TaggingSpec.parse(Conf.map("""
        rules = testers hot bots heartbeats
        rules.testers.if = attr.test_user equals true
        rules.testers.route = sampling
        rules.testers.stop = true
        rules.hot.if = attr.degrees_fahrenheit > 90
        rules.hot.tag = hot,alert
        rules.bots.if = header.User-Agent regex .*(bot|crawler).*
        rules.bots.gate = gated
        rules.heartbeats.if = eventType in heartbeat,ping
        rules.heartbeats.drop = true
        """)).tagger();
    plain = Conf.map("""
        es.status = valid
        es.eventId = 3f1c9a7e0b2d4c6a8e1f3b5d7c9a0e2f
        es.entityType = device
        es.entityId = c361-445b-b2f6-27f2eecfc217
        es.eventType = environmental_info
        es.eventTime = 1457741907959400112
        es.timeSource = event
        timestamp = 1457741907959
        es.attr.degrees_fahrenheit = 72
        es.attr.humidity = 40
        es.attr.firmware = 1.2.3
        User-Agent = Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36
        host = web-03
        """);
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
