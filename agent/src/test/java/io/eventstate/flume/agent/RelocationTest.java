package io.eventstate.flume.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Moving the agents of one file to this machine: every reference to what moved follows it. */
class RelocationTest {

  @TempDir
  Path work;

  /** A sender (HTTP → file channel → EventSink notifying n1, Avro sink to n1) and a receiver n1. */
  private static AgentFile twoAgents() {
    Properties p = new Properties();
    String[][] kv = {
        {"a1.sources", "http"}, {"a1.channels", "events q"}, {"a1.sinks", "hbase fwd land"},
        {"a1.sources.http.type", "http"}, {"a1.sources.http.port", "41501"}, {"a1.sources.http.channels", "events q"},
        {"a1.sources.http.interceptors", "plans state"},
        {"a1.sources.http.interceptors.plans.type", "io.eventstate.flume.interceptor.LookupInterceptor$Builder"},
        {"a1.sources.http.interceptors.plans.file", "conf/lookup/plans.csv"},
        {"a1.sources.http.interceptors.state.type", "io.eventstate.flume.sink.StateDecoratingInterceptor$Builder"},
        {"a1.sources.http.interceptors.state.table", "eventstate"},
        {"a1.channels.events.type", "file"}, {"a1.channels.events.checkpointDir", "/var/lib/x/cp"},
        {"a1.channels.events.dataDirs", "/var/lib/x/data"}, {"a1.channels.q.type", "memory"},
        {"a1.sinks.hbase.type", "io.eventstate.flume.sink.EventSink"}, {"a1.sinks.hbase.channel", "events"},
        {"a1.sinks.hbase.table", "eventstate"}, {"a1.sinks.hbase.notify.hostname", "127.0.0.1"},
        {"a1.sinks.hbase.notify.port", "41510"},
        {"a1.sinks.fwd.type", "avro"}, {"a1.sinks.fwd.channel", "q"}, {"a1.sinks.fwd.hostname", "localhost"},
        {"a1.sinks.fwd.port", "41510"},
        {"a1.sinks.land.type", "io.eventstate.flume.sink.HdfsLandingSink"}, {"a1.sinks.land.channel", "q"},
        {"a1.sinks.land.hdfs.path", "hdfs://namenode:8020/es/events/t=%{es.entityType}"},
        {"a1.sinks.land.hdfs.deadLetterPath", "hdfs://namenode:8020/es/deadletter/dt=%Y-%m-%d"},
        {"n1.sources", "avro"}, {"n1.channels", "c"}, {"n1.sinks", "receiver"},
        {"n1.sources.avro.type", "avro"}, {"n1.sources.avro.bind", "127.0.0.1"}, {"n1.sources.avro.port", "41510"},
        {"n1.sources.avro.channels", "c"}, {"n1.channels.c.type", "memory"},
        {"n1.sinks.receiver.type", "io.eventstate.flume.sink.NotificationSink"}, {"n1.sinks.receiver.channel", "c"},
        {"n1.sinks.receiver.directory", "/var/lib/x/notifications"},
    };
    for (String[] e : kv) {
      p.setProperty(e[0], e[1]);
    }
    return AgentFile.of(p, "test");
  }

