package io.eventstate.core.state;

import io.eventstate.core.fsm.Durations;

import java.time.Instant;

/**
 * The state coprocessor's bound on event times ahead of the RegionServer's clock: an event row further ahead than
 * {@value #CONFIG_MAX_FUTURE_SKEW} is refused as bad input, so that no writer (the sink, or any other client that
 * bypasses the normalizer's {@code time.maxFutureSkew}) can move an entity's watermark into the future and freeze it.
 *
 * <p>A table value (or a property of the observer's coprocessor entry): {@code eventstate.guard.maxFutureSkew = 1d}.
 * Durations as in definitions ({@code 30m}, {@code 6h}, {@code 2d}); {@code off} disables the check. The default,
 * one day, is wider than the normalizer's default (one hour), because clocks of agents and RegionServers differ and an
 * event may wait in a channel (which only makes it older, never newer).
 *
 * @param maxSkewNanos how far ahead an event time may be, or {@link Long#MAX_VALUE} for no bound
 */
public record FutureSkewGuard(long maxSkewNanos) {

  /** The table value key. */
  public static final String CONFIG_MAX_FUTURE_SKEW = "eventstate.guard.maxFutureSkew";
  /** Default of {@link #CONFIG_MAX_FUTURE_SKEW}: one day. */
  public static final long DEFAULT_MAX_SKEW_NANOS = 86_400_000_000_000L;
  /** The default guard. */
  public static final FutureSkewGuard DEFAULT = new FutureSkewGuard(DEFAULT_MAX_SKEW_NANOS);

  public FutureSkewGuard {
    if (maxSkewNanos < 0) {
      throw new IllegalArgumentException("maxSkewNanos must not be negative");
    }
  }

  /**
   * Parses the key's value; null means the default.
   *
   * @throws IllegalArgumentException naming the key, the value and the fix
   */
  public static FutureSkewGuard parse(String value) {
    if (value == null) {
      return DEFAULT;
    }
    String v = value.trim();
    if (v.equalsIgnoreCase("off")) {
      return new FutureSkewGuard(Long.MAX_VALUE);
    }
    try {
      return new FutureSkewGuard(Durations.parseNanos(v));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("key " + CONFIG_MAX_FUTURE_SKEW + " value was set to '" + value + "': "
          + e.getMessage() + "; " + Durations.FORMAT_HELP + ", or off");
    }
  }

  /**
   * Why an event time is refused, or null when it is acceptable.
   *
   * @param eventTimeNanos the event time
   * @param nowMillis      the RegionServer's clock
   */
  public String refuse(long eventTimeNanos, long nowMillis) {
    if (maxSkewNanos == Long.MAX_VALUE) {
      return null;
    }
    long now = nowMillis > Long.MAX_VALUE / 1_000_000L ? Long.MAX_VALUE : nowMillis * 1_000_000L;
    long limit = now + maxSkewNanos;
    if (limit < now) {
      limit = Long.MAX_VALUE;
    }
    if (eventTimeNanos <= limit) {
      return null;
    }
    return "time_future: event time " + eventTimeNanos + " ns is " + Durations.format(eventTimeNanos - now)
        + " ahead of the RegionServer's clock (" + Instant.ofEpochMilli(nowMillis) + "), over "
        + CONFIG_MAX_FUTURE_SKEW + "=" + Durations.format(maxSkewNanos);
  }
}
