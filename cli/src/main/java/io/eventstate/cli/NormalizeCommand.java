package io.eventstate.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import io.eventstate.core.json.JsonLineReader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.event.EventBuilder;
import org.apache.flume.interceptor.Interceptor;
import org.apache.flume.interceptor.InterceptorBuilderFactory;

/**
 * {@code ./eventstate normalize --conf FILE [--agent NAME] [--source NAME] [INPUT|-]}: raw JSON lines in,
 * one JSON line out per resulting event, through exactly the interceptor chain (and HTTP payload handler,
 * where the source has one) that the agent would run for that source. Exits 0 once the input was read,
 * whatever it contained; configuration errors exit 2 with one line naming the key.
 */
final class NormalizeCommand {

  private static final JsonFactory JSON = new JsonFactory();

  private NormalizeCommand() {
  }

  static int run(String[] args, PrintStream out) {
    return run(args, out, System.err);
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    Options o = Options.parse(args, Set.of("conf", "agent", "source", "mapping", "header"), Set.of("whole"));
    if (o.positional().size() > 1) {
      throw new CliException("give at most one INPUT file (or - for stdin), got " + o.positional());
    }
    List<Interceptor> chain;
    PayloadSplitter splitter;
    if (o.has("mapping")) {
      for (String k : List.of("conf", "agent", "source")) {
        if (o.has(k)) {
          throw new CliException("--mapping runs one mapping file alone; drop --" + k + " (or drop --mapping to run an "
              + "agent's source)");
        }
      }
      Path mapping = Path.of(o.get("mapping"));
      if (!Files.isRegularFile(mapping)) {
        throw new CliException("mapping file not found: " + mapping);
      }
      Interceptor.Builder b = new io.eventstate.flume.interceptor.NormalizingInterceptor.Builder();
      try {
        b.configure(new Context(Map.of(io.eventstate.core.json.JsonMapping.CONFIG_MAPPING_FILE, mapping.toString(),
            "name", "normalize")));
      } catch (RuntimeException e) {
        throw new CliException(mapping + ": " + e.getMessage());
      }
      Interceptor i = b.build();
      i.initialize();
      chain = List.of(i);
      splitter = PayloadSplitter.forMapping(mapping);
    } else {
      Path conf = Path.of(o.get("conf", Launcher.home().resolve("conf/flume/eventstate.properties").toString()));
      AgentProperties agent = AgentProperties.load(conf, o.get("agent", "a1"));
      String source = o.get("source", agent.sources().get(0));
      if (!agent.sources().contains(source)) {
        throw new CliException(conf + ": agent " + agent.agent() + " has no source '" + source + "'; sources: " + agent.sources());
      }
      chain = buildChain(agent, source);
      splitter = PayloadSplitter.forSource(agent, source);
    }
    Map<String, String> requestHeaders = new java.util.LinkedHashMap<>();
    for (String h : o.all("header")) {
      int c = h.indexOf(':');
      if (c <= 0) {
        throw new CliException("--header '" + h + "' must be NAME: VALUE, e.g. --header 'X-GitHub-Event: issues'");
      }
      requestHeaders.put(h.substring(0, c).trim(), h.substring(c + 1).trim());
    }
    splitter.requestHeaders = requestHeaders;
    boolean whole = o.has("whole");
    String input = o.positional().isEmpty() ? "-" : o.positional().get(0);
    try (InputStream in = new java.io.BufferedInputStream(open(input), 1 << 16);
         JsonGenerator g = JSON.createGenerator(out)) {
      g.setRootValueSeparator(null);
      // bytes as the sources read them: never decoded (bad UTF-8 stays bad and is refused by the normalizer), and a
      // spooling-directory line over the deserializer's limit is one dead letter, never cut into events
      JsonLineReader reader = whole ? null
          : new JsonLineReader(in::read, splitter.maxLineBytes(), splitter.deadLetterMaxBytes());
      JsonLineReader.Line line;
      long lineNo = 0;
      boolean first = true;
      while ((line = whole ? wholeInput(in, first) : reader.next()) != null) {
        first = false;
        lineNo++;
        if (splitter.skipsBlankLines() && line.isBlank()) {
          continue;
        }
        List<Event> events;
        try {
          events = splitter.split(line);
        } catch (PayloadSplitter.RejectedPayloadException e) {
          writeRejected(g, lineNo, e.getMessage());
          continue;
        }
        for (Event event : events) {
          List<Event> results = new ArrayList<>(List.of(event));
          for (Interceptor i : chain) {
            results = i.intercept(new ArrayList<>(results));
            if (results == null || results.isEmpty()) {
              break;
            }
          }
          if (results == null || results.isEmpty()) {
            writeResult(g, lineNo, null);
          } else {
            for (Event r : results) {
              writeResult(g, lineNo, r);
            }
          }
        }
      }
      if (splitter.emptyArrays() > 0) {
        err.println("normalize: " + splitter.emptyArrays() + " exploded array(s) were empty and gave no event "
            + "(counter explode.empty)");
      }
    } catch (IOException e) {
      throw new CliException("cannot read " + input + ": " + e.getMessage());
    } finally {
      for (Interceptor i : chain) {
        i.close();
      }
    }
    return 0;
  }

