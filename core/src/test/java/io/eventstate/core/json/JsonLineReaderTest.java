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

  private static List<JsonLineReader.Line> lines(byte[] input, int max, int kept) throws IOException {
    ByteArrayInputStream in = new ByteArrayInputStream(input);
    JsonLineReader r = new JsonLineReader(in::read, max, kept);
    List<JsonLineReader.Line> out = new ArrayList<>();
    for (JsonLineReader.Line l; (l = r.next()) != null; ) {
      out.add(l);
    }
    return out;
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
