package io.eventstate.core.act;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

import io.eventstate.core.event.EventHeaders;

/**
 * What the rules decided for one event: which rules matched, the tags they add, the route, and whether
 * the event is gated or dropped. Immutable; {@link #applyTo(Map)} writes it into the headers.
 */
public final class TagOutcome {

  /** {@code es.stage} value of this stage. */
  public static final String STAGE_TAG = "tag";

  /** The event was not eligible ({@code applyTo = valid} and its status is not {@code valid}). */
  static final TagOutcome SKIPPED = new TagOutcome(false);
  /** No rule matched. */
  static final TagOutcome NO_MATCH = new TagOutcome(true);

  private static final int[] NONE = new int[0];

  private final boolean eligible;
  private final TagRule[] rules;
  private final int[] fired;
  private final int count;
  private final int routeRule;
  private final int endRule;

  private TagOutcome(boolean eligible) {
    this.eligible = eligible;
    this.rules = new TagRule[0];
    this.fired = NONE;
    this.count = 0;
    this.routeRule = -1;
    this.endRule = -1;
  }

  TagOutcome(TagRule[] rules, int[] fired, int count, int routeRule, int endRule) {
    this.eligible = true;
    this.rules = rules;
    this.fired = fired;
    this.count = count;
    this.routeRule = routeRule;
    this.endRule = endRule;
  }

  /** False when the event was passed over because of {@code applyTo}. */
  public boolean eligible() {
    return eligible;
  }

  /** Number of rules that matched. */
  public int matchedCount() {
    return count;
  }

  /** Index (in the spec's rule list) of the i-th matching rule, in evaluation order. */
  public int matchedIndex(int i) {
    if (i >= count) {
      throw new IndexOutOfBoundsException(i);
    }
    return fired[i];
  }

  /** Names of the matching rules, in evaluation order. */
  public List<String> matchedRules() {
    List<String> names = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      names.add(rules[fired[i]].name());
    }
    return names;
  }

  /** The tags the matching rules add (sorted, without the event's existing tags). */
  public SortedSet<String> addedTags() {
    TreeSet<String> tags = new TreeSet<>();
    for (int i = 0; i < count; i++) {
      tags.addAll(rules[fired[i]].tags());
    }
    return Collections.unmodifiableSortedSet(tags);
  }

  /** True when a matching rule adds at least one tag. */
  public boolean tagged() {
    for (int i = 0; i < count; i++) {
      if (!rules[fired[i]].tags().isEmpty()) {
        return true;
      }
    }
    return false;
  }

  /** The route set by a {@code route} action (the last matching one), or null. A gate's route is not counted here. */
  public String route() {
    return routeRule < 0 ? null : rules[routeRule].route();
  }

  public boolean routed() {
    return routeRule >= 0 && !gated() && !dropped();
  }

  /** The rule that gated the event, or null. */
  public TagRule gatedBy() {
    return endRule >= 0 && rules[endRule].gate() != null ? rules[endRule] : null;
  }

  public boolean gated() {
    return gatedBy() != null;
  }

  /** The rule that dropped the event, or null. */
  public TagRule droppedBy() {
    return endRule >= 0 && rules[endRule].drop() ? rules[endRule] : null;
  }

  public boolean dropped() {
    return droppedBy() != null;
  }

  /**
   * Writes the outcome into the headers: merges the added tags into {@code es.tags} (sorted, without
   * duplicates), sets {@code es.route}, and for a gate also {@code es.status=gated}, {@code es.reason=rule <r>}
   * and {@code es.stage=tag}. For a dropped event it changes nothing: the caller discards the event.
   */
  public void applyTo(Map<String, String> headers) {
    if (count == 0 || dropped()) {
      return;
    }
    if (tagged()) {
      TreeSet<String> tags = new TreeSet<>();
      String existing = headers.get(EventHeaders.TAGS);
      if (existing != null && !existing.isEmpty()) {
        for (String t : existing.split(",")) {
          if (!t.isEmpty()) {
            tags.add(t);
          }
        }
      }
      for (int i = 0; i < count; i++) {
        tags.addAll(rules[fired[i]].tags());
      }
      headers.put(EventHeaders.TAGS, String.join(",", tags));
    }
    TagRule gate = gatedBy();
    if (gate != null) {
      headers.put(EventHeaders.STATUS, EventHeaders.STATUS_GATED);
      headers.put(EventHeaders.ROUTE, gate.gate());
      headers.put(EventHeaders.REASON, "rule " + gate.name());
      headers.put(EventHeaders.STAGE, STAGE_TAG);
    } else if (routeRule >= 0) {
      headers.put(EventHeaders.ROUTE, rules[routeRule].route());
    }
  }

  @Override
  public String toString() {
    if (!eligible) {
      return "TagOutcome[skipped]";
    }
    return "TagOutcome[matched=" + matchedRules() + ", tags=" + addedTags() + ", route=" + route()
        + ", gate=" + (gated() ? gatedBy().gate() : null) + ", dropped=" + dropped() + "]";
  }
}
