package io.eventstate.flume.interceptor;

import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.json.JsonLineReader;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.conf.ConfigurationException;
import org.apache.flume.event.EventBuilder;
import org.apache.flume.serialization.EventDeserializer;
import org.apache.flume.serialization.ResettableInputStream;

/**
 * A spooling-directory deserializer for JSON lines that never rewrites a byte: one event per line, its body the line's
 * bytes exactly as in the file (no charset decoding, so bytes that are not UTF-8 reach {@link NormalizingInterceptor},
 * which dead-letters the line with the offset of the bad byte, instead of Flume's {@code LineDeserializer} replacing
 * them with U+FFFD). A line longer than {@code maxLineLength} bytes is never cut into several events: it becomes one
 * event marked invalid ({@code es.status=invalid}, {@code es.stage=read}, {@code es.reason=limit: line of N bytes at
 * byte O is over ...}) that the normalizing interceptor counts and routes to the dead-letter channel; its body keeps the
 * first {@code deadLetter.maxBytes} bytes of the line (the whole line when it is not longer). Lines of nothing but
 * spaces and tabs carry no event and are skipped, as JSON-lines readers do.
 *
 * <pre>
 * a1.sources.wiki.type = spooldir
 * a1.sources.wiki.deserializer = io.eventstate.flume.interceptor.JsonLineDeserializer$Builder
 * a1.sources.wiki.deserializer.maxLineLength = 1048576
 * </pre>
 *
 * <table>
 * <caption>Keys (under {@code deserializer.})</caption>
 * <tr><th>Key</th><th>Default</th><th>Description</th></tr>
 * <tr><td>{@code maxLineLength}</td><td>1048576</td><td>Longest line in bytes taken as an event (the normalizer's
 *   default {@code limits.maxBodyBytes}).</td></tr>
 * <tr><td>{@code deadLetter.maxBytes}</td><td>4194304</td><td>Bytes of an over-long line kept in its dead letter.</td></tr>
 * </table>
 */
public class JsonLineDeserializer implements EventDeserializer {

  /** Longest line taken as an event, in bytes. */
  public static final String CONFIG_MAX_LINE_LENGTH = "maxLineLength";
  /** Bytes of an over-long line kept in its dead letter. */
  public static final String CONFIG_DEAD_LETTER_MAX_BYTES = "deadLetter.maxBytes";
  public static final int DEFAULT_MAX_LINE_LENGTH = 1 << 20;
  public static final int DEFAULT_DEAD_LETTER_MAX_BYTES = 4 << 20;
  private static final Set<String> KEYS = Set.of(CONFIG_MAX_LINE_LENGTH, CONFIG_DEAD_LETTER_MAX_BYTES);

  private final ResettableInputStream in;
  private final JsonLineReader reader;
  private boolean open = true;

  JsonLineDeserializer(ResettableInputStream in, int maxLineLength, int deadLetterMaxBytes) {
    this.in = in;
    this.reader = new JsonLineReader(chunks(in), maxLineLength, deadLetterMaxBytes);
  }

  /**
   * A Flume stream read in chunks: what a chunk holds past a line is given back by seeking (within the stream's
   * buffer), so the stream stands right after each line returned and {@code mark()} and {@code reset()} stay exact.
   */
  public static JsonLineReader.ChunkSource chunks(ResettableInputStream in) {
    return new JsonLineReader.ChunkSource() {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return in.read(b, off, len);
      }

      @Override
      public void unread(int n) throws IOException {
        if (n > 0) {
          in.seek(in.tell() - n);
        }
      }
    };
  }

  /** One event for one line read by {@link JsonLineReader}: the raw bytes, and the refusal of an over-long line. */
  public static Event event(JsonLineReader.Line line) {
    Map<String, String> headers = new HashMap<>();
    if (line.overLong()) {
      headers.put(EventHeaders.STATUS, EventHeaders.STATUS_INVALID);
      headers.put(EventHeaders.STAGE, NormalizingInterceptor.STAGE_READ);
      headers.put(EventHeaders.REASON, line.reason());
    }
    return EventBuilder.withBody(line.body(), headers);
  }

  @Override
  public Event readEvent() throws IOException {
    if (!open) {
      throw new IllegalStateException("deserializer is closed");
    }
    JsonLineReader.Line line;
    do {
      reader.position(in.tell());
      line = reader.next();
    } while (line != null && line.isBlank());
    return line == null ? null : event(line);
  }

  @Override
  public List<Event> readEvents(int numEvents) throws IOException {
    List<Event> out = new ArrayList<>(Math.min(numEvents, 1024));
    for (int i = 0; i < numEvents; i++) {
      Event e = readEvent();
      if (e == null) {
        break;
      }
      out.add(e);
    }
    return out;
  }

  @Override
  public void mark() throws IOException {
    in.mark();
  }

  @Override
  public void reset() throws IOException {
    in.reset();
  }

  @Override
  public void close() throws IOException {
    if (open) {
      open = false;
      in.close();
    }
  }

  /** Parses the keys; an unknown key or a bad number fails the source's start, naming the key. */
  public static int[] limits(Map<String, String> p) {
    for (String k : p.keySet()) {
      if (!KEYS.contains(k)) {
        throw new ConfigurationException("JsonLineDeserializer: unknown key 'deserializer." + k + "'; valid keys are "
            + "deserializer." + CONFIG_MAX_LINE_LENGTH + " and deserializer." + CONFIG_DEAD_LETTER_MAX_BYTES);
      }
    }
    return new int[] {number(p, CONFIG_MAX_LINE_LENGTH, DEFAULT_MAX_LINE_LENGTH),
        number(p, CONFIG_DEAD_LETTER_MAX_BYTES, DEFAULT_DEAD_LETTER_MAX_BYTES)};
  }

  private static int number(Map<String, String> p, String key, int def) {
    String v = p.get(key);
    if (v == null) {
      return def;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 1 && n <= (256 << 20)) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new ConfigurationException("JsonLineDeserializer: key 'deserializer." + key + "' value was set to '" + v
        + "': must be a number of bytes from 1 to " + (256 << 20));
  }

  /** Flume's builder: {@code deserializer = io.eventstate.flume.interceptor.JsonLineDeserializer$Builder}. */
  public static class Builder implements EventDeserializer.Builder {
    @Override
    public EventDeserializer build(Context context, ResettableInputStream in) {
      int[] l = limits(context.getParameters());
      return new JsonLineDeserializer(in, l[0], l[1]);
    }
  }
}
