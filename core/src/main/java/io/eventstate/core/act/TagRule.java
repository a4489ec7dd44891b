package io.eventstate.core.act;

import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import io.eventstate.core.rule.Condition;

/**
 * One tagging rule, as configured: when all its {@code conditions} hold, its actions apply. See
 * {@link TaggingSpec} for the configuration keys and the evaluation order.
 *
 * @param name       the rule's name, as listed in {@code rules}; it names the rule's hit counter too
 * @param conditions the conditions, all of which must hold (AND), with fields as the user wrote them
 * @param tags       tags to add to {@code es.tags} (sorted; empty for none)
 * @param route      value to set in {@code es.route}, or null
 * @param gate       route value of the gate channel, or null when the rule does not gate
 * @param drop       whether a matching event is dropped (only ever when configured explicitly)
 * @param stop       whether evaluation stops after this rule when it matches
 */
public record TagRule(String name, List<Condition> conditions, SortedSet<String> tags, String route, String gate,
    boolean drop, boolean stop) {

  public TagRule {
    Objects.requireNonNull(name, "name");
    conditions = List.copyOf(conditions);
    tags = Collections.unmodifiableSortedSet(new TreeSet<>(tags));
  }

  /** True when a match ends the evaluation: the rule gates, drops or says {@code stop}. */
  public boolean terminal() {
    return stop || gate != null || drop;
  }
}
