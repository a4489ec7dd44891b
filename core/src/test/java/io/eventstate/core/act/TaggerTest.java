package io.eventstate.core.act;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.eventstate.core.event.EventHeaders;

class TaggerTest {

  private static Map<String, String> map(String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  private static Tagger tagger(String... kv) {
    return TaggingSpec.parse(map(kv)).tagger();
  }

  /** A valid event of the talk: a user's login, with attributes. */
  private static Map<String, String> login() {
    return map(EventHeaders.STATUS, "valid", EventHeaders.EVENT_TYPE, "login", EventHeaders.ENTITY_TYPE, "user",
        EventHeaders.ENTITY_ID, "688b60d1", EventHeaders.EVENT_ID, "e-1", "es.attr.degrees_fahrenheit", "91.5",
        "es.attr.test_user", "true", "host", "web-03");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "eventType equals login                 | true",
      "eventType equals logout                | false",
      "eventType not_equals logout            | true",
      "eventType not_equals login             | false",
      "attr.absent not_equals x               | false",
      "eventType in logout,login              | true",
      "eventType in logout,purchase           | false",
      "entityId prefix 688b                   | true",
      "entityId prefix 999                    | false",
      "header.host regex web-\\d+             | true",
      "header.host regex web                  | false",
      "attr.degrees_fahrenheit > 90           | true",
      "attr.degrees_fahrenheit > 91.5         | false",
      "attr.degrees_fahrenheit >= 91.5        | true",
      "attr.degrees_fahrenheit < 92           | true",
      "attr.degrees_fahrenheit < 91.5         | false",
      "attr.degrees_fahrenheit <= 91.50       | true",
      "attr.degrees_fahrenheit == 91.50       | true",
      "attr.degrees_fahrenheit == 91          | false",
      "attr.test_user > 1                     | false",
      "attr.test_user exists                  | true",
      "attr.absent exists                     | false",
      "attr.absent missing                    | true",
      "attr.test_user missing                 | false",
      "eventId equals e-1                     | true",
      "entityType equals user                 | true",
      "status equals valid                    | true",
  })
  void everyOperatorThroughARule(String condition, boolean expected) {
    Tagger t = tagger("rules", "r", "rules.r.if", condition, "rules.r.tag", "hit");
    TagOutcome o = t.evaluate(login());
    assertEquals(expected, o.tagged(), o::toString);
    assertEquals(expected ? List.of("r") : List.of(), o.matchedRules());
  }

  @Test
  void allConditionsOfARuleMustHold() {
    Tagger t = tagger("rules", "r", "rules.r.if", "eventType equals login", "rules.r.if.2", "header.host prefix db",
        "rules.r.tag", "hit");
    assertEquals(0, t.evaluate(login()).matchedCount());
    Map<String, String> h = login();
    h.put("host", "db-1");
    assertEquals(1, t.evaluate(h).matchedCount());
  }

  @Test
  void tagsAreMergedSortedAndDeduplicated() {
    Tagger t = tagger("rules", "a b", "rules.a.if", "eventType equals login", "rules.a.tag", "zeta,alpha",
        "rules.b.if", "attr.degrees_fahrenheit > 90", "rules.b.tag", "hot,alpha");
    Map<String, String> h = login();
    h.put(EventHeaders.TAGS, "mid,alpha");
    TagOutcome o = t.evaluate(h);
    assertEquals(Set.of("alpha", "hot", "zeta"), o.addedTags());
    o.applyTo(h);
    assertEquals("alpha,hot,mid,zeta", h.get(EventHeaders.TAGS));
    assertNull(h.get(EventHeaders.ROUTE));
    assertEquals("valid", h.get(EventHeaders.STATUS));
  }

  @Test
  void lastMatchingRouteWins() {
    Tagger t = tagger("rules", "a b c", "rules.a.if", "eventType exists", "rules.a.route", "first",
        "rules.b.if", "eventType exists", "rules.b.route", "second", "rules.c.if", "eventType missing", "rules.c.route", "third");
    Map<String, String> h = login();
    TagOutcome o = t.evaluate(h);
    assertTrue(o.routed());
    assertFalse(o.tagged());
    o.applyTo(h);
    assertEquals("second", h.get(EventHeaders.ROUTE));
  }

