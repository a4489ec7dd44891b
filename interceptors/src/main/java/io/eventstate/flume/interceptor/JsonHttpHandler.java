package io.eventstate.flume.interceptor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.servlet.http.HttpServletRequest;

import org.apache.flume.Context;
import org.apache.flume.Event;

import org.apache.flume.event.EventBuilder;
import org.apache.flume.source.http.HTTPBadRequestException;
import org.apache.flume.source.http.HTTPSourceHandler;

import io.eventstate.core.json.JsonMapping;
import io.eventstate.core.json.JsonPayloadSplitter;
import io.eventstate.core.json.SplitterSpec;

/**
 * A handler for Flume's HTTP source that accepts raw JSON events: one object, an array of objects, or NDJSON,
 * each object becoming one Flume event whose body is the object's bytes. Optionally it explodes a nested array
 * into one event per element (see {@link SplitterSpec}: {@code explode.path}, {@code explode.copy}).
 *
 * <p>A malformed payload is rejected whole: {@link HTTPBadRequestException} with the reason, which Flume's
 * HTTP source answers with HTTP 400; none of its events reach the channel. A body in another declared
 * charset is converted to UTF-8; an unknown charset is a 400 too.
 *
 * <table>
 * <caption>Keys (given as {@code handler.<key>} on the source)</caption>
 * <tr><th>Key</th><th>Default</th><th>Description</th></tr>
 * <tr><td>{@code explode.path}</td><td>(none)</td><td>Pointer to the array to explode, e.g. {@code /events}.</td></tr>
 * <tr><td>{@code explode.copy}</td><td>(none)</td><td>Parent fields copied into each element: {@code session:/session}.</td></tr>
 * <tr><td>{@code limits.maxPayloadBytes}</td><td>16777216</td><td>Larger request bodies get 400.</td></tr>
 * <tr><td>{@code limits.maxEvents}</td><td>100000</td><td>Payloads giving more events get 400.</td></tr>
 * <tr><td>{@code limits.maxPayloadDepth}</td><td>128</td><td>Deeper nesting gets 400.</td></tr>
 * <tr><td>{@code mapping.file}</td><td>(none)</td><td>A mapping file whose splitter keys ({@code explode.*},
 *   {@code limits.*}) and {@code headers.copy} are read; keys given here win.</td></tr>
 * <tr><td>{@code name}</td><td>mapping file name, else {@code split}</td><td>Counter group {@code OTHER.<name>}:
 *   {@code payloads.in}, {@code payloads.rejected}, {@code events.out}, {@code explode.empty}.</td></tr>
 * <tr><td>{@code headers.copy}</td><td>(none)</td><td>Comma-separated request header names copied into every
 *   event's headers (same name); absent request headers are skipped. Nothing is copied by default.</td></tr>
 * </table>
 *
 * <pre>
 * a1.sources.http.type = http
 * a1.sources.http.bind = 127.0.0.1
 * a1.sources.http.port = 8080
 * a1.sources.http.handler = io.eventstate.flume.interceptor.JsonHttpHandler
 * a1.sources.http.handler.explode.path = /events
 * a1.sources.http.handler.explode.copy = session:/session
 * </pre>
 */
public class JsonHttpHandler implements HTTPSourceHandler, RawPayloadHandler {

  /** Request headers copied into each event. */
  public static final String CONFIG_HEADERS_COPY = "headers.copy";
  /** Counter group name ({@code OTHER.<name>}); defaults to the mapping file's name without extension, else {@code split}. */
  public static final String CONFIG_NAME = "name";
  /** Payloads received. */
  public static final String COUNTER_PAYLOADS = "payloads.in";
  /** Payloads answered 400. */
  public static final String COUNTER_REJECTED = "payloads.rejected";
  /** Events handed to the source. */
  public static final String COUNTER_EVENTS = "events.out";
  /** Exploded arrays that were empty: no event, counted here (an entity without history, say). */
  public static final String COUNTER_EMPTY = "explode.empty";

  private JsonPayloadSplitter splitter = new JsonPayloadSplitter(SplitterSpec.defaults());
  private List<String> copyHeaders = List.of();
  private EventstateCounters counters;

  /** The counter group (null before {@code configure}). */
  public EventstateCounters counters() {
    return counters;
  }

