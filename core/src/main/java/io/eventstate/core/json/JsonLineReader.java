package io.eventstate.core.json;

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
 * so that both read input the same way. It reads its source in chunks ({@link ChunkSource}) and gives back what it read
 * past the end of a line before returning it, so it keeps nothing between lines and a Flume stream's mark and reset
 * stay exact. A {@link ByteSource} is read one byte at a time.
 */
public final class JsonLineReader {

  /** Where the bytes come from: {@code read()} returns the next byte (0..255) or -1 at the end. */
  @FunctionalInterface
  public interface ByteSource {
    int read() throws IOException;
  }

  /** Where the bytes come from, several at a time, with a way to give back those read past a line. */
  public interface ChunkSource {
    /** Reads up to {@code len} bytes into {@code b} at {@code off}: how many, 0 or -1 at the end. */
    int read(byte[] b, int off, int len) throws IOException;

    /** Gives back the last {@code n} bytes read: the next read returns them again. */
    void unread(int n) throws IOException;
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

  /** Bytes asked of a {@link ChunkSource} at a time: a few lines of a typical event stream. */
  static final int CHUNK = 4096;
  /** Line buffer kept between lines; a longer line's buffer is let go once the line is returned. */
  private static final int RETAINED = 64 << 10;

  private final ChunkSource in;
  private final byte[] chunk;
  private final int maxLineBytes;
  private final int maxKeptBytes;
  /** Bytes of a line kept: the line limit or the dead-letter allowance, whichever is larger. */
  private final int keepLimit;
  private byte[] kept = new byte[256];
  private long position;

  /**
   * @param in           the bytes, one at a time
   * @param maxLineBytes longest line taken as an event
   * @param maxKeptBytes bytes of an over-long line kept in its dead letter (at least 0)
   */
  public JsonLineReader(ByteSource in, int maxLineBytes, int maxKeptBytes) {
    this(new ChunkSource() {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int c = in.read();
        if (c < 0) {
          return -1;
        }
        b[off] = (byte) c;
        return 1;
      }

      @Override
      public void unread(int n) {
        if (n != 0) {
          throw new IllegalStateException("a byte source reads one byte at a time: nothing to give back");
        }
      }
    }, maxLineBytes, maxKeptBytes, 1);
  }

  /**
   * @param in           the bytes, in chunks
   * @param maxLineBytes longest line taken as an event
   * @param maxKeptBytes bytes of an over-long line kept in its dead letter (at least 0)
   */
  public JsonLineReader(ChunkSource in, int maxLineBytes, int maxKeptBytes) {
    this(in, maxLineBytes, maxKeptBytes, CHUNK);
  }

  JsonLineReader(ChunkSource in, int maxLineBytes, int maxKeptBytes, int chunkBytes) {
    if (maxLineBytes < 1 || maxKeptBytes < 0) {
      throw new IllegalArgumentException("maxLineBytes must be positive and maxKeptBytes not negative");
    }
    this.in = in;
    this.chunk = new byte[chunkBytes];
    this.maxLineBytes = maxLineBytes;
    this.maxKeptBytes = maxKeptBytes;
    this.keepLimit = Math.max(maxLineBytes, maxKeptBytes);
  }

  /** Starts counting offsets from {@code offset} (e.g. after a Flume stream was positioned). */
  public void position(long offset) {
    this.position = offset;
  }

  /** The next line, or null at the end of the stream. A last line without {@code \n} is a line. */
  public Line next() throws IOException {
    long start = position;
    long length = 0; // bytes of the line so far, terminator excluded, a trailing \r included
    int keptLen = 0;
    byte last = 0;
    int n;
    while ((n = in.read(chunk, 0, chunk.length)) > 0) {
      int end = 0;
      while (end < n && chunk[end] != '\n') {
        end++;
      }
      if (end > 0) {
        int keep = (int) Math.min(end, Math.max(0, keepLimit - length));
        if (keep > 0) {
          if (keptLen + keep > kept.length) {
            kept = java.util.Arrays.copyOf(kept, Math.max(kept.length * 2, keptLen + keep));
          }
          System.arraycopy(chunk, 0, kept, keptLen, keep);
          keptLen += keep;
        }
        length += end;
        last = chunk[end - 1];
      }
      if (end < n) { // the line ends here: give back what follows its \n
        in.unread(n - end - 1);
        position = start + length + 1;
        if (length > 0 && last == '\r') { // the \r before \n belongs to the terminator
          length--;
          keptLen = (int) Math.min(keptLen, length);
        }
        return line(keptLen, length, start);
      }
    }
    position = start + length;
    if (length == 0) {
      return null;
    }
    return line(keptLen, length, start);
  }

  private Line line(int keptLen, long length, long start) {
    Line line;
    if (length <= maxLineBytes) {
      line = new Line(java.util.Arrays.copyOf(kept, (int) length), length, start, null);
    } else {
      line = overLong(keptLen, length, start);
    }
    if (kept.length > RETAINED) { // a rare long line: do not hold its buffer for the rest of the stream
      kept = new byte[256];
    }
    return line;
  }

  private Line overLong(int keptLen, long length, long start) {
    byte[] body = java.util.Arrays.copyOf(kept, Math.min(keptLen, maxKeptBytes));
    return new Line(body, length, start, REASON_CLASS + ": line of " + length + " bytes at byte " + start
        + " is over the line limit of " + maxLineBytes + " bytes (kept whole as one dead letter"
        + (body.length < length ? ", its first " + body.length + " bytes in the body" : "") + ")");
  }

}
