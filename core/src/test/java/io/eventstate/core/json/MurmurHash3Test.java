package io.eventstate.core.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class MurmurHash3Test {

  private static String hash(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return MurmurHash3.hash128Hex(b, 0, b.length);
  }

  /** Reference values of MurmurHash3_x64_128 with seed 0 (h1 then h2, each as big-endian hex). */
  @Test
  void matchesReferenceVectors() {
    assertEquals("00000000000000000000000000000000", hash(""));
    assertEquals("85555565f6597889e6b53a48510e895a", hash("a"));
    assertEquals("cbd8a7b341bd9b025b1e906a48ae1d19", hash("hello"));
    assertEquals("e34bbc7bbc071b6c7a433ca9c49a9347", hash("The quick brown fox jumps over the lazy dog"));
    // two full blocks and a one-byte tail
    assertEquals("2e088f3b47fef53b1e388e32f1e800cf", hash("0123456789abcdef0123456789abcdef0"));
  }

  @Test
  void everyTailLengthAndOffsetIsHashed() {
    byte[] data = new byte[64];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 31 + 7);
    }
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int len = 0; len <= 33; len++) {
      String h = MurmurHash3.hash128Hex(data, 0, len);
      assertEquals(32, h.length());
      seen.add(h);
      // the same bytes at another offset hash the same
      byte[] shifted = new byte[len + 5];
      System.arraycopy(data, 0, shifted, 5, len);
      assertEquals(h, MurmurHash3.hash128Hex(shifted, 5, len));
    }
    assertEquals(34, seen.size());
    assertNotEquals(hash("ab"), hash("ba"));
  }
}