  @Override
  public void configure(Context context) {
    Map<String, String> props = new HashMap<>(context.getParameters());
    String mapping = props.get(JsonMapping.CONFIG_MAPPING_FILE);
    String name = props.remove(CONFIG_NAME);
    if (name == null) {
      name = mapping == null ? "split" : java.nio.file.Path.of(mapping.trim()).getFileName().toString()
          .replaceFirst("\\.properties$", "");
    }
    Map<String, String> own = props;
    props = new HashMap<>(FlumeConfiguration.parse("JsonHttpHandler (handler.* keys)",
        () -> JsonMapping.withFile(own, k -> SplitterSpec.KEYS.contains(k) || k.equals(CONFIG_HEADERS_COPY))));
    String hc = props.remove(CONFIG_HEADERS_COPY);
    List<String> names = new ArrayList<>();
    if (hc != null) {
      for (String h : hc.split(",")) {
        if (!h.trim().isEmpty()) {
          names.add(h.trim());
        }
      }
    }
    Map<String, String> sp = props;
    splitter = new JsonPayloadSplitter(FlumeConfiguration.parse("JsonHttpHandler (handler.* keys)",
        () -> SplitterSpec.parse(sp)));
    copyHeaders = List.copyOf(names);
    if (counters != null) {
      counters.stop();
    }
    counters = new EventstateCounters(org.apache.flume.instrumentation.MonitoredCounterGroup.Type.OTHER, name,
        COUNTER_PAYLOADS, COUNTER_REJECTED, COUNTER_EVENTS, COUNTER_EMPTY);
    counters.start();
  }

  @Override
  public List<Event> getEvents(HttpServletRequest request) throws HTTPBadRequestException, IOException {
    byte[] body = readBody(request, splitter.spec().maxPayloadBytes());
    String charset = request.getCharacterEncoding();
    if (charset != null && !isUtf8(charset)) {
      try {
        body = new String(body, Charset.forName(charset)).getBytes(StandardCharsets.UTF_8);
      } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
        throw new HTTPBadRequestException("unsupported charset '" + charset + "'; send UTF-8");
      }
    }
    Map<String, String> headers = new HashMap<>();
    for (String h : copyHeaders) {
      String v = request.getHeader(h);
      if (v != null) {
        headers.put(h, v);
      }
    }
    return toEvents(body, headers);
  }

  /**
   * The handler without HTTP: splits one UTF-8 payload into events carrying {@code requestHeaders} (the
   * configured {@code headers.copy} subset, already picked). {@code ./eventstate normalize} calls this.
   */
  @Override
  public List<Event> toEvents(byte[] payload, Map<String, String> requestHeaders) throws HTTPBadRequestException {
    JsonPayloadSplitter.Result r = splitter.split(payload);
    if (counters != null) {
      counters.increment(COUNTER_PAYLOADS);
    }
    if (!r.isOk()) {
      if (counters != null) {
        counters.increment(COUNTER_REJECTED);
      }
      throw new HTTPBadRequestException(r.reason());
    }
    if (counters != null) {
      counters.add(COUNTER_EVENTS, r.events().size());
      counters.add(COUNTER_EMPTY, r.emptyArrays());
    }
    List<Event> out = new ArrayList<>(r.events().size());
    for (byte[] e : r.events()) {
      out.add(EventBuilder.withBody(e, new HashMap<>(requestHeaders)));
    }
    return out;
  }

  /**
   * The request headers this handler copies ({@code headers.copy}), picked from {@code given} by name ignoring case as
   * HTTP does, under the configured spelling. {@code ./eventstate normalize --header} calls this.
   */
  public Map<String, String> pick(Map<String, String> given) {
    Map<String, String> out = new HashMap<>();
    for (String h : copyHeaders) {
      for (Map.Entry<String, String> e : given.entrySet()) {
        if (e.getKey().equalsIgnoreCase(h)) {
          out.put(h, e.getValue());
        }
      }
    }
    return out;
  }

  private static boolean isUtf8(String charset) {
    String c = charset.trim();
    return c.equalsIgnoreCase("UTF-8") || c.equalsIgnoreCase("UTF8");
  }

  private static byte[] readBody(HttpServletRequest request, int max) throws IOException, HTTPBadRequestException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    try (InputStream in = request.getInputStream()) {
      int n;
      while ((n = in.read(buf)) > 0) {
        if (out.size() + n > max) {
          throw new HTTPBadRequestException("payload is over limits.maxPayloadBytes=" + max + " bytes");
        }
        out.write(buf, 0, n);
      }
    }
    return out.toByteArray();
  }
}
