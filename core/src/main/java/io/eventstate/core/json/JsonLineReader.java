package io.eventstate.core.json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * Cuts a byte stream into lines, byte for byte: nothing is decoded, so bytes that are not UTF-8 reach the normalizer
 * exactly as they were written (and it refuses them, with the offset), never replaced by U+FFFD. A line ends at
 * {@code \n}; a {@code \r} right before it belongs to the terminator. A line longer than {@code maxLineBytes} is never
 * cut into several events: it is one {@link Line} marked {@link Line#overLong()}, whose body keeps its first
 * {@code maxKeptBytes} bytes (the rest is read and counted, not kept), so that it is dead-lettered as one event with its
 * length and offset in the reason.
 *
 * <p>Used by the spooling-directory deserializer ({@code JsonLineDeserializer}) and by {@code ./eventstate normalize},
 * so that both read input the same way. It reads one byte at a time from its source and keeps nothing between lines,
 * so a Flume stream's mark and reset stay exact.
 */
public final class JsonLineReader {

  /** Where the bytes come from: {@code read()} returns the next byte (0..255) or -1 at the end. */
  @FunctionalInterface
  public interface ByteSource {
    int read() throws IOException;
  }

  /**
   * One line.
   *
   * @param body   the line's bytes without its terminator (the first {@code maxKeptBytes} of an over-long line)
   * @param length the line's length in bytes without its terminator
   * @param offset the byte offset of the line's first byte in the stream (counted from where this reader started)
   * @param reason null for a line within the limit, else {@code limit: ...} naming the length and the limit
   */
  public record Line(byte[] body, long length, long offset, String reason) {
    public boolean overLong() {
      return reason != null;
    }

    /** True for an empty line or one of nothing but spaces and tabs (never over-long). */
    public boolean isBlank() {
      if (overLong()) {
        return false;
      }
      for (byte b : body) {
        if (b != ' ' && b != '\t' && b != '\r') {
          return false;
        }
      }
      return true;
    }
  }

  /** The reason class of an over-long line (the normalizer's {@code limit}). */
  public static final String REASON_CLASS = NormalizeResult.LIMIT;

  private final ByteSource in;
  private final int maxLineBytes;
  private final int maxKeptBytes;
  private long position;

  /**
   * @param in           the bytes
   * @param maxLineBytes longest line taken as an event
   * @param maxKeptBytes bytes of an over-long line kept in its dead letter (at least 0)
   */
  public JsonLineReader(ByteSource in, int maxLineBytes, int maxKeptBytes) {
    if (maxLineBytes < 1 || maxKeptBytes < 0) {
      throw new IllegalArgumentException("maxLineBytes must be positive and maxKeptBytes not negative");
    }
    this.in = in;
    this.maxLineBytes = maxLineBytes;
    this.maxKeptBytes = maxKeptBytes;
  }

  /** Starts counting offsets from {@code offset} (e.g. after a Flume stream was positioned). */
  public void position(long offset) {
    this.position = offset;
  }

  /** The next line, or null at the end of the stream. A last line without {@code \n} is a line. */
  public Line next() throws IOException {
    long start = position;
    ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
    long length = 0;
    boolean pendingCr = false;
    int b;
    while ((b = in.read()) >= 0) {
      position++;
      if (b == '\n') {
        return line(buf, length, start);
      }
      if (pendingCr) {
        keep(buf, length, '\r');
        length++;
      }
      pendingCr = b == '\r';
      if (!pendingCr) {
        keep(buf, length, b);
        length++;
      }
    }
    if (pendingCr) {
      keep(buf, length, '\r');
      length++;
    }
    if (length == 0 && position == start) {
      return null;
    }
    return line(buf, length, start);
  }

  private void keep(ByteArrayOutputStream buf, long length, int b) {
    if (length < Math.max(maxLineBytes, maxKeptBytes)) {
      buf.write(b);
    }
  }

  private Line line(ByteArrayOutputStream buf, long length, long start) {
    if (length <= maxLineBytes) {
      return new Line(buf.toByteArray(), length, start, null);
    }
    byte[] all = buf.toByteArray();
    byte[] kept = all.length > maxKeptBytes ? java.util.Arrays.copyOf(all, maxKeptBytes) : all;
    return new Line(kept, length, start, REASON_CLASS + ": line of " + length + " bytes at byte " + start
        + " is over the line limit of " + maxLineBytes + " bytes (kept whole as one dead letter"
        + (kept.length < length ? ", its first " + kept.length + " bytes in the body" : "") + ")");
  }
}
