package io.eventstate.flume.sink;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.flume.Event;

import io.eventstate.testing.InProcessAgent;
import io.eventstate.testing.SharedMiniCluster;

/**
 * The smallest real agent around {@link EventSink}: HTTP source (Flume's stock JSONHandler, so tests send
 * events whose canonical headers they set themselves) on 127.0.0.1 → memory channel → EventSink on the
 * shared mini cluster. Built and started by the shared {@link InProcessAgent}; counters read through JMX.
 */
final class SinkAgent implements AutoCloseable {

  private static final AtomicInteger SEQ = new AtomicInteger();
  private static final ObjectMapper JSON = new ObjectMapper();

  final String sinkName;
  final String channelName;
  private final InProcessAgent agent;

  private SinkAgent(String sinkName, String channelName, InProcessAgent agent) {
    this.sinkName = sinkName;
    this.channelName = channelName;
    this.agent = agent;
  }

  /** Starts the agent with a sink writing to {@code table}; {@code extraSinkKeys} are added to the sink's keys. */
  static SinkAgent start(Path dir, String table, Map<String, String> extraSinkKeys) {
    int n = SEQ.incrementAndGet();
    String sink = "hbase" + n;
    String channel = "valid" + n;
    Properties p = new Properties();
    p.put("a1.sources", "http");
    p.put("a1.channels", channel);
    p.put("a1.sinks", sink);
    p.put("a1.sources.http.type", "http");
    p.put("a1.sources.http.channels", channel);
    p.put("a1.channels." + channel + ".type", "memory");
    p.put("a1.channels." + channel + ".capacity", "100000");
    p.put("a1.channels." + channel + ".transactionCapacity", "1000");
    p.put("a1.sinks." + sink + ".type", EventSink.class.getName());
    p.put("a1.sinks." + sink + ".channel", channel);
    p.put("a1.sinks." + sink + ".table", table);
    p.put("a1.sinks." + sink + ".batchSize", "100");
    p.put("a1.sinks." + sink + ".timeoutMs", "5000");
    p.put("a1.sinks." + sink + ".zookeeperQuorum", "127.0.0.1");
    p.put("a1.sinks." + sink + ".hbase.zookeeper.property.clientPort", Integer.toString(SharedMiniCluster.zkPort()));
    p.put("a1.sinks." + sink + ".hbase.client.retries.number", "3");
    extraSinkKeys.forEach((k, v) -> p.put("a1.sinks." + sink + "." + k, v));
    return new SinkAgent(sink, channel, InProcessAgent.fromProperties(p, "a1").workDir(dir.resolve("agent" + n))
        .dontAwaitStarted().start());
  }

  /** Posts events to the HTTP source in Flume's JSONHandler format; returns the HTTP status. Bodies must be UTF-8. */
  int send(List<Event> events) throws Exception {
    List<Map<String, Object>> payload = new ArrayList<>();
    for (Event e : events) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("headers", e.getHeaders());
      m.put("body", new String(e.getBody(), StandardCharsets.UTF_8));
      payload.add(m);
    }
    return agent.post("http", JSON.writeValueAsString(payload), "application/json; charset=UTF-8").statusCode();
  }

  long sinkCounter(String attribute) {
    return counterOrMinusOne("sink", sinkName, attribute);
  }

  long eventstateCounter(String attribute) {
    return counterOrMinusOne("other", sinkName, attribute);
  }

  long channelSize() {
    return counterOrMinusOne("channel", channelName, "ChannelSize");
  }

  /** -1 while the component's MBean is not registered yet (a sink whose start failed has none). */
  private static long counterOrMinusOne(String kind, String name, String attribute) {
    if (!InProcessAgent.registered(kind, name)) {
      return -1;
    }
    return InProcessAgent.counter(kind, name, attribute);
  }

  @Override
  public void close() {
    agent.close();
  }
}
