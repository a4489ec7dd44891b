package io.eventstate.core.rowkey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;
import io.eventstate.core.fsm.TestSupport;

class EventSinkSpecTest {

  private static void rejects(Map<String, String> p, String... mustMention) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EventSinkSpec.parse(p));
    for (String m : mustMention) {
      assertTrue(e.getMessage().contains(m), "'" + e.getMessage() + "' should mention " + m);
    }
  }

  @Test
  void defaults() {
    EventSinkSpec s = EventSinkSpec.parse(Map.of("type", "io.eventstate.flume.sink.EventSink", "channel", "c1"));
    assertEquals("eventstate", s.table());
    assertEquals(100, s.batchSize());
    assertEquals(30_000L, s.timeoutMs());
    assertEquals("SYNC_WAL", s.durability());
    assertNull(s.zookeeperQuorum());
    assertEquals(4, s.writeThreads());
    assertEquals(0, s.idlePollMs(), "Flume's own back-off unless asked");
    assertEquals("30000", s.clientProperties().get("hbase.client.operation.timeout"));
    assertEquals("30000", s.clientProperties().get("hbase.rpc.timeout"));
  }

  @Test
  void allKeysAndPassThrough() {
    EventSinkSpec s = EventSinkSpec.parse(TestSupport.props("""
        table = ns:events
        batchSize = 500
        timeoutMs = 5000
        durability = ASYNC_WAL
        writeThreads = 1
        idlePollMs = 50ms
        zookeeperQuorum = zk1:2181,zk2:2181
        znodeParent = /hbase-secure
        kerberosPrincipal = flume/_HOST@EXAMPLE.COM
        kerberosKeytab = /etc/flume.keytab
        hbase.client.retries.number = 3
        hbase.rpc.timeout = 2000
        """));
    Map<String, String> c = s.clientProperties();
    TestSupport.props("""
        hbase.zookeeper.quorum = zk1:2181,zk2:2181
        zookeeper.znode.parent = /hbase-secure
        hbase.client.retries.number = 3
        hbase.rpc.timeout = 2000
        hbase.client.operation.timeout = 5000
        hbase.client.keytab.principal = flume/_HOST@EXAMPLE.COM
        hbase.client.keytab.file = /etc/flume.keytab
        """).forEach((key, value) -> assertEquals(value, c.get(key), key));
    assertEquals(500, s.batchSize());
    assertEquals("ASYNC_WAL", s.durability());
    assertEquals(1, s.writeThreads());
    assertEquals(50, s.idlePollMs());
  }

  @Test
  void shouldRejectUnknownKeys() {
    rejects(Map.of("batchsize", "10"), "batchsize", "batchSize");
  }

  @Test
  void shouldRejectBadValues() {
    String[][] cases = { // key, value, what the message must name besides the key
        {"batchSize", "ten", "'ten'"}, {"batchSize", "0", "from 1"}, {"timeoutMs", "-5", "-5"},
        {"writeThreads", "100", "64"}, {"idlePollMs", "10s", "10s"}, {"durability", "sync", "SYNC_WAL"},
        {"table", "my table", "'my table'"}, {"znodeParent", "hbase", "/hbase"}, {"table", " ", "empty"}};
    for (String[] c : cases) {
      rejects(Map.of(c[0], c[1]), c[0], c[1].isBlank() ? c[0] : c[1], c[2]);
    }
  }

  @Test
  void shouldRejectHalfAKerberosLogin() {
    rejects(Map.of("kerberosPrincipal", "flume@X"), "kerberosPrincipal", "kerberosKeytab");
    rejects(Map.of("kerberosKeytab", "/k"), "kerberosPrincipal", "kerberosKeytab");
  }
}
