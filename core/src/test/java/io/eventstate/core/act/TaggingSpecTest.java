package io.eventstate.core.act;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.rule.Condition;

class TaggingSpecTest {

  private static Map<String, String> conf(String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  private static String reject(String... kv) {
    return assertThrows(IllegalArgumentException.class, () -> TaggingSpec.parse(conf(kv))).getMessage();
  }

  private static void assertContains(String message, String... parts) {
    for (String p : parts) {
      assertTrue(message.contains(p), () -> "expected '" + p + "' in: " + message);
    }
  }

  @Test
  void parsesRulesInListedOrderWithDefaults() {
    TaggingSpec spec = TaggingSpec.parse(conf(
        "type", "io.eventstate.flume.interceptor.TaggingInterceptor$Builder",
        "rules", "b, a  c",
        "rules.a.if", "eventType equals login",
        "rules.a.tag", "x, y",
        "rules.b.if", "attr.t > 9",
        "rules.b.route", "sampling",
        "rules.c.if", "header.host prefix web",
        "rules.c.if.2", "entityType equals user",
        "rules.c.gate", "gated"));
    assertEquals(TaggingSpec.DEFAULT_NAME, spec.name());
    assertEquals(TaggingSpec.ApplyTo.VALID, spec.applyTo());
    assertEquals("deadletter", spec.deadLetterRoute());
    assertEquals(List.of("b", "a", "c"), spec.rules().stream().map(TagRule::name).toList());
    TagRule a = spec.rules().get(1);
    assertEquals(Set.of("x", "y"), a.tags());
    assertEquals(List.of(Condition.parse("eventType equals login")), a.conditions());
    TagRule c = spec.rules().get(2);
    assertEquals(2, c.conditions().size());
    assertEquals("gated", c.gate());
    assertTrue(c.terminal());
  }

  @Test
  void conditionsAreOrderedIfThenNumericSuffixes() {
    TaggingSpec spec = TaggingSpec.parse(conf("rules", "r",
        "rules.r.if.10", "attr.c exists", "rules.r.if.2", "attr.b exists", "rules.r.if", "attr.a exists",
        "rules.r.tag", "t"));
    assertEquals(List.of("attr.a", "attr.b", "attr.c"),
        spec.rules().get(0).conditions().stream().map(Condition::field).toList());
  }

  @Test
  void parsesOptions() {
    TaggingSpec spec = TaggingSpec.parse(conf("rules", "r", "rules.r.if", "status exists", "rules.r.drop", "TRUE",
        "applyTo", "all", "deadLetterRoute", "dlq", "name", "tag-1"));
    assertEquals(TaggingSpec.ApplyTo.ALL, spec.applyTo());
    assertEquals("dlq", spec.deadLetterRoute());
    assertEquals("tag-1", spec.name());
    assertTrue(spec.rules().get(0).drop());
  }

  @Test
  void mapsFieldsToHeaders() {
    assertEquals(EventHeaders.EVENT_TYPE, TaggingSpec.headerFor("eventType"));
    assertEquals(EventHeaders.ENTITY_TYPE, TaggingSpec.headerFor("entityType"));
    assertEquals(EventHeaders.ENTITY_ID, TaggingSpec.headerFor("entityId"));
    assertEquals(EventHeaders.EVENT_ID, TaggingSpec.headerFor("eventId"));
    assertEquals(EventHeaders.STATUS, TaggingSpec.headerFor("status"));
    assertEquals(EventHeaders.TAGS, TaggingSpec.headerFor("tags"));
    assertEquals("es.attr.a.b", TaggingSpec.headerFor("attr.a.b"));
    assertEquals("host", TaggingSpec.headerFor("header.host"));
    assertNull(TaggingSpec.headerFor("attr."));
    assertNull(TaggingSpec.headerFor("header."));
    assertNull(TaggingSpec.headerFor("event_type"));
  }

  @Test
  void shouldRejectMissingRules() {
    assertContains(reject(), "key 'rules' is missing", "rules = ");
  }

  @Test
  void shouldRejectEmptyRules() {
    assertContains(reject("rules", "  "), "key 'rules' value was set to '  '", "lists no rule", "rules.<name>.if");
  }

  @Test
  void shouldRejectUnknownTopLevelKey() {
    assertContains(reject("rules", "r", "rules.r.if", "status exists", "rules.r.tag", "t", "aplyTo", "all"),
        "unknown key 'aplyTo'", "'all'", "applyTo");
  }

  @Test
  void shouldRejectUnknownRuleKey() {
    assertContains(reject("rules", "r", "rules.r.if", "status exists", "rules.r.tags", "t"),
        "unknown key 'rules.r.tags'", "rules.r.tag]", "rules.r.if.<n>");
  }

  @Test
  void shouldRejectEmptyConditionSuffix() {
    assertContains(reject("rules", "r", "rules.r.if", "status exists", "rules.r.if.", "x exists", "rules.r.tag", "t"),
        "unknown key 'rules.r.if.' (value 'x exists'); valid keys are [");
  }

  @Test
  void shouldRejectRuleListedButNotDefined() {
    assertContains(reject("rules", "r s", "rules.r.if", "status exists", "rules.r.tag", "t"),
        "key 'rules'", "rule 's' is listed but not defined", "rules.s.if =");
  }

  @Test
  void shouldRejectRuleDefinedButNotListed() {
    assertContains(reject("rules", "r", "rules.r.if", "status exists", "rules.r.tag", "t", "rules.q.tag", "u"),
        "key 'rules.q.tag'", "rule 'q'", "not listed", "add 'q' to rules");
  }

  @Test
  void shouldRejectRuleListedTwice() {
    assertContains(reject("rules", "r r", "rules.r.if", "status exists", "rules.r.tag", "t"), "listed twice");
  }

  @Test
  void shouldRejectBadRuleName() {
    assertContains(reject("rules", "r.1"), "key 'rules' value was set to 'r.1'", "letters, digits");
  }

  @Test
  void shouldRejectBadConditionWithItsKey() {
    assertContains(reject("rules", "r", "rules.r.if", "attr.t > warm", "rules.r.tag", "t"),
        "key 'rules.r.if':", "needs a number, got 'warm'");
    assertContains(reject("rules", "r", "rules.r.if", "attr.t like x", "rules.r.tag", "t"),
        "key 'rules.r.if':", "unknown operator 'like'");
    assertContains(reject("rules", "r", "rules.r.if", "attr.t exists", "rules.r.if.2", "header.ua regex (", "rules.r.tag", "t"),
        "key 'rules.r.if.2':", "invalid regex");
    assertContains(reject("rules", "r", "rules.r.if", "attr.t", "rules.r.tag", "t"), "key 'rules.r.if':", "no operator");
  }

  @Test
  void shouldRejectUnknownField() {
    assertContains(reject("rules", "r", "rules.r.if", "event_type equals login", "rules.r.tag", "t"),
        "key 'rules.r.if' value was set to 'event_type equals login'", "unknown field 'event_type'", "attr.<name>",
        "header.<flume header name>", "eventType");
  }

  @Test
  void shouldRejectRuleWithoutCondition() {
    assertContains(reject("rules", "r", "rules.r.tag", "t"), "rule 'r' has no condition", "rules.r.if = eventId exists");
  }

  @Test
  void shouldRejectRuleWithoutAction() {
    assertContains(reject("rules", "r", "rules.r.if", "status exists"), "rule 'r' has no action", "rules.r.tag");
    assertContains(reject("rules", "r", "rules.r.if", "status exists", "rules.r.drop", "false"), "has no action");
  }

  @Test
  void shouldRejectGateWithRoute() {
    assertContains(reject("rules", "r", "rules.r.if", "status exists", "rules.r.gate", "g", "rules.r.route", "x"),
        "rules.r.route = x", "rules.r.gate = g", "keep one");
  }

  @Test
  void shouldRejectDropWithGate() {
    assertContains(reject("rules", "r", "rules.r.if", "status exists", "rules.r.gate", "g", "rules.r.drop", "true"),
        "rules.r.drop = true", "rules.r.gate = g", "remove");
  }

  @Test
  void shouldRejectDropWithRouteOrTag() {
    assertContains(reject("rules", "r", "rules.r.if", "status exists", "rules.r.route", "x", "rules.r.drop", "true"),
        "rules.r.route = x");
    assertContains(reject("rules", "r", "rules.r.if", "status exists", "rules.r.tag", "t", "rules.r.drop", "true"),
        "rules.r.tag = t");
  }

  @Test
  void shouldRejectBadBoolean() {
    assertContains(reject("rules", "r", "rules.r.if", "status exists", "rules.r.drop", "yes"),
        "key 'rules.r.drop' value was set to 'yes'", "true or false");
    assertContains(reject("rules", "r", "rules.r.if", "status exists", "rules.r.tag", "t", "rules.r.stop", "1"),
        "key 'rules.r.stop' value was set to '1'");
  }

  @Test
  void shouldRejectBadRouteValues() {
    assertContains(reject("rules", "r", "rules.r.if", "status exists", "rules.r.route", "a b"),
        "key 'rules.r.route' value was set to 'a b'", "selector.mapping");
    assertContains(reject("rules", "r", "rules.r.if", "status exists", "rules.r.gate", ""),
        "key 'rules.r.gate' value was set to ''");
  }

  @Test
  void shouldRejectBadTags() {
    assertContains(reject("rules", "r", "rules.r.if", "status exists", "rules.r.tag", "hot day"),
        "key 'rules.r.tag' value was set to 'hot day'", "whitespace");
    assertContains(reject("rules", "r", "rules.r.if", "status exists", "rules.r.tag", " , "),
        "key 'rules.r.tag'", "lists no tag");
  }

  @Test
  void shouldRejectBadApplyTo() {
    assertContains(reject("rules", "r", "rules.r.if", "status exists", "rules.r.tag", "t", "applyTo", "invalid"),
        "key 'applyTo' value was set to 'invalid'", "valid or all");
  }

  @Test
  void shouldRejectBadNameAndDeadLetterRoute() {
    assertContains(reject("rules", "r", "rules.r.if", "status exists", "rules.r.tag", "t", "name", "my tagger"),
        "key 'name' value was set to 'my tagger'");
    assertContains(reject("rules", "r", "rules.r.if", "status exists", "rules.r.tag", "t", "deadLetterRoute", "a,b"),
        "key 'deadLetterRoute' value was set to 'a,b'");
  }

  @Test
  void specIsImmutable() {
    TaggingSpec spec = TaggingSpec.parse(conf("rules", "r", "rules.r.if", "status exists", "rules.r.tag", "t"));
    assertThrows(UnsupportedOperationException.class, () -> spec.rules().clear());
    assertThrows(UnsupportedOperationException.class, () -> spec.rules().get(0).tags().add("u"));
    assertFalse(spec.rules().get(0).terminal());
  }

  @Test
  void shouldRejectBackreferencesAndLookaroundAtLoadNamingTheEngine() {
    assertContains(reject("rules", "r", "rules.r.if", "attr.v regex (a)\\1", "rules.r.tag", "t"),
        "key 'rules.r.if'", "invalid regex", "linear-time engine", "backreferences");
    assertContains(reject("rules", "r", "rules.r.if", "attr.v regex a(?=b)", "rules.r.tag", "t"),
        "invalid regex", "lookaround");
  }
}
