package io.eventstate.core.json;

import java.util.List;
import java.util.Objects;

import io.eventstate.core.event.CanonicalEvent;

/**
 * The outcome of normalizing one raw event: a valid {@link CanonicalEvent}, or a reason why not.
 *
 * <p>A reason is {@code <class>: <detail>}, e.g. {@code time: time '' is an empty string}; the class is one
 * of {@link #REASON_CLASSES} and is what counters and dashboards group by.
 *
 * @param event       the canonical event, or null when invalid
 * @param reasonClass null when valid, else one of {@link #REASON_CLASSES}
 * @param reason      null when valid, else {@code <class>: <detail>}
 */
public record NormalizeResult(CanonicalEvent event, String reasonClass, String reason) {

  /** Not JSON, not UTF-8, not an object, empty, or trailing content. */
  public static final String JSON = "json";
  /** A time value that is present but not a valid time in the configured format. */
  public static final String TIME = "time";
  /**
   * An event time further ahead of the arrival time than {@code time.maxFutureSkew}: a wrong clock, which would
   * otherwise move the entity's watermark into the future.
   */
  public static final String TIME_FUTURE = "time_future";
  /** Over a configured or parser limit: body size, nesting depth, attribute count, number or string length. */
  public static final String LIMIT = "limit";
  /** A required canonical field (entity id, event type, time without fallback) has no value. */
  public static final String MISSING_FIELD = "missing_field";
  /** A bug: an unexpected exception, turned into a reason so that the event is kept. */
  public static final String INTERNAL = "internal";
  /** A value not in its value map whose policy is {@code deadletter} ({@code eventType.map.unmapped}). */
  public static final String UNMAPPED = "unmapped";
  /** Every reason class. */
  public static final List<String> REASON_CLASSES = List.of(JSON, TIME, TIME_FUTURE, LIMIT, MISSING_FIELD, UNMAPPED,
      INTERNAL);

  /** Reasons longer than this are cut, so a multi-MB value never ends up in a header. */
  public static final int MAX_REASON_CHARS = 300;

  public NormalizeResult {
    if ((event == null) == (reason == null)) {
      throw new IllegalArgumentException("exactly one of event and reason must be set");
    }
  }

  public static NormalizeResult valid(CanonicalEvent event) {
    return new NormalizeResult(Objects.requireNonNull(event, "event"), null, null);
  }

  public static NormalizeResult invalid(String reasonClass, String detail) {
    String r = reasonClass + ": " + detail;
    if (r.length() > MAX_REASON_CHARS) {
      r = r.substring(0, MAX_REASON_CHARS - 1) + "…";
    }
    return new NormalizeResult(null, reasonClass, r);
  }

  public boolean isValid() {
    return event != null;
  }
}
