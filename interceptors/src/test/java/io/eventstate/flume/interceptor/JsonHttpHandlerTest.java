package io.eventstate.flume.interceptor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.flume.Channel;
import org.apache.flume.ChannelSelector;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.Transaction;
import org.apache.flume.channel.ChannelProcessor;
import org.apache.flume.channel.ReplicatingChannelSelector;
import org.apache.flume.conf.ConfigurationException;
import org.apache.flume.conf.Configurables;
import org.apache.flume.source.http.HTTPSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import io.eventstate.testing.Channels;

/** The handler inside Flume's real HTTP source, reached over real HTTP. */
class JsonHttpHandlerTest {

  private HTTPSource source;
  private Channel channel;
  private int port;

  private void start(Map<String, String> handlerKeys) throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    channel = Channels.memory("mem", 10000, 10000);
    ChannelSelector selector = new ReplicatingChannelSelector();
    selector.setChannels(List.of(channel));
    source = new HTTPSource();
    source.setName("http");
    source.setChannelProcessor(new ChannelProcessor(selector));
    Map<String, String> p = new HashMap<>();
    p.put("bind", "127.0.0.1");
    p.put("port", Integer.toString(port));
    p.put("handler", JsonHttpHandler.class.getName());
    for (Map.Entry<String, String> e : handlerKeys.entrySet()) {
      p.put("handler." + e.getKey(), e.getValue());
    }
    Configurables.configure(source, new Context(p));
    source.start();
  }

  @AfterEach
  void stop() {
    if (source != null) {
      source.stop();
    }
    if (channel != null) {
      channel.stop();
    }
  }

  private int post(String body, String contentType, Map<String, String> headers) throws IOException {
    HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/").openConnection();
    c.setRequestMethod("POST");
    c.setDoOutput(true);
    c.setRequestProperty("Content-Type", contentType);
    headers.forEach(c::setRequestProperty);
    try (OutputStream o = c.getOutputStream()) {
      o.write(body.getBytes(StandardCharsets.UTF_8));
    }
    int code = c.getResponseCode();
    InputStream err = c.getErrorStream();
    if (err != null) {
      lastError = new String(err.readAllBytes(), StandardCharsets.UTF_8);
      err.close();
    }
    c.disconnect();
    return code;
  }

  private String lastError = "";

  private List<Event> drain() {
    List<Event> out = new ArrayList<>();
    Transaction tx = channel.getTransaction();
    tx.begin();
    Event e;
    while ((e = channel.take()) != null) {
      out.add(e);
    }
    tx.commit();
    tx.close();
    return out;
  }

  private static String body(Event e) {
    return new String(e.getBody(), StandardCharsets.UTF_8);
  }

  @Test
  void objectArrayAndNdjson() throws Exception {
    start(Map.of());
    assertEquals(200, post("{\"a\":1}", "application/json", Map.of()));
    assertEquals(200, post("[{\"a\":2},{\"a\":3}]", "application/json", Map.of()));
    assertEquals(200, post("{\"a\":4}\n{\"a\":5}\n", "application/x-ndjson", Map.of()));
    List<Event> es = drain();
    assertEquals(List.of("{\"a\":1}", "{\"a\":2}", "{\"a\":3}", "{\"a\":4}", "{\"a\":5}"),
        es.stream().map(JsonHttpHandlerTest::body).collect(java.util.stream.Collectors.toList()));
    assertTrue(es.get(0).getHeaders().isEmpty());
  }

  @Test
  void malformedPayloadIs400AndNothingIsAccepted() throws Exception {
    start(Map.of());
    assertEquals(400, post("{\"a\":1}\n{\"a\":2}\n{\"a\":", "application/json", Map.of()));
    assertTrue(lastError.contains("malformed JSON"), lastError);
    assertEquals(400, post("[{\"a\":1}, 7]", "application/json", Map.of()));
    assertTrue(lastError.contains("element 1 of the top-level array is a number"), lastError);
    assertEquals(400, post("", "application/json", Map.of()));
    assertEquals(400, post("[]", "application/json", Map.of()));
    assertTrue(lastError.contains("empty payload"), lastError);
    assertEquals(List.of(), drain());
  }

  @Test
  void explodesWithCopiedParentFieldsAndCopiesConfiguredHeaders() throws Exception {
    start(Map.of("explode.path", "/events", "explode.copy", "session:/session", "headers.copy", "X-Source, X-Absent"));
    String otto = "{\"session\":0,\"events\":[{\"aid\":1517085,\"ts\":1659304800025,\"type\":\"clicks\"},"
        + "{\"aid\":1563459,\"ts\":1659304904511,\"type\":\"carts\"}]}";
    assertEquals(200, post(otto, "application/json; charset=UTF-8", Map.of("X-Source", "otto", "X-Other", "no")));
    List<Event> es = drain();
    assertEquals(2, es.size());
    assertEquals("{\"aid\":1517085,\"ts\":1659304800025,\"type\":\"clicks\",\"session\":0}", body(es.get(0)));
    assertEquals("{\"aid\":1563459,\"ts\":1659304904511,\"type\":\"carts\",\"session\":0}", body(es.get(1)));
    assertEquals("otto", es.get(0).getHeaders().get("X-Source"));
    assertNull(es.get(0).getHeaders().get("X-Other"));
    assertNull(es.get(0).getHeaders().get("X-Absent"));

    assertEquals(400, post("{\"session\":1,\"events\":[{\"aid\":1},\"x\"]}", "application/json", Map.of()));
    assertTrue(lastError.contains("element 1 of /events is a string"), lastError);
    assertEquals(List.of(), drain());
  }

  @Test
  void payloadOverTheLimitIs400() throws Exception {
    start(Map.of("limits.maxPayloadBytes", "100"));
    assertEquals(400, post("{\"a\":\"" + "x".repeat(200) + "\"}", "application/json", Map.of()));
    assertTrue(lastError.contains("limits.maxPayloadBytes=100"), lastError);
    assertEquals(List.of(), drain());
  }

  @Test
  void shouldRejectUnknownHandlerKey() {
    JsonHttpHandler h = new JsonHttpHandler();
    String m = assertThrows(ConfigurationException.class, () -> h.configure(new Context(Map.of("explode.paht", "/e")))).getMessage();
    assertTrue(m.contains("unknown key 'explode.paht'") && m.contains("explode.path"), m);
  }

  @Test
  void shouldRejectBadExplodePath() {
    JsonHttpHandler h = new JsonHttpHandler();
    String m = assertThrows(ConfigurationException.class, () -> h.configure(new Context(Map.of("explode.path", "events")))).getMessage();
    assertTrue(m.contains("key 'explode.path'") && m.contains("'events'"), m);
  }
}
