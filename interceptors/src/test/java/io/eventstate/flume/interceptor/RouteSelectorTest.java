package io.eventstate.flume.interceptor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.flume.Channel;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.channel.MemoryChannel;
import org.apache.flume.event.EventBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The selector routes as Flume's multiplexing selector does and says why an event reached the default channel. */
class RouteSelectorTest {

  private final RouteSelector selector = new RouteSelector();
  private Channel events;
  private Channel deadletter;

  @BeforeEach
  void setUp() {
    events = channel("events");
    deadletter = channel("deadletter");
    selector.setChannels(List.of(events, deadletter));
    selector.configure(new Context(Map.of("header", "es.route", "mapping.valid", "events",
        "default", "deadletter")));
  }

  private static Channel channel(String name) {
    MemoryChannel c = new MemoryChannel();
    c.setName(name);
    return c;
  }

  private static Event event(Map<String, String> headers) {
    return EventBuilder.withBody("{}".getBytes(StandardCharsets.UTF_8), new HashMap<>(headers));
  }

  @Test
  void aMappedRouteGoesToItsChannelUntouched() {
    Event e = event(Map.of("es.route", "valid"));
    assertEquals(List.of(events), selector.getRequiredChannels(e));
    assertNull(e.getHeaders().get("es.reason"));
  }

  @Test
  void anUnmappedRouteReachesTheDefaultChannelWithItsReason() {
    Event e = event(Map.of("es.route", "sampled"));
    assertEquals(List.of(deadletter), selector.getRequiredChannels(e));
    assertEquals("route 'sampled' is not mapped by the channel selector (selector.mapping.sampled is not set); "
        + "the default channel took it", e.getHeaders().get("es.reason"));
    assertEquals("route", e.getHeaders().get("es.stage"));
  }

  @Test
  void aMissingRouteIsSaidSoAndAnEarlierReasonIsKept() {
    Event none = event(Map.of());
    assertEquals(List.of(deadletter), selector.getRequiredChannels(none));
    assertEquals("no es.route header; the default channel took it", none.getHeaders().get("es.reason"));
    Event invalid = event(Map.of("es.route", "deadletter", "es.reason", "not JSON", "es.stage", "normalize"));
    assertEquals(List.of(deadletter), selector.getRequiredChannels(invalid));
    assertEquals("not JSON", invalid.getHeaders().get("es.reason"));
    assertEquals("normalize", invalid.getHeaders().get("es.stage"));
  }
}
