package io.eventstate.flume.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.FlumeException;
import org.apache.flume.Transaction;
import org.apache.flume.channel.MemoryChannel;
import org.apache.flume.conf.Configurables;
import org.apache.flume.event.EventBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.eventstate.core.act.Landing;
import io.eventstate.core.state.Notification;
import io.eventstate.testing.Channels;

/** The landing sink on a real memory channel: each notification once, however often it arrives. */
class NotificationSinkTest {

  @TempDir
  Path dir;

  private static void put(MemoryChannel c, List<Event> events) {
    Transaction tx = c.getTransaction();
    tx.begin();
    events.forEach(c::put);
    tx.commit();
    tx.close();
  }

  private long files() throws Exception {
    try (Stream<Path> s = Files.walk(dir.resolve("landed"))) {
      return s.filter(p -> p.toString().endsWith(".json")).count();
    }
  }

  @Test
  void eachNotificationLandsOnceAndResendsAreCounted() throws Exception {
    MemoryChannel channel = Channels.memory("c", 100, 100);
    NotificationSink sink = new NotificationSink();
    sink.setName("landing-test");
    sink.setChannel(channel);
    Configurables.configure(sink, new Context(Map.of("directory", dir.resolve("landed").toString(),
        "batchSize", "10")));
    sink.start();
    try {
      Notification n = Notification.transition("device", "d1", "e1", 1_000_000_000L, "device", "provisioned",
          "online", "uplink");
      Event notification = EventBuilder.withBody(n.body(), n.headers());
      Event alert = EventBuilder.withBody("{\"t\":99}".getBytes(StandardCharsets.UTF_8), Map.of("es.eventId", "e7"));
      put(channel, List.of(notification, alert, notification));
      sink.process();
      put(channel, List.of(notification, alert));
      sink.process();
      assertEquals(2, files());
      assertEquals(2, sink.counters().get(NotificationSink.STORED));
      assertEquals(3, sink.counters().get(NotificationSink.DUPLICATES));
      assertEquals(2, sink.counters().get(NotificationSink.TOTAL));
      String record = Files.readString(dir.resolve("landed").resolve(Landing.path(n.id())));
      assertTrue(record.contains("\"id\":\"" + n.id() + "\"") && record.contains("\"es.notify.kind\":\"transition\""),
          record);
      assertTrue(Files.exists(dir.resolve("landed").resolve(Landing.path("event:e7"))));
    } finally {
      sink.stop();
      channel.stop();
    }
    // a restarted sink counts what landed before
    NotificationSink again = new NotificationSink();
    again.setName("landing-test-2");
    again.setChannel(channel);
    Configurables.configure(again, new Context(Map.of("directory", dir.resolve("landed").toString())));
    again.start();
    assertEquals(2, again.counters().get(NotificationSink.TOTAL));
    again.stop();
  }

  @Test
  void configurationNamesTheKeyAndTheFix() {
    NotificationSink sink = new NotificationSink();
    sink.setName("n");
    FlumeException missing = assertThrows(FlumeException.class, () -> sink.configure(new Context(Map.of())));
    assertTrue(missing.getMessage().contains("key 'directory' is missing"), missing.getMessage());
    FlumeException unknown = assertThrows(FlumeException.class, () -> sink.configure(new Context(Map.of(
        "directory", "/tmp/x", "dirctory", "/tmp/y"))));
    assertTrue(unknown.getMessage().contains("unknown key 'dirctory'"), unknown.getMessage());
    FlumeException batch = assertThrows(FlumeException.class, () -> sink.configure(new Context(Map.of(
        "directory", "/tmp/x", "batchSize", "0"))));
    assertTrue(batch.getMessage().contains("'batchSize' value was set to '0'"), batch.getMessage());
  }
}
