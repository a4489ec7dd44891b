package io.eventstate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

/** {@code run} resends a payload the source answered 503 (channel full) and names it; it never reports it as 400. */
class Retry503Test {

  @Test
  void a503IsResentWithBackoffUntilAcceptedAndNamed() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
    server.createContext("/", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.sendResponseHeaders(calls.incrementAndGet() <= 3 ? 503 : 200, -1);
      ex.close();
    });
    server.start();
    try {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      Map<String, int[]> retries = new TreeMap<>();
      HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"))
          .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
      int status = AgentRun.postRetrying503(HttpClient.newHttpClient(), req, "web", retries,
          new PrintStream(err, true, StandardCharsets.UTF_8));
      assertEquals(200, status);
      assertEquals(4, calls.get(), "three 503s, then accepted");
      assertEquals(3, retries.get("web")[0]);
      assertTrue(err.toString(StandardCharsets.UTF_8).contains("HTTP 503 (channel full)"), err.toString());
    } finally {
      server.stop(0);
    }
  }
}
