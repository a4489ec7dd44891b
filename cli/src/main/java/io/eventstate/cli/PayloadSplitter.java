package io.eventstate.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.source.http.HTTPBadRequestException;

import io.eventstate.core.json.JsonLineReader;
import io.eventstate.flume.interceptor.JsonLineDeserializer;
import io.eventstate.flume.interceptor.RawPayloadHandler;

/**
 * How a source turns one input line into events: an HTTP source whose handler is a
 * {@link RawPayloadHandler} runs that handler (one object, an array, NDJSON, exploded arrays) on each line;
 * every other source makes one event per line exactly as {@link JsonLineDeserializer} does in a spooling-directory
 * source (its {@code deserializer.*} limits, raw bytes, an over-long line one dead letter).
 */
abstract class PayloadSplitter {

  static final class RejectedPayloadException extends Exception {
    private static final long serialVersionUID = 1L;

    RejectedPayloadException(String reason) {
      super(reason);
    }
  }

  abstract List<Event> split(JsonLineReader.Line line) throws RejectedPayloadException;

  /** Request headers given on the command line ({@code --header}); only an HTTP handler's {@code headers.copy} reach events. */
  Map<String, String> requestHeaders = Map.of();

  /** The splitter of a mapping file ({@code normalize --mapping}): its handler keys, as an HTTP source would run them. */
  static PayloadSplitter forMapping(Path mapping) {
    io.eventstate.flume.interceptor.JsonHttpHandler handler = new io.eventstate.flume.interceptor.JsonHttpHandler();
    try {
      handler.configure(new Context(Map.of(io.eventstate.core.json.JsonMapping.CONFIG_MAPPING_FILE, mapping.toString())));
    } catch (RuntimeException e) {
      throw new CliException(mapping + ": " + e.getMessage());
    }
    return wrap(handler);
  }

  /** Exploded arrays that were empty so far (no event; the handler's {@code explode.empty} counter). */
  long emptyArrays() {
    return 0;
  }

  private static PayloadSplitter wrap(RawPayloadHandler handler) {
    return new PayloadSplitter() {
      @Override
      long emptyArrays() {
        return handler instanceof io.eventstate.flume.interceptor.JsonHttpHandler j && j.counters() != null
            ? j.counters().get(io.eventstate.flume.interceptor.JsonHttpHandler.COUNTER_EMPTY) : 0;
      }

      @Override
      List<Event> split(JsonLineReader.Line line) throws RejectedPayloadException {
        try {
          Map<String, String> h = handler instanceof io.eventstate.flume.interceptor.JsonHttpHandler j
              ? j.pick(requestHeaders) : Map.of();
          return handler.toEvents(line.body(), h);
        } catch (HTTPBadRequestException e) {
          throw new RejectedPayloadException(e.getMessage());
        }
      }
    };
  }

  /** Longest line taken whole (an HTTP payload line: its handler's own limit applies). */
  int maxLineBytes() {
    return Integer.MAX_VALUE - 16;
  }

  /** Bytes of an over-long line kept. */
  int deadLetterMaxBytes() {
    return 0;
  }

  /** Whether blank lines are skipped: they are by every source (JsonLineDeserializer, the HTTP handler). */
  boolean skipsBlankLines() {
    return true;
  }

  static PayloadSplitter forSource(AgentProperties agent, String source) {
    Map<String, String> params = agent.sourceParameters(source);
    String handlerClass = params.get("handler");
    if (!"http".equalsIgnoreCase(params.get("type")) && !"org.apache.flume.source.http.HTTPSource".equals(params.get("type"))
        || handlerClass == null) {
      Map<String, String> deserializer = new java.util.HashMap<>();
      params.forEach((k, v) -> {
        if (k.startsWith("deserializer.")) {
          deserializer.put(k.substring("deserializer.".length()), v);
        }
      });
      int[] limits;
      if (JsonLineDeserializer.Builder.class.getName().equals(params.get("deserializer"))) {
        try {
          limits = JsonLineDeserializer.limits(deserializer);
        } catch (RuntimeException e) {
          throw new CliException(agent.file() + ": source " + source + ": " + e.getMessage());
        }
      } else {
        limits = JsonLineDeserializer.limits(Map.of());
      }
      return new PayloadSplitter() {
        @Override
        List<Event> split(JsonLineReader.Line line) {
          return List.of(JsonLineDeserializer.event(line));
        }

        @Override
        int maxLineBytes() {
          return limits[0];
        }

        @Override
        int deadLetterMaxBytes() {
          return limits[1];
        }

      };
    }
    String key = agent.agent() + ".sources." + source + ".handler";
    Object instance;
    try {
      instance = Class.forName(handlerClass).getDeclaredConstructor().newInstance();
    } catch (ClassNotFoundException e) {
      throw new CliException(agent.file() + ": key " + key + " = " + handlerClass + ": class not found");
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new CliException(agent.file() + ": key " + key + " = " + handlerClass + ": cannot instantiate: " + e);
    }
    if (!(instance instanceof RawPayloadHandler handler)) {
      throw new CliException(agent.file() + ": key " + key + " = " + handlerClass
          + " cannot be run without an HTTP request; normalize supports io.eventstate.flume.interceptor.JsonHttpHandler");
    }
    java.util.HashMap<String, String> handlerKeys = new java.util.HashMap<>();
    params.forEach((k, v) -> {
      if (k.startsWith("handler.")) {
        handlerKeys.put(k.substring("handler.".length()), v);
      }
    });
    try {
      handler.configure(new Context(handlerKeys));
    } catch (RuntimeException e) {
      throw new CliException(agent.file() + ": handler of source " + source + ": " + e.getMessage());
    }
    return wrap(handler);
  }
}
