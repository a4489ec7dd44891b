/**
 * Acting on events and state, pure (no Flume, no HBase): decoration from lookup files ({@link LookupSpec},
 * {@link LookupTable}, {@link LookupDecorator}) and from an entity's stored state ({@link StateDecorationSpec});
 * routing and gating rules ({@link TaggingSpec}, {@link Tagger}, {@link TagOutcome}); notifications: which are sent
 * and where ({@link NotifySpec}) and where a delivered one lands, once ({@link Landing}).
 *
 * <p>The notification record itself ({@code io.eventstate.core.state.Notification}) is what the state step writes
 * beside the state it changed, so it lives with the state layout; this package reads it and decides what to do with
 * it. The conditions the rules evaluate ({@code io.eventstate.core.rule.Condition}) are shared with the machines'
 * guards. The Flume adapters (interceptors {@code LookupInterceptor}, {@code TaggingInterceptor}; sinks
 * {@code StateDecoratingInterceptor}, {@code EventSink}'s notifier, {@code NotificationSink}) decode, call these,
 * and apply.
 */
package io.eventstate.core.act;
