package io.eventstate.flume.sink;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import javax.management.ObjectName;

import org.apache.flume.Event;
import org.apache.flume.node.Application;
import org.apache.flume.node.MaterializedConfiguration;
import org.apache.flume.node.PropertiesFileConfigurationProvider;

/**
 * A real Flume agent in this JVM, built from a properties file: HTTP source (JSONHandler) on 127.0.0.1 →
 * memory channel → EventSink. Counters are read the way Flume monitoring reads them, through JMX.
 */
final class InProcessAgent implements AutoCloseable {

  private static final AtomicInteger SEQ = new AtomicInteger();
  private static final ObjectMapper JSON = new ObjectMapper();

  final String sinkName;
  final String channelName;
  final int port;
  private final Application application;
  private final HttpClient http = HttpClient.newHttpClient();

  private InProcessAgent(String sinkName, String channelName, int port, Application application) {
    this.sinkName = sinkName;
    this.channelName = channelName;
    this.port = port;
    this.application = application;
  }

  /** Writes the properties file and starts the agent. */
  static InProcessAgent start(Path dir, String table, Map<String, String> extraSinkKeys) throws IOException {
    int n = SEQ.incrementAndGet();
    String sink = "hbase" + n;
    String channel = "valid" + n;
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Map<String, String> p = new LinkedHashMap<>();
    p.put("a1.sources", "http");
    p.put("a1.channels", channel);
    p.put("a1.sinks", sink);
    p.put("a1.sources.http.type", "http");
    p.put("a1.sources.http.bind", "127.0.0.1");
    p.put("a1.sources.http.port", Integer.toString(port));
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
    p.put("a1.sinks." + sink + ".hbase.zookeeper.property.clientPort", Integer.toString(HBaseMiniCluster.zkPort()));
    p.put("a1.sinks." + sink + ".hbase.client.retries.number", "3");
    for (Map.Entry<String, String> e : extraSinkKeys.entrySet()) {
      p.put("a1.sinks." + sink + "." + e.getKey(), e.getValue());
    }
    StringBuilder text = new StringBuilder();
    p.forEach((k, v) -> text.append(k).append(" = ").append(v).append('\n'));
    File file = dir.resolve("agent" + n + ".properties").toFile();
    Files.writeString(file.toPath(), text, StandardCharsets.UTF_8);
    MaterializedConfiguration conf = new PropertiesFileConfigurationProvider("a1", file).getConfiguration();
    if (conf.getSinkRunners().size() != 1 || conf.getSourceRunners().size() != 1) {
      throw new IllegalStateException("agent configuration was rejected: " + text);
    }
    Application app = new Application();
    app.handleConfigurationEvent(conf);
    InProcessAgent agent = new InProcessAgent(sink, channel, port, app);
    // Flume's supervisor starts components asynchronously: wait until the HTTP source listens.
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", agent.port)) {
        return true;
      }
    });
    return agent;
  }

  /** Posts events to the HTTP source; returns the HTTP status. Bodies must be UTF-8 text. */
  int send(List<Event> events) throws Exception {
    List<Map<String, Object>> payload = new ArrayList<>();
    for (Event e : events) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("headers", e.getHeaders());
      m.put("body", new String(e.getBody(), StandardCharsets.UTF_8));
      payload.add(m);
    }
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
        .header("Content-Type", "application/json; charset=UTF-8")
        .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(payload))).build();
    return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  long sinkCounter(String attribute) {
    return jmx("org.apache.flume.sink:type=" + sinkName, attribute);
  }

  long eventstateCounter(String attribute) {
    return jmx("org.apache.flume.other:type=" + sinkName, attribute);
  }

  long channelSize() {
    return jmx("org.apache.flume.channel:type=" + channelName, "ChannelSize");
  }

  /** All Flume MBeans, for failure messages. */
  static String flumeMBeans() {
    try {
      return ManagementFactory.getPlatformMBeanServer().queryNames(new ObjectName("org.apache.flume.*:*"), null).toString();
    } catch (Exception e) {
      return e.toString();
    }
  }

  private static long jmx(String name, String attribute) {
    try {
      ObjectName on = new ObjectName(name);
      if (!ManagementFactory.getPlatformMBeanServer().isRegistered(on)) {
        return -1;
      }
      return ((Number) ManagementFactory.getPlatformMBeanServer().getAttribute(on, attribute)).longValue();
    } catch (Exception e) {
      throw new IllegalStateException("JMX " + name + " " + attribute, e);
    }
  }

  @Override
  public void close() {
    application.stop();
  }
}
