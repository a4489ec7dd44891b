package io.eventstate.flume.interceptor;

import java.util.HashMap;
import java.util.Map;

import org.apache.flume.Event;

import io.eventstate.core.act.TagOutcome;
import io.eventstate.core.act.Tagger;
import io.eventstate.core.act.TaggingSpec;

/**
 * Applies ordered tagging rules to events' headers: adds tags to {@code es.tags}, sets {@code es.route} for
 * Flume's multiplexing channel selector, gates events to a route the user maps to a channel, and drops
 * events only where a rule says {@code drop = true}. The keys, fields and evaluation order are documented
 * in {@link TaggingSpec}; this class is the Flume adapter and its counters.
 *
 * <h2>Configuration</h2>
 * <pre>
 * a1.sources.r1.interceptors = norm tag
 * a1.sources.r1.interceptors.tag.type = io.eventstate.flume.interceptor.TaggingInterceptor$Builder
 * a1.sources.r1.interceptors.tag.name = tagging
 * a1.sources.r1.interceptors.tag.rules = testers hot bots
 * a1.sources.r1.interceptors.tag.rules.testers.if = attr.test_user equals true
 * a1.sources.r1.interceptors.tag.rules.testers.route = sampling
 * a1.sources.r1.interceptors.tag.rules.testers.stop = true
 * a1.sources.r1.interceptors.tag.rules.hot.if = attr.degrees_fahrenheit &gt; 90
 * a1.sources.r1.interceptors.tag.rules.hot.tag = hot
 * a1.sources.r1.interceptors.tag.rules.bots.if = header.User-Agent regex .*(bot|crawler).*
 * a1.sources.r1.interceptors.tag.rules.bots.gate = gated
 *
 * a1.sources.r1.selector.type = multiplexing
 * a1.sources.r1.selector.header = es.route
 * a1.sources.r1.selector.mapping.sampling = sampling
 * a1.sources.r1.selector.mapping.gated = gated
 * a1.sources.r1.selector.mapping.deadletter = deadletter
 * a1.sources.r1.selector.default = valid
 * </pre>
 * A bad key or value fails {@code configure()} with the key, the value and the fix (Flume then removes
 * the source and logs the message).
 *
 * <h2>Failures</h2>
 * {@code intercept} never throws and never returns more events than it got. If evaluating an event fails
 * anyway, the event is kept and marked {@code es.status=invalid}, {@code es.reason=internal: tagging failed: <exception>} (at most 300 characters),
 * {@code es.stage=tag}, {@code es.route=<deadLetterRoute>}, and counted in {@code events.failed}.
 *
 * <h2>Counters</h2>
 * JMX {@code org.apache.flume.interceptor:type=<name>}, HTTP monitoring {@code INTERCEPTOR.<name>}:
 * {@code events.in}, {@code events.skipped} (not seen by the rules because of {@code applyTo}),
 * {@code events.unmatched} (seen, no rule matched), {@code events.tagged}, {@code events.routed},
 * {@code events.gated}, {@code events.dropped}, {@code events.failed}, and {@code rule.<rule>.hits} per rule.
 */
public final class TaggingInterceptor extends CountingInterceptor {

  public static final String EVENTS_IN = "events.in";
  public static final String EVENTS_SKIPPED = "events.skipped";
  public static final String EVENTS_UNMATCHED = "events.unmatched";
  public static final String EVENTS_TAGGED = "events.tagged";
  public static final String EVENTS_ROUTED = "events.routed";
  public static final String EVENTS_GATED = "events.gated";
  public static final String EVENTS_DROPPED = "events.dropped";
  public static final String EVENTS_FAILED = "events.failed";

  /** Longest {@code es.reason} written, so that a huge exception message never ends up in a header. */
  static final int MAX_REASON_CHARS = 300;

  private final Tagger tagger;
  private final String[] ruleHits;

  private TaggingInterceptor(String name, Tagger tagger) {
    super(EventstateCounters.forInterceptor(name, counterNames(tagger)));
    this.tagger = tagger;
    this.ruleHits = new String[tagger.ruleCount()];
    for (int i = 0; i < ruleHits.length; i++) {
      ruleHits[i] = ruleHitsCounter(tagger.rule(i).name());
    }
  }

  private static String[] counterNames(Tagger tagger) {
    String[] names = new String[tagger.ruleCount() + 8];
    names[0] = EVENTS_IN;
    names[1] = EVENTS_SKIPPED;
    names[2] = EVENTS_UNMATCHED;
    names[3] = EVENTS_TAGGED;
    names[4] = EVENTS_ROUTED;
    names[5] = EVENTS_GATED;
    names[6] = EVENTS_DROPPED;
    names[7] = EVENTS_FAILED;
    for (int i = 0; i < tagger.ruleCount(); i++) {
      names[i + 8] = ruleHitsCounter(tagger.rule(i).name());
    }
    return names;
  }

  /** Name of the hit counter of a rule. */
  public static String ruleHitsCounter(String rule) {
    return "rule." + rule + ".hits";
  }

  @Override
  public Event intercept(Event event) {
    if (event == null) {
      return null;
    }
    counters.increment(EVENTS_IN);
    try {
      Map<String, String> headers = event.getHeaders();
      TagOutcome outcome = tagger.evaluate(headers);
      if (!outcome.eligible()) {
        counters.increment(EVENTS_SKIPPED);
        return event;
      }
      int matched = outcome.matchedCount();
      if (matched == 0) {
        counters.increment(EVENTS_UNMATCHED);
        return event;
      }
      for (int i = 0; i < matched; i++) {
        counters.increment(ruleHits[outcome.matchedIndex(i)]);
      }
      if (outcome.dropped()) {
        counters.increment(EVENTS_DROPPED);
        return null;
      }
      outcome.applyTo(headers);
      if (outcome.tagged()) {
        counters.increment(EVENTS_TAGGED);
      }
      if (outcome.gated()) {
        counters.increment(EVENTS_GATED);
      } else if (outcome.routed()) {
        counters.increment(EVENTS_ROUTED);
      }
      return event;
    } catch (Throwable t) {
      return fail(event, t);
    }
  }

  private Event fail(Event event, Throwable t) {
    try {
      counters.increment(EVENTS_FAILED);
      String reason = "internal: tagging failed: " + t.getClass().getSimpleName()
          + (t.getMessage() == null ? "" : ": " + t.getMessage());
      if (reason.length() > MAX_REASON_CHARS) {
        reason = reason.substring(0, MAX_REASON_CHARS - 1) + "\u2026";
      }
      Map<String, String> headers = event.getHeaders();
      try {
        tagger.markFailed(headers, reason);
      } catch (RuntimeException unmodifiable) {
        // The source handed us headers we cannot change: mark a copy instead.
        Map<String, String> copy = headers == null ? new HashMap<>() : new HashMap<>(headers);
        tagger.markFailed(copy, reason);
        event.setHeaders(copy);
      }
    } catch (Throwable ignored) {
      // Nothing left to do but to pass the event on as it is: it must not be lost.
    }
    return event;
  }

  /**
   * Flume builder: {@code type = io.eventstate.flume.interceptor.TaggingInterceptor$Builder}.
   * {@code configure} parses and validates the whole spec; {@code build} cannot fail.
   */
  public static final class Builder extends SpecBuilder<TaggingSpec> {

    public Builder() {
      super("TaggingInterceptor", c -> TaggingSpec.parse(c.getParameters()),
          s -> new TaggingInterceptor(s.name(), s.tagger()));
    }
  }
}