  /** The whole input as one payload ({@code --whole}: a pretty-printed response over many lines), once. */
  private static JsonLineReader.Line wholeInput(InputStream in, boolean first) throws IOException {
    if (!first) {
      return null;
    }
    byte[] all = in.readAllBytes();
    return new JsonLineReader.Line(all, all.length, 0, null);
  }

  private static InputStream open(String input) throws IOException {
    if (input.equals("-")) {
      return System.in;
    }
    try {
      return Files.newInputStream(Path.of(input));
    } catch (NoSuchFileException e) {
      throw new CliException("input file not found: " + input);
    }
  }

  static List<Interceptor> buildChain(AgentProperties agent, String source) {
    List<Interceptor> chain = new ArrayList<>();
    for (AgentProperties.Component c : agent.interceptors(source)) {
      String key = agent.agent() + ".sources." + source + ".interceptors." + c.name();
      Interceptor.Builder builder;
      try {
        builder = InterceptorBuilderFactory.newInstance(c.type());
      } catch (ClassNotFoundException e) {
        throw new CliException(agent.file() + ": key " + key + ".type = " + c.type() + ": class not found; use the builder's full name, e.g. io.eventstate.flume.interceptor.NormalizingInterceptor$Builder");
      } catch (ReflectiveOperationException | RuntimeException e) {
        throw new CliException(agent.file() + ": key " + key + ".type = " + c.type() + ": cannot instantiate: " + e);
      }
      try {
        builder.configure(new Context(new HashMap<>(c.parameters())));
      } catch (RuntimeException e) {
        throw new CliException(agent.file() + ": interceptor " + key + ": " + e.getMessage());
      }
      Interceptor interceptor = builder.build();
      interceptor.initialize();
      chain.add(interceptor);
    }
    return chain;
  }

  private static void writeRejected(JsonGenerator g, long line, String reason) throws IOException {
    g.writeStartObject();
    g.writeNumberField("line", line);
    g.writeStringField("status", "rejected");
    g.writeStringField("reason", reason);
    g.writeEndObject();
    g.flush();
    g.writeRaw('\n');
  }

  private static void writeResult(JsonGenerator g, long line, Event e) throws IOException {
    g.writeStartObject();
    g.writeNumberField("line", line);
    if (e == null) {
      g.writeStringField("status", "dropped");
    } else {
      Map<String, String> headers = new TreeMap<>(e.getHeaders());
      g.writeStringField("status", headers.getOrDefault("es.status", "unknown"));
      String reason = headers.get("es.reason");
      if (reason != null) {
        g.writeStringField("reason", reason);
      }
      g.writeObjectFieldStart("headers");
      for (Map.Entry<String, String> h : headers.entrySet()) {
        g.writeStringField(h.getKey(), h.getValue());
      }
      g.writeEndObject();
      String text = utf8OrNull(e.getBody());
      if (text != null) {
        g.writeStringField("body", text);
      } else {
        g.writeStringField("bodyBase64", Base64.getEncoder().encodeToString(e.getBody()));
      }
    }
    g.writeEndObject();
    g.flush();
    g.writeRaw('\n');
  }

  private static String utf8OrNull(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  static Event event(byte[] body) {
    return EventBuilder.withBody(body, new HashMap<>());
  }
}
