package io.eventstate.core.json;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class JsonLineReaderTest {

  /** The lines of a byte source; every case is also read in chunks of several sizes, which must agree. */
  private static List<JsonLineReader.Line> lines(byte[] input, int max, int kept) throws IOException {
    ByteArrayInputStream in = new ByteArrayInputStream(input);
    List<JsonLineReader.Line> bytes = all(new JsonLineReader(in::read, max, kept));
    for (int chunk : new int[] {1, 2, 3, 7, 64, JsonLineReader.CHUNK}) {
      assertEquals(describe(bytes), describe(all(new JsonLineReader(new Chunks(input), max, kept, chunk))),
          "chunks of " + chunk);
    }
    return bytes;
  }

  private static List<JsonLineReader.Line> all(JsonLineReader r) throws IOException {
    List<JsonLineReader.Line> out = new ArrayList<>();
    for (JsonLineReader.Line l; (l = r.next()) != null; ) {
      out.add(l);
    }
    return out;
  }

  private static List<String> describe(List<JsonLineReader.Line> lines) {
    List<String> out = new ArrayList<>();
    for (JsonLineReader.Line l : lines) {
      out.add(java.util.Arrays.toString(l.body()) + " " + l.length() + " " + l.offset() + " " + l.reason());
    }
    return out;
  }

  /** A chunk source over an array that checks that every byte given back was read. */
  private static final class Chunks implements JsonLineReader.ChunkSource {
    private final byte[] data;
    private int pos;
    private int lastRead;

    Chunks(byte[] data) {
      this.data = data;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      int n = Math.min(len, data.length - pos);
      if (n <= 0) {
        lastRead = 0;
        return -1;
      }
      System.arraycopy(data, pos, b, off, n);
      pos += n;
      lastRead = n;
      return n;
    }

    @Override
    public void unread(int n) {
      assertTrue(n >= 0 && n <= lastRead, "gives back " + n + " of the " + lastRead + " bytes just read");
      pos -= n;
      lastRead = 0;
    }
  }

  /** What the reader must do, written as plainly as possible: split at \n, drop a \r before it, cut the body. */
  private static List<String> reference(byte[] input, int max, int kept) {
    List<String> out = new ArrayList<>();
    int start = 0;
    while (start < input.length) {
      int nl = start;
      while (nl < input.length && input[nl] != '\n') {
        nl++;
      }
      int end = nl < input.length && nl > start && input[nl - 1] == '\r' ? nl - 1 : nl;
      int length = end - start;
      byte[] line = java.util.Arrays.copyOfRange(input, start, end);
      byte[] body = length <= max ? line : java.util.Arrays.copyOf(line, Math.min(length, kept));
      String reason = length <= max ? null : "limit: line of " + length + " bytes at byte " + start
          + " is over the line limit of " + max + " bytes (kept whole as one dead letter"
          + (body.length < length ? ", its first " + body.length + " bytes in the body" : "") + ")";
      out.add(java.util.Arrays.toString(body) + " " + length + " " + start + " " + reason);
      start = nl + 1;
    }
    return out;
  }

  @Test
  void randomInputReadsAsTheReferenceSaysInBytesAndInChunks() throws IOException {
    java.util.Random r = new java.util.Random(7);
    byte[] alphabet = {'a', '{', '}', ' ', '\r', '\n', '\n', (byte) 0xC3, (byte) 0xFF, 0};
    for (int i = 0; i < 3000; i++) {
      byte[] input = new byte[r.nextInt(60)];
      for (int j = 0; j < input.length; j++) {
        input[j] = alphabet[r.nextInt(alphabet.length)];
      }
      int max = 1 + r.nextInt(12);
      int kept = r.nextInt(16);
      assertEquals(reference(input, max, kept), describe(lines(input, max, kept)), java.util.Arrays.toString(input));
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void bytesThatAreNotUtf8PassThroughUnchanged() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(utf8("{\"a\":\"x"));
    b.write(0xC3); // a lone lead byte: not UTF-8
    b.write(0x28);
    b.writeBytes(utf8("\"}\n{\"b\":1}\r\n{\"c\":2}"));
    List<JsonLineReader.Line> l = lines(b.toByteArray(), 100, 100);
    assertEquals(3, l.size());
    byte[] first = l.get(0).body();
    assertEquals((byte) 0xC3, first[7], "the bad byte is kept as it was, not replaced by U+FFFD");
    assertEquals(11, first.length);
    assertArrayEquals(utf8("{\"b\":1}"), l.get(1).body(), "CR LF ends a line");
    assertArrayEquals(utf8("{\"c\":2}"), l.get(2).body(), "a last line without a newline is a line");
    assertEquals(12, l.get(1).offset());
    assertFalse(l.get(0).overLong());
    // and the normalizer refuses the bad bytes, naming them
    NormalizeResult r = new JsonNormalizer(NormalizerSpec.parse(java.util.Map.of("entity", "user:/a",
        "eventType.default", "x", "time.fallback", "arrival"))).normalize(first, java.util.Map.of(), 0L);
    assertEquals(NormalizeResult.JSON, r.reasonClass());
  }

  @Test
  void anOverLongLineIsOneLineMarkedWithItsLengthNeverSplit() throws IOException {
    String longLine = "{\"a\":\"" + "x".repeat(100) + "\"}";
    byte[] input = utf8("{\"ok\":1}\n" + longLine + "\n{\"tail\":\"looks like an event\"}\n");
    List<JsonLineReader.Line> l = lines(input, 50, 20);
    assertEquals(3, l.size(), "three lines, three events: the long one is not cut into chunks");
    assertTrue(l.get(1).overLong());
    assertEquals(longLine.length(), l.get(1).length());
    assertEquals(20, l.get(1).body().length);
    assertTrue(l.get(1).reason().startsWith("limit: line of 108 bytes at byte 9 is over the line limit of 50 bytes"),
        l.get(1).reason());
    assertArrayEquals(utf8("{\"tail\":\"looks like an event\"}"), l.get(2).body());
    assertFalse(l.get(2).overLong());
    // kept whole when the dead-letter allowance is larger than the line
    assertArrayEquals(utf8(longLine), lines(input, 50, 1000).get(1).body());
  }

  @Test
  void emptyInputAndEmptyLines() throws IOException {
    assertEquals(List.of(), lines(new byte[0], 10, 10));
    List<JsonLineReader.Line> l = lines(utf8("\n\n"), 10, 10);
    assertEquals(2, l.size());
    assertEquals(0, l.get(0).length());
    assertNull(l.get(0).reason());
  }
}
