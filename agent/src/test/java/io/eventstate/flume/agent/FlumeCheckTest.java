package io.eventstate.flume.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What Flume itself says about an agent, found without starting it, with the component and the key. */
class FlumeCheckTest {

  @TempDir
  Path dir;

  private static Properties agent() throws IOException {
    Properties p = new Properties();
    p.load(new StringReader("""
        a1.sources = spool
        a1.channels = c
        a1.sinks = log
        a1.sources.spool.type = spooldir
        a1.sources.spool.spoolDir = /nowhere
        a1.sources.spool.channels = c
        a1.channels.c.type = memory
        a1.sinks.log.type = logger
        a1.sinks.log.channel = c
        """));
    return p;
  }

  @Test
  void aGoodAgentHasNoProblems() throws IOException {
    assertEquals(List.of(), FlumeCheck.check(agent(), dir.resolve("a.properties"), "a1"));
  }

  @Test
  void aSourceBatchLargerThanTheChannelsTransactionCapacityIsFlumesOwnReason() throws IOException {
    Properties p = agent();
    p.setProperty("a1.sources.spool.batchSize", "1000");
    List<FlumeCheck.Problem> problems = FlumeCheck.check(p, dir.resolve("a.properties"), "a1");
    assertEquals(1, problems.size(), problems.toString());
    FlumeCheck.Problem e = problems.get(0);
    assertEquals("source spool", e.component());
    assertEquals("a1.sources.spool.batchSize (or a1.channels.c.transactionCapacity)", e.key());
    assertTrue(e.reason().contains("source's batch size is greater than the channels transaction capacity"), e.reason());
  }

  @Test
  void aSelectorNamingAnUnknownChannelAndAMissingTypeAreReported() throws IOException {
    Properties p = agent();
    p.setProperty("a1.sources.spool.selector.type", "multiplexing");
    p.setProperty("a1.sources.spool.selector.header", "es.route");
    p.setProperty("a1.sources.spool.selector.mapping.valid", "nosuch");
    List<FlumeCheck.Problem> problems = FlumeCheck.check(p, dir.resolve("a.properties"), "a1");
    assertTrue(problems.stream().anyMatch(x -> x.component().equals("source spool")), problems.toString());
    Properties q = agent();
    q.remove("a1.sinks.log.channel");
    List<FlumeCheck.Problem> sink = FlumeCheck.check(q, dir.resolve("b.properties"), "a1");
    assertTrue(sink.stream().anyMatch(x -> x.component().equals("sink log")), sink.toString());
  }
}
