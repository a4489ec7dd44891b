package io.eventstate.core.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.config.ConfigException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LandingSpecTest {

  private static final String PATH = "hdfs://nn:8020/eventstate/events/entity_type=%{es.entityType}/dt=%Y-%m-%d";

  @Test
  void rendersHeadersAndTheEventTimeInTheZone() {
    LandingPath p = LandingPath.compile(PATH, ZoneOffset.UTC);
    long t = Instant.parse("2023-11-15T23:59:59.999Z").toEpochMilli();
    assertEquals("hdfs://nn:8020/eventstate/events/entity_type=package/dt=2023-11-15",
        p.render(Map.of("es.entityType", "package"), t));
    assertEquals("hdfs://nn:8020/eventstate/events/entity_type=package/dt=2023-11-16",
        p.render(Map.of("es.entityType", "package"), t + 1));
    assertEquals("hdfs://nn:8020/eventstate/events/entity_type=/dt=2023-11-15", p.render(Map.of(), t),
        "an absent header is empty, as in Flume's HDFS sink");
    LandingPath berlin = LandingPath.compile("/x/%Y/%m/%d/%H/100%%/%{a.b-c_d}", ZoneId.of("Europe/Berlin"));
    assertEquals("/x/2023/11/16/00/100%/v", berlin.render(Map.of("a.b-c_d", "v"), t));
    assertEquals("/x/2024/01/01/01/100%/", berlin.render(Map.of(),
        Instant.parse("2024-01-01T00:00:00Z").toEpochMilli()));
    assertEquals("/x/0999/01/01/00/100%/", LandingPath.compile("/x/%Y/%m/%d/%H/100%%/", ZoneOffset.UTC)
        .render(Map.of(), Instant.parse("0999-01-01T00:59:59Z").toEpochMilli()));
  }

  @Test
  void agreesWithJavaTimeOverRandomInstantsAndZones() {
    Random r = new Random(7);
    DateTimeFormatter f = DateTimeFormatter.ofPattern("uuuu-MM-dd/HH");
    for (String zone : new String[] {"UTC", "Europe/Berlin", "America/St_Johns", "Asia/Kolkata"}) {
      ZoneId z = ZoneId.of(zone).normalized();
      LandingPath p = LandingPath.compile("%Y-%m-%d/%H", z);
      for (int i = 0; i < 20_000; i++) {
        long ms = (long) (r.nextDouble() * 4_102_444_800_000L) - 1_000_000_000_000L; // 1938 to 2100
        assertEquals(ZonedDateTime.ofInstant(Instant.ofEpochMilli(ms), z).format(f), p.render(Map.of(), ms),
            zone + " " + ms);
      }
    }
  }

  @Test
  void defaultsAndKeys() {
    LandingSpec s = LandingSpec.parse(Map.of("hdfs.path", PATH, "type", "x", "channel", "c"));
    assertEquals(PATH, s.path().toString());
    assertEquals("events", s.filePrefix());
    assertEquals(".avro", s.fileSuffix());
    assertEquals(".tmp", s.inUseSuffix());
    assertEquals(1000, s.batchSize());
    assertEquals(268_435_456L, s.rollBytes());
    assertEquals(3_600_000L, s.rollMillis());
    assertEquals(600_000L, s.idleMillis());
    assertEquals(500, s.maxOpenFiles());
    assertEquals(30_000L, s.callTimeoutMs());
    assertEquals("snappy", s.avro().codec());
    assertEquals("hdfs://nn:8020/eventstate/events/_deadletter/dt=%Y-%m-%d", s.deadLetterPath().toString(),
        "dead letters default to a hidden directory under the fixed part of hdfs.path");
    Map<String, String> p = new HashMap<>(Map.of("hdfs.path", PATH, "hdfs.rollSize", "64MiB",
        "hdfs.callTimeout", "10s", "serializer.compressionCodec", "deflate", "hdfs.fileSuffix", ""));
    s = LandingSpec.parse(p);
    assertEquals(64L << 20, s.rollBytes());
    assertEquals(10_000L, s.callTimeoutMs());
    assertEquals("deflate", s.avro().codec());
    assertEquals("", s.fileSuffix());
  }

  @Test
  void deadLetterPathDefaultsUnderTheFixedRootOrIsGiven() {
    assertEquals("/land/_deadletter/dt=%Y-%m-%d", deadLetters("/land/%Y/%{h}"));
    assertEquals("/land/50%/_deadletter/dt=2024-01-01", LandingSpec.parse(Map.of("hdfs.path", "/land/50%%/x%{h}"))
        .deadLetterPath().render(Map.of(), Instant.parse("2024-01-01T00:00:00Z").toEpochMilli()),
        "a percent sign in the fixed part stays literal");
    assertEquals("file:///tmp/land/_deadletter/dt=%Y-%m-%d", deadLetters("file:///tmp/land/"));
    assertEquals("/dl/%{es.stage}", LandingSpec.parse(Map.of("hdfs.path", PATH, "hdfs.deadLetterPath",
        "/dl/%{es.stage}")).deadLetterPath().toString());
    assertMessage(Map.of("hdfs.path", "%{h}/x"), "hdfs.path", "hdfs.deadLetterPath");
    assertMessage(Map.of("hdfs.path", PATH, "hdfs.deadLetterPath", "/dl/%s"), "hdfs.deadLetterPath", "%s");
  }

  private static String deadLetters(String path) {
    return LandingSpec.parse(Map.of("hdfs.path", path)).deadLetterPath().toString();
  }

  @Test
  void misconfigurationNamesTheKeyTheValueAndTheFix() {
    assertMessage(Map.of(), "hdfs.path", "entity_type=%{es.entityType}");
    assertMessage(Map.of("hdfs.path", PATH, "hdfs.fileType", "DataStream"), "hdfs.fileType", "hdfs.path");
    assertMessage(Map.of("hdfs.path", PATH, "serializer", "avro_event"), "serializer", "serializer.compressionCodec");
    assertMessage(Map.of("hdfs.path", "/x/%{host}/%s"), "hdfs.path", "%s");
    assertMessage(Map.of("hdfs.path", "/x/%{bad header}"), "hdfs.path", "%{name}");
    assertMessage(Map.of("hdfs.path", "/x/50%"), "hdfs.path", "%%");
    assertMessage(Map.of("hdfs.path", PATH, "hdfs.timeZone", "Mars/Olympus"), "hdfs.timeZone", "Europe/Berlin");
    assertMessage(Map.of("hdfs.path", PATH, "hdfs.batchSize", "0"), "hdfs.batchSize", "1 to 100000");
    assertMessage(Map.of("hdfs.path", PATH, "serializer.compressionCodec", "lzo"), "serializer", "lzo");
    assertMessage(Map.of("hdfs.path", PATH, "hdfs.filePrefix", "a/b"), "hdfs.filePrefix", "hdfs.path");
  }

  private static void assertMessage(Map<String, String> p, String... parts) {
    ConfigException e = assertThrows(ConfigException.class, () -> LandingSpec.parse(p));
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), "'" + part + "' in: " + e.getMessage());
    }
  }
}
