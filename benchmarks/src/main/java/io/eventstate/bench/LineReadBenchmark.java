package io.eventstate.bench;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.flume.serialization.DurablePositionTracker;
import org.apache.flume.serialization.ResettableFileInputStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.eventstate.core.json.JsonLineReader;
import io.eventstate.flume.interceptor.JsonLineDeserializer;

/**
 * Cutting a spooled JSON-lines file into lines through Flume's own {@code ResettableFileInputStream}, as the
 * spooling-directory source hands it to {@code JsonLineDeserializer}: {@code chunks} is how the deserializer reads (a
 * chunk at a time, giving back what follows each line by seeking within the stream's buffer), {@code bytes} reads the
 * same stream one byte at a time (the stream's synchronized {@code read()}). Time per line, over a file of 20,000
 * wikimedia-style lines (~225 bytes each), with a mark every 100 lines as the source's transactions do.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar LineReadBenchmark</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LineReadBenchmark {

  static final int LINES = 20_000;

  private Path dir;
  private Path file;
  private int opened;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("line-read");
    file = dir.resolve("wikimedia.jsonl");
    StringBuilder sb = new StringBuilder();
    Random r = new Random(1);
    for (int i = 0; i < LINES; i++) {
      sb.append("{\"meta\":{\"id\":\"").append(i).append("\",\"dt\":\"2016-03-12T01:02:03Z\"},\"type\":\"edit\",")
          .append("\"user\":\"user-").append(r.nextInt(20_000)).append("\",\"title\":\"Page ").append(i % 5000)
          .append("\",\"wiki\":\"enwiki\",\"comment\":\"copyedit copyedit copyedit\",\"length\":{\"old\":")
          .append(1000 + i % 700).append(",\"new\":").append(1010 + i % 700)
          .append("},\"server_name\":\"en.wikipedia.org\"}\n");
    }
    Files.writeString(file, sb, StandardCharsets.UTF_8);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }

  private ResettableFileInputStream open() throws IOException {
    File meta = dir.resolve("tracker-" + opened++ + ".meta").toFile();
    return new ResettableFileInputStream(file.toFile(), DurablePositionTracker.getInstance(meta, file.toString()));
  }

  private static long readAll(ResettableFileInputStream in, JsonLineReader reader) throws IOException {
    long bytes = 0;
    int n = 0;
    while (true) {
      reader.position(in.tell());
      JsonLineReader.Line line = reader.next();
      if (line == null) {
        break;
      }
      bytes += line.length();
      if (++n % 100 == 0) {
        in.mark();
      }
    }
    in.close();
    if (n != LINES) {
      throw new IllegalStateException(n + " lines read, " + LINES + " written");
    }
    return bytes;
  }

  @Benchmark
  @OperationsPerInvocation(LINES)
  public long chunks() throws IOException {
    ResettableFileInputStream in = open();
    return readAll(in, new JsonLineReader(JsonLineDeserializer.chunks(in), 1 << 20, 4 << 20));
  }

  @Benchmark
  @OperationsPerInvocation(LINES)
  public long bytes() throws IOException {
    ResettableFileInputStream in = open();
    return readAll(in, new JsonLineReader(in::read, 1 << 20, 4 << 20));
  }
}
