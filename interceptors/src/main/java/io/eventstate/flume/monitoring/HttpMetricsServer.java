package io.eventstate.flume.monitoring;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.apache.flume.Context;
import org.apache.flume.conf.ConfigurationException;
import org.apache.flume.instrumentation.MonitorService;
import org.apache.flume.instrumentation.util.JMXPollUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Flume's JSON metrics ({@code GET /metrics}: every counter group, as Flume's own {@code http} monitoring serves them)
 * on an address you choose. Flume's {@code HTTPMetricsServer} takes a port only and listens on every interface; this one
 * listens on {@code bind} (loopback by default), so counters are not exposed to the network unless you say so.
 *
 * <pre>
 * flume-ng agent ... -Dflume.monitoring.type=io.eventstate.flume.monitoring.HttpMetricsServer \
 *   -Dflume.monitoring.bind=127.0.0.1 -Dflume.monitoring.port=41414
 * </pre>
 *
 * <table>
 * <caption>Keys ({@code -Dflume.monitoring.<key>})</caption>
 * <tr><th>Key</th><th>Default</th><th>Description</th></tr>
 * <tr><td>{@code bind}</td><td>{@code 127.0.0.1}</td><td>Address to listen on; {@code 0.0.0.0} for every interface.</td></tr>
 * <tr><td>{@code port}</td><td>41414</td><td>Port (0: any free port).</td></tr>
 * </table>
 */
public class HttpMetricsServer implements MonitorService {

  private static final Logger LOG = LoggerFactory.getLogger(HttpMetricsServer.class);
  public static final String CONFIG_BIND = "bind";
  public static final String CONFIG_PORT = "port";
  public static final String DEFAULT_BIND = "127.0.0.1";
  public static final int DEFAULT_PORT = 41414;
  private static final Set<String> KEYS = Set.of(CONFIG_BIND, CONFIG_PORT, "type");
  private static final ObjectMapper JSON = new ObjectMapper();

  private InetAddress bind;
  private int port = DEFAULT_PORT;
  private HttpServer server;
  private ExecutorService executor;

  @Override
  public void configure(Context context) {
    for (String k : context.getParameters().keySet()) {
      if (!KEYS.contains(k)) {
        throw new ConfigurationException("HttpMetricsServer: unknown key flume.monitoring." + k + "; valid keys are "
            + "flume.monitoring.bind and flume.monitoring.port");
      }
    }
    String b = context.getString(CONFIG_BIND, DEFAULT_BIND).trim();
    try {
      bind = InetAddress.getByName(b);
    } catch (UnknownHostException e) {
      throw new ConfigurationException("HttpMetricsServer: key flume.monitoring.bind value was set to '" + b
          + "': not an address of this host; use 127.0.0.1, a local interface's address or 0.0.0.0");
    }
    String p = context.getString(CONFIG_PORT, Integer.toString(DEFAULT_PORT)).trim();
    try {
      port = Integer.parseInt(p);
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 0 || port > 65535) {
      throw new ConfigurationException("HttpMetricsServer: key flume.monitoring.port value was set to '" + p
          + "': must be a port from 0 to 65535");
    }
  }

  @Override
  public synchronized void start() {
    if (bind == null) {
      configure(new Context());
    }
    try {
      server = HttpServer.create(new InetSocketAddress(bind, port), 16);
    } catch (IOException e) {
      throw new IllegalStateException("HttpMetricsServer cannot listen on " + bind.getHostAddress() + ":" + port + ": " + e,
          e);
    }
    executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "eventstate-metrics-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
    LOG.info("Metrics as JSON on http://{}:{}/metrics", bind.getHostAddress(), server.getAddress().getPort());
  }

  /** The address actually listened on (after {@link #start()}). */
  public synchronized InetSocketAddress address() {
    return server == null ? null : server.getAddress();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      if (!"GET".equals(ex.getRequestMethod()) || !"/metrics".equals(ex.getRequestURI().getPath())) {
        ex.sendResponseHeaders(404, -1);
        return;
      }
      Map<String, Map<String, String>> all = new TreeMap<>(JMXPollUtil.getAllMBeans());
      byte[] body = JSON.writeValueAsBytes(all);
      ex.getResponseHeaders().add("Content-Type", "application/json;charset=utf-8");
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public synchronized void stop() {
    if (server != null) {
      server.stop(0);
      server = null;
    }
    if (executor != null) {
      executor.shutdownNow();
      executor = null;
    }
  }
}
