package io.eventstate.flume.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import org.apache.flume.Context;
import org.apache.flume.conf.ConfigurationException;
import org.apache.flume.instrumentation.SinkCounter;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class HttpMetricsServerTest {

  @Test
  void servesFlumeCountersOnTheConfiguredLoopbackAddressOnly() throws Exception {
    SinkCounter counter = new SinkCounter("metrics-test-sink");
    counter.start();
    counter.addToEventDrainSuccessCount(7);
    HttpMetricsServer server = new HttpMetricsServer();
    server.configure(new Context(Map.of("bind", "127.0.0.1", "port", "0")));
    server.start();
    try {
      InetSocketAddress a = server.address();
      assertEquals("127.0.0.1", a.getAddress().getHostAddress(), "not every interface");
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + "/metrics"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      JsonNode json = new ObjectMapper().readTree(r.body());
      assertEquals("7", json.path("SINK.metrics-test-sink").path("EventDrainSuccessCount").asText(), r.body());
      assertEquals(404, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + "/other")).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode());
    } finally {
      server.stop();
      counter.stop();
    }
  }

  @Test
  void defaultsToLoopbackAndRejectsBadKeys() {
    HttpMetricsServer s = new HttpMetricsServer();
    s.configure(new Context(Map.of("port", "0")));
    s.start();
    try {
      assertTrue(s.address().getAddress().isLoopbackAddress());
    } finally {
      s.stop();
    }
    assertTrue(assertThrows(ConfigurationException.class, () -> new HttpMetricsServer().configure(
        new Context(Map.of("prot", "1")))).getMessage().contains("flume.monitoring.prot"));
    assertTrue(assertThrows(ConfigurationException.class, () -> new HttpMetricsServer().configure(
        new Context(Map.of("port", "70000")))).getMessage().contains("'70000'"));
  }
}
