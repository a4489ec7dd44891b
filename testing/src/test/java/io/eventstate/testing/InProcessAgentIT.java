package io.eventstate.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test harness itself: relocation of the directories an agent touches, error reporting, JMX. */
class InProcessAgentIT {

  @TempDir
  Path work;

  private static Properties spoolToFileRoll() {
    return Props.properties("""
        a2.sources = spool
        a2.channels = durable
        a2.sinks = roll
        a2.sources.spool.type = spooldir
        a2.sources.spool.spoolDir = /nonexistent/spool
        a2.sources.spool.channels = durable
        a2.channels.durable.type = file
        a2.channels.durable.checkpointDir = /nonexistent/checkpoint
        a2.channels.durable.dataDirs = /nonexistent/data
        a2.sinks.roll.type = file_roll
        a2.sinks.roll.sink.directory = /nonexistent/out
        a2.sinks.roll.sink.rollInterval = 0
        a2.sinks.roll.channel = durable
        """);
  }

  private static String rolled(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      StringBuilder b = new StringBuilder();
      for (Path f : files.sorted().collect(Collectors.toList())) {
        b.append(Files.readString(f, StandardCharsets.UTF_8));
      }
      return b.toString();
    }
  }

  @Test
  void relocatesSpoolDirFileChannelAndFileRollIntoTheWorkDirectory() throws Exception {
    try (InProcessAgent agent = InProcessAgent.fromProperties(spoolToFileRoll(), "a2").workDir(work).start()) {
      assertEquals(List.of(), agent.configurationErrorsOnly());
      Path spool = Path.of(agent.property("sources.spool.spoolDir"));
      Path out = Path.of(agent.property("sinks.roll.sink.directory"));
      assertTrue(spool.startsWith(work) && Files.isDirectory(spool), spool.toString());
      assertTrue(out.startsWith(work) && Files.isDirectory(out), out.toString());
      assertTrue(agent.property("channels.durable.dataDirs").startsWith(work.toString()));

      // Spooling directories want complete files: write beside, then move in.
      Path staged = Files.writeString(work.resolve("events.jsonl"), "{\"a\":1}\n{\"é\":\"ü\"}\n", StandardCharsets.UTF_8);
      Files.move(staged, spool.resolve("events.jsonl"), StandardCopyOption.ATOMIC_MOVE);

      await().atMost(Duration.ofSeconds(30)).until(() -> rolled(out).equals("{\"a\":1}\n{\"é\":\"ü\"}\n"));
      assertEquals(2L, InProcessAgent.counter("channel", "durable", "EventPutSuccessCount"));
      assertEquals(2L, InProcessAgent.counter("source", "spool", "EventAcceptedCount"));
    }
  }

  @Test
  void overridesWinOverTheFileAndTheRelocation() throws Exception {
    Path mine = Files.createDirectories(work.resolve("mine"));
    try (InProcessAgent agent = InProcessAgent.fromProperties(spoolToFileRoll(), "a2").workDir(work)
        .override("sinks.roll.sink.directory", mine.toString()).start()) {
      assertEquals(mine.toString(), agent.property("sinks.roll.sink.directory"));
    }
  }

  @Test
  void reportsFlumeConfigurationErrors() {
    Properties p = spoolToFileRoll();
    p.setProperty("a2.channels.durable.type", "no.such.ChannelClass");
    InProcessAgent.Builder builder = InProcessAgent.fromProperties(p, "a2").workDir(work);
    IllegalStateException e = assertThrows(IllegalStateException.class, builder::start);
    assertTrue(e.getMessage().contains("cannot be built by Flume: Unable to load channel type: no.such.ChannelClass"),
        e.getMessage());
  }

  @Test
  void reportsComponentsFlumeLeftOut() {
    Properties p = spoolToFileRoll();
    p.remove("a2.sinks.roll.channel");
    InProcessAgent.Builder builder = InProcessAgent.fromProperties(p, "a2").workDir(work);
    IllegalStateException e = assertThrows(IllegalStateException.class, builder::start);
    assertTrue(e.getMessage().contains("sink roll"), e.getMessage());
    try (InProcessAgent agent = builder.lenient().start()) {
      assertTrue(agent.removedComponents().contains("sink roll"), agent.removedComponents().toString());
      assertTrue(agent.configurationErrorsOnly().stream().anyMatch(x -> x.contains("component=roll")),
          agent.configurationErrorsOnly().toString());
    }
  }

  @Test
  void unknownCountersSayWhatExists() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> InProcessAgent.counter("interceptor", "no-such-group", "events.in"));
    assertTrue(e.getMessage().contains("no MBean org.apache.flume.interceptor:type=no-such-group"), e.getMessage());
  }
}
