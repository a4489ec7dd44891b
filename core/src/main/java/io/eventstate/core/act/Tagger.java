package io.eventstate.core.act;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.rule.Condition;

/**
 * The compiled rules of a {@link TaggingSpec}: immutable, thread-safe, built once per interceptor.
 * {@link #evaluate(Map)} is a pure function of the headers; it allocates nothing for an event no rule
 * matches, and one small {@link TagOutcome} otherwise.
 */
public final class Tagger {

  private final TaggingSpec spec;
  private final TagRule[] rules;
  /** Per rule, its conditions with the field replaced by the header it reads, so a lookup is one map get. */
  private final Condition[][] conditions;

  Tagger(TaggingSpec spec) {
    this.spec = spec;
    List<TagRule> list = spec.rules();
    this.rules = list.toArray(new TagRule[0]);
    this.conditions = new Condition[rules.length][];
    for (int i = 0; i < rules.length; i++) {
      List<Condition> cs = rules[i].conditions();
      conditions[i] = new Condition[cs.size()];
      for (int j = 0; j < cs.size(); j++) {
        Condition c = cs.get(j);
        conditions[i][j] = Condition.of(TaggingSpec.headerFor(c.field()), c.op(), c.values());
      }
    }
  }

  public TaggingSpec spec() {
    return spec;
  }

  /** Number of rules; rule indexes in a {@link TagOutcome} are below it. */
  public int ruleCount() {
    return rules.length;
  }

  public TagRule rule(int index) {
    return rules[index];
  }

  /**
   * Evaluates the rules against an event's headers without changing them. Never throws for any header
   * content; apply the result with {@link TagOutcome#applyTo(Map)}.
   */
  public TagOutcome evaluate(Map<String, String> headers) {
    if (spec.applyTo() == TaggingSpec.ApplyTo.VALID && !EventHeaders.STATUS_VALID.equals(headers.get(EventHeaders.STATUS))) {
      return TagOutcome.SKIPPED;
    }
    Function<String, String> lookup = headers::get;
    int[] fired = null;
    int count = 0;
    int routeRule = -1;
    int endRule = -1;
    for (int i = 0; i < rules.length; i++) {
      if (!matches(conditions[i], lookup)) {
        continue;
      }
      if (fired == null) {
        fired = new int[rules.length];
      }
      fired[count++] = i;
      TagRule r = rules[i];
      if (r.route() != null) {
        routeRule = i;
      }
      if (r.terminal()) {
        endRule = i;
        break;
      }
    }
    if (count == 0) {
      return TagOutcome.NO_MATCH;
    }
    return new TagOutcome(rules, fired, count, routeRule, endRule);
  }

  private static boolean matches(Condition[] cs, Function<String, String> lookup) {
    for (Condition c : cs) {
      if (!c.test(lookup)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Marks an event this stage failed on, keeping everything else: {@code es.status=invalid},
   * {@code es.reason=<reason>}, {@code es.stage=tag}, {@code es.route=<deadLetterRoute>}.
   */
  public void markFailed(Map<String, String> headers, String reason) {
    headers.put(EventHeaders.STATUS, EventHeaders.STATUS_INVALID);
    headers.put(EventHeaders.REASON, reason);
    headers.put(EventHeaders.STAGE, TagOutcome.STAGE_TAG);
    headers.put(EventHeaders.ROUTE, spec.deadLetterRoute());
  }
}