  @Test
  void stopEndsEvaluation() {
    Tagger t = tagger("rules", "testers rest", "rules.testers.if", "attr.test_user equals true",
        "rules.testers.route", "sampling", "rules.testers.stop", "true",
        "rules.rest.if", "eventType exists", "rules.rest.route", "main", "rules.rest.tag", "seen");
    Map<String, String> h = login();
    TagOutcome o = t.evaluate(h);
    assertEquals(List.of("testers"), o.matchedRules());
    o.applyTo(h);
    assertEquals("sampling", h.get(EventHeaders.ROUTE));
    assertNull(h.get(EventHeaders.TAGS));

    Map<String, String> other = login();
    other.remove("es.attr.test_user");
    t.evaluate(other).applyTo(other);
    assertEquals("main", other.get(EventHeaders.ROUTE));
    assertEquals("seen", other.get(EventHeaders.TAGS));
  }

  @Test
  void gateMarksTheEventAndEndsEvaluation() {
    Tagger t = tagger("rules", "t g later", "rules.t.if", "eventType exists", "rules.t.tag", "early",
        "rules.t.route", "main",
        "rules.g.if", "header.host regex web-.*", "rules.g.gate", "quarantine",
        "rules.later.if", "eventType exists", "rules.later.tag", "late");
    Map<String, String> h = login();
    TagOutcome o = t.evaluate(h);
    assertTrue(o.gated());
    assertFalse(o.routed());
    assertFalse(o.dropped());
    assertEquals("g", o.gatedBy().name());
    assertEquals(List.of("t", "g"), o.matchedRules());
    o.applyTo(h);
    assertHeaders(h, EventHeaders.STATUS, "gated", EventHeaders.ROUTE, "quarantine", EventHeaders.REASON, "rule g",
        EventHeaders.STAGE, "tag", EventHeaders.TAGS, "early");
  }

  @Test
  void dropIsReportedAndLeavesHeadersAlone() {
    Tagger t = tagger("rules", "t d", "rules.t.if", "eventType exists", "rules.t.tag", "x",
        "rules.d.if", "attr.test_user equals true", "rules.d.drop", "true");
    Map<String, String> h = login();
    Map<String, String> before = new HashMap<>(h);
    TagOutcome o = t.evaluate(h);
    assertTrue(o.dropped());
    assertEquals("d", o.droppedBy().name());
    assertFalse(o.gated());
    o.applyTo(h);
    assertEquals(before, h);
  }

  @Test
  void conditionsSeeTheIncomingHeadersNotEarlierEffects() {
    Tagger t = tagger("rules", "a b", "rules.a.if", "eventType exists", "rules.a.route", "x",
        "rules.b.if", "route equals x", "rules.b.tag", "saw-route");
    assertEquals(List.of("a"), t.evaluate(login()).matchedRules());
  }

  @Test
  void invalidEventsPassUntouchedByDefault() {
    Tagger t = tagger("rules", "r", "rules.r.if", "eventType exists", "rules.r.gate", "g");
    Map<String, String> h = map(EventHeaders.STATUS, "invalid", EventHeaders.ROUTE, "deadletter",
        EventHeaders.EVENT_TYPE, "login");
    Map<String, String> before = new HashMap<>(h);
    TagOutcome o = t.evaluate(h);
    assertSame(TagOutcome.SKIPPED, o);
    assertFalse(o.eligible());
    o.applyTo(h);
    assertEquals(before, h);
    assertFalse(t.evaluate(map(EventHeaders.EVENT_TYPE, "login")).eligible(), "no status: not valid");
  }

