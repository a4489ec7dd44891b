package io.eventstate.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

class AvroFileSpecTest {

  private static void rejects(Map<String, String> p, String... mustMention) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AvroFileSpec.parse(p));
    for (String m : mustMention) {
      assertTrue(e.getMessage().contains(m), "'" + e.getMessage() + "' should mention " + m);
    }
  }

  @Test
  void defaultsAreSnappyAndFlumesBlockSize() {
    AvroFileSpec s = AvroFileSpec.defaults();
    assertEquals("snappy", s.codec());
    assertEquals(2_048_000, s.syncIntervalBytes());
  }

  @Test
  void everyAvroCodecIsAccepted() {
    for (String c : AvroFileSpec.CODECS) {
      assertEquals(c, AvroFileSpec.parse(Map.of("compressionCodec", " " + c + " ")).codec());
    }
    assertEquals(64_000, AvroFileSpec.parse(Map.of("syncIntervalBytes", "64000")).syncIntervalBytes());
  }

  @Test
  void shouldRejectAnUnknownCodec() {
    rejects(Map.of("compressionCodec", "gzip"), "serializer.compressionCodec", "'gzip'", "snappy", "deflate");
  }

  @Test
  void shouldRejectABadBlockSize() {
    rejects(Map.of("syncIntervalBytes", "big"), "serializer.syncIntervalBytes", "'big'", "32");
    rejects(Map.of("syncIntervalBytes", "8"), "serializer.syncIntervalBytes", "'8'");
  }

  @Test
  void shouldRejectAnUnknownKey() {
    rejects(Map.of("compresionCodec", "snappy"), "compresionCodec", "compressionCodec", "syncIntervalBytes");
  }
}
