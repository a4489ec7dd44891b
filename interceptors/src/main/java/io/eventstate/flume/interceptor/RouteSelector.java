package io.eventstate.flume.interceptor;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.flume.Channel;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.channel.MultiplexingChannelSelector;

import io.eventstate.core.event.EventHeaders;

/**
 * Flume's multiplexing selector that says why an event went to the default channel: an event whose route header
 * ({@code es.route} by default) is missing or not mapped gets {@code es.reason} ("route 'x' is not mapped ...") and
 * {@code es.stage=route}, unless an earlier stage already gave a reason. Everything else is Flume's
 * {@link MultiplexingChannelSelector}, with the same keys ({@code header}, {@code mapping.<value>},
 * {@code optional.<value>}, {@code default}).
 *
 * <pre>
 * a1.sources.http.selector.type = io.eventstate.flume.interceptor.RouteSelector
 * a1.sources.http.selector.header = es.route
 * a1.sources.http.selector.mapping.valid = events
 * a1.sources.http.selector.default = deadletter
 * </pre>
 */
public class RouteSelector extends MultiplexingChannelSelector {

  /** The stage named in {@code es.stage} of an event sent to the default channel. */
  public static final String STAGE_ROUTE = "route";

  private String header;
  private Set<String> mapped;

  @Override
  public void configure(Context context) {
    super.configure(context);
    header = context.getString(CONFIG_MULTIPLEX_HEADER_NAME, DEFAULT_MULTIPLEX_HEADER);
    mapped = Set.copyOf(context.getSubProperties(CONFIG_PREFIX_MAPPING).keySet());
  }

  @Override
  public List<Channel> getRequiredChannels(Event event) {
    Map<String, String> headers = event.getHeaders();
    String route = headers.get(header);
    if ((route == null || !mapped.contains(route)) && headers.get(EventHeaders.REASON) == null) {
      String reason = route == null ? "no " + header + " header; the default channel took it"
          : "route '" + route + "' is not mapped by the channel selector (selector.mapping." + route
              + " is not set); the default channel took it";
      try {
        headers.put(EventHeaders.REASON, reason);
        headers.put(EventHeaders.STAGE, STAGE_ROUTE);
      } catch (UnsupportedOperationException unmodifiable) {
        Map<String, String> copy = new HashMap<>(headers);
        copy.put(EventHeaders.REASON, reason);
        copy.put(EventHeaders.STAGE, STAGE_ROUTE);
        event.setHeaders(copy);
      }
    }
    return super.getRequiredChannels(event);
  }
}