  @Test
  void applyToAllSeesEveryEvent() {
    Tagger t = tagger("applyTo", "all", "rules", "r", "rules.r.if", "reason prefix body", "rules.r.tag", "big");
    Map<String, String> h = map(EventHeaders.STATUS, "invalid", EventHeaders.REASON, "body too large",
        EventHeaders.ROUTE, "deadletter");
    t.evaluate(h).applyTo(h);
    assertEquals("big", h.get(EventHeaders.TAGS));
    assertEquals("deadletter", h.get(EventHeaders.ROUTE));
  }

  @Test
  void noMatchAllocatesNoOutcome() {
    Tagger t = tagger("rules", "r", "rules.r.if", "eventType equals logout", "rules.r.tag", "x");
    assertSame(TagOutcome.NO_MATCH, t.evaluate(login()));
    assertTrue(TagOutcome.NO_MATCH.eligible());
  }

  @Test
  void markFailedRoutesToDeadLetter() {
    Tagger t = tagger("rules", "r", "rules.r.if", "eventType exists", "rules.r.tag", "x", "deadLetterRoute", "dlq");
    Map<String, String> h = login();
    t.markFailed(h, "tagging failed: boom");
    assertHeaders(h, EventHeaders.STATUS, "invalid", EventHeaders.ROUTE, "dlq", EventHeaders.STAGE, "tag",
        EventHeaders.REASON, "tagging failed: boom", EventHeaders.EVENT_TYPE, "login");
  }

  @Test
  void hostileValuesNeverThrow() {
    Tagger t = tagger("rules", "n r", "rules.n.if", "attr.v > 5", "rules.n.tag", "n",
        "rules.r.if", "attr.v regex (a+)+b", "rules.r.tag", "r");
    for (String v : new String[] {"1e999999999", "", "NaN", "-", "9".repeat(100), "\u0000", "aaaa"}) {
      Map<String, String> h = map(EventHeaders.STATUS, "valid", "es.attr.v", v);
      t.evaluate(h).applyTo(h);
      assertNull(h.get(EventHeaders.TAGS), v);
    }
    Map<String, String> h = map(EventHeaders.STATUS, "valid", "es.attr.v", "6");
    t.evaluate(h).applyTo(h);
    assertEquals("n", h.get(EventHeaders.TAGS), "the same rules still match a good value");
  }

  /**
   * R18: patterns that backtrack catastrophically in java.util.regex ((.*a){12}$ took 28 s on 37 characters; (a|b)*c
   * overflowed the stack on 40 KB) run in linear time: a whole series of hostile tests finishes quickly and without an
   * error, and the same patterns still match what they should.
   */
  @Test
  void catastrophicPatternsRunInLinearTime() {
    Tagger t = tagger("rules", "nested alt", "rules.nested.if", "attr.v regex (.*a){12}$", "rules.nested.tag", "nested",
        "rules.alt.if", "attr.w regex (a|b)*c", "rules.alt.tag", "alt");
    String almost = "a".repeat(36) + "!";
    String longAlt = "ab".repeat(20_000); // 40 KB, no c: every path must be tried by a backtracking engine
    long t0 = System.nanoTime();
    for (int i = 0; i < 20; i++) {
      Map<String, String> h = map(EventHeaders.STATUS, "valid", "es.attr.v", almost, "es.attr.w", longAlt);
      t.evaluate(h).applyTo(h);
      assertNull(h.get(EventHeaders.TAGS));
    }
    long seconds = java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
    assertTrue(seconds < 20, "20 rounds took " + seconds + " s; a backtracking engine takes minutes for one");
    Map<String, String> h = map(EventHeaders.STATUS, "valid", "es.attr.v", "a".repeat(12), "es.attr.w", longAlt + "c");
    t.evaluate(h).applyTo(h);
    assertEquals("alt,nested", h.get(EventHeaders.TAGS));
  }

  /** Asserts header values, given as key, expected value, key, expected value, ... */
  private static void assertHeaders(Map<String, String> h, String... keyValues) {
    for (int i = 0; i < keyValues.length; i += 2) {
      assertEquals(keyValues[i + 1], h.get(keyValues[i]), keyValues[i]);
    }
  }
}