  @Test
  void everyReferenceToWhatMovedFollowsIt() throws Exception {
    Path base = Files.createDirectories(work.resolve("home/conf/lookup"));
    Files.writeString(base.resolve("plans.csv"), "entityId,plan\n");
    AgentFile file = twoAgents();
    assertEquals(Set.of("a1", "n1"), file.agents());
    Relocation.Result r = Relocation.into(work.resolve("run"))
        .hbase(new Relocation.HBaseTarget("doors", "127.0.0.1", 2999, "/hbase-test"))
        .resolveFilesAgainst(work.resolve("nowhere"), work.resolve("home")).build().apply(file, List.of("a1", "n1"));
    Properties p = r.properties();
    int avro = r.port("n1", "avro");
    assertNotEquals(41510, avro);
    assertEquals(Integer.toString(avro), p.getProperty("a1.sinks.hbase.notify.port"), "notifications follow n1");
    assertEquals(Integer.toString(avro), p.getProperty("a1.sinks.fwd.port"), "the Avro sink follows n1");
    assertEquals("127.0.0.1", p.getProperty("a1.sinks.fwd.hostname"));
    assertEquals(List.of(), r.unresolved());
    for (String prefix : List.of("a1.sinks.hbase.", "a1.sources.http.interceptors.state.")) {
      assertEquals("doors", p.getProperty(prefix + "table"), prefix);
      assertEquals("127.0.0.1", p.getProperty(prefix + "zookeeperQuorum"), prefix);
      assertEquals("2999", p.getProperty(prefix + "hbase.zookeeper.property.clientPort"), prefix);
      assertEquals("/hbase-test", p.getProperty(prefix + "znodeParent"), prefix);
    }
    assertEquals(work.resolve("run/a1/channel-events/checkpoint").toString(),
        p.getProperty("a1.channels.events.checkpointDir"));
    assertEquals(work.resolve("run/a1/channel-events/data").toString(), p.getProperty("a1.channels.events.dataDirs"));
    assertEquals(work.resolve("run/n1/sink-receiver").toString(), p.getProperty("n1.sinks.receiver.directory"));
    String hdfs = work.resolve("run").resolve(Relocation.HDFS_DIR).toUri().toString().replaceAll("/$", "");
    assertEquals(hdfs + "/es/events/t=%{es.entityType}", p.getProperty("a1.sinks.land.hdfs.path"));
    assertEquals(hdfs + "/es/deadletter/dt=%Y-%m-%d", p.getProperty("a1.sinks.land.hdfs.deadLetterPath"),
        "the landing's dead letters follow it to the local file system");
    assertTrue(Files.isDirectory(work.resolve("run/n1/sink-receiver")));
    assertEquals(base.resolve("plans.csv").toString(), p.getProperty("a1.sources.http.interceptors.plans.file"),
        "the first base where the file exists");
    assertTrue(r.changes().contains("a1.sinks.hbase.notify.port: 41510 -> " + avro), r.changes().toString());
  }

  @Test
  void aSenderWhoseReceiverIsNotRunIsReported() {
    Relocation.Result r = Relocation.into(work).build().apply(twoAgents(), List.of("a1"));
    assertEquals(List.of("a1.sinks.hbase.notify.port = 41510 (a1.sinks.hbase.notify.hostname = 127.0.0.1)",
        "a1.sinks.fwd.port = 41510 (a1.sinks.fwd.hostname = localhost)").stream().sorted().toList(),
        r.unresolved().stream().sorted().toList());
    assertEquals("41510", r.properties().getProperty("a1.sinks.hbase.notify.port"));
    assertEquals("41510", r.properties().getProperty("n1.sources.avro.port"), "n1 is not moved");
  }

  @Test
  void mappingFilesFoundUnderABaseBecomeAbsoluteOthersAreLeftToTheComponent() throws Exception {
    Path home = Files.createDirectories(work.resolve("home2/conf/flume/mappings"));
    Files.writeString(home.resolve("feed.properties"), "entity.type = x\n");
    Properties p = new Properties();
    String[][] kv = {
        {"a1.sources", "http"}, {"a1.channels", "c"}, {"a1.sinks", "k"},
        {"a1.sources.http.type", "http"}, {"a1.sources.http.port", "41599"}, {"a1.sources.http.channels", "c"},
        {"a1.sources.http.handler", "io.eventstate.flume.interceptor.JsonHttpHandler"},
        {"a1.sources.http.handler.mapping.file", "conf/flume/mappings/feed.properties"},
        {"a1.sources.http.interceptors", "n m"},
        {"a1.sources.http.interceptors.n.type", "x"},
        {"a1.sources.http.interceptors.n.mapping.file", "conf/flume/mappings/feed.properties"},
        {"a1.sources.http.interceptors.m.type", "x"},
        {"a1.sources.http.interceptors.m.mapping.file", "conf/flume/mappings/elsewhere.properties"},
        {"a1.channels.c.type", "memory"}, {"a1.sinks.k.type", "logger"}, {"a1.sinks.k.channel", "c"},
    };
    for (String[] e : kv) {
      p.setProperty(e[0], e[1]);
    }
    Relocation.Result r = Relocation.into(work.resolve("run2")).resolveFilesAgainst(work.resolve("nowhere"),
        work.resolve("home2")).build().apply(AgentFile.of(p, "test"), List.of("a1"));
    Properties out = r.properties();
    assertEquals(home.resolve("feed.properties").toString(), out.getProperty("a1.sources.http.handler.mapping.file"));
    assertEquals(home.resolve("feed.properties").toString(), out.getProperty("a1.sources.http.interceptors.n.mapping.file"));
    assertEquals("conf/flume/mappings/elsewhere.properties", out.getProperty("a1.sources.http.interceptors.m.mapping.file"));
  }
}
