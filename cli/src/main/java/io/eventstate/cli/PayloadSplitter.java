package io.eventstate.cli;

import java.util.List;
import java.util.Map;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.source.http.HTTPBadRequestException;

import io.eventstate.flume.interceptor.RawPayloadHandler;

/**
 * How a source turns one input line into events: an HTTP source whose handler is a
 * {@link RawPayloadHandler} runs that handler (one object, an array, NDJSON, exploded arrays);
 * every other source makes one event per line, as the spooling-directory source's line deserializer does.
 */
abstract class PayloadSplitter {

  static final class RejectedPayloadException extends Exception {
    private static final long serialVersionUID = 1L;

    RejectedPayloadException(String reason) {
      super(reason);
    }
  }

  abstract List<Event> split(byte[] line) throws RejectedPayloadException;

  static PayloadSplitter forSource(AgentProperties agent, String source) {
    Map<String, String> params = agent.sourceParameters(source);
    String handlerClass = params.get("handler");
    if (!"http".equalsIgnoreCase(params.get("type")) && !"org.apache.flume.source.http.HTTPSource".equals(params.get("type"))
        || handlerClass == null) {
      return new PayloadSplitter() {
        @Override
        List<Event> split(byte[] line) {
          return List.of(NormalizeCommand.event(line));
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
    return new PayloadSplitter() {
      @Override
      List<Event> split(byte[] line) throws RejectedPayloadException {
        try {
          return handler.toEvents(line, Map.of());
        } catch (HTTPBadRequestException e) {
          throw new RejectedPayloadException(e.getMessage());
        }
      }
    };
  }
}
