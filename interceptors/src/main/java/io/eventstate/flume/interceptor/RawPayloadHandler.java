package io.eventstate.flume.interceptor;

import java.util.List;
import java.util.Map;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.source.http.HTTPBadRequestException;

/**
 * A payload handler that can turn raw payload bytes into Flume events without an HTTP request, so that the
 * command line ({@code ./eventstate normalize}) runs exactly what the HTTP source would run.
 */
public interface RawPayloadHandler {

  /** Configures the handler from the source's {@code handler.*} keys, prefix removed. */
  void configure(Context context);

  /**
   * Splits one payload into events.
   *
   * @param payload the request body
   * @param requestHeaders request headers (may be empty)
   * @throws HTTPBadRequestException when the payload is malformed; then no event of it is accepted
   */
  List<Event> toEvents(byte[] payload, Map<String, String> requestHeaders) throws HTTPBadRequestException;
}
