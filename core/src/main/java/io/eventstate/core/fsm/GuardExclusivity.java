package io.eventstate.core.fsm;

import io.eventstate.core.rule.Condition;
import io.eventstate.core.rule.Operator;
import java.math.BigDecimal;
import java.util.List;
import com.google.re2j.Pattern;

/**
 * Decides, without seeing any event, whether two guards can never both hold. Guards are conjunctions, so two guards
 * are exclusive as soon as one condition of each, on the same field, contradict each other. Contradictions
 * recognised: disjoint {@code equals}/{@code in} value sets; a value set against {@code not_equals} of its only
 * value, a {@code prefix} none of its values has, a {@code regex} none matches, or a numeric test none satisfies;
 * two prefixes neither of which extends the other; disjoint numeric intervals ({@code < <= > >= ==});
 * {@code exists} against {@code missing}; {@code missing} against a test that needs a non-empty value. Anything
 * else is treated as possibly overlapping, so the check errs towards reporting an ambiguity.
 */
final class GuardExclusivity {

  private GuardExclusivity() {
  }

  static boolean exclusive(List<Condition> a, List<Condition> b) {
    for (Condition x : a) {
      for (Condition y : b) {
        if (x.field().equals(y.field()) && (contradict(x, y) || contradict(y, x))) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean isSet(Operator op) {
    return op == Operator.EQUALS || op == Operator.IN;
  }

  private static boolean contradict(Condition x, Condition y) {
    Operator ox = x.op();
    Operator oy = y.op();
    if (ox == Operator.EXISTS && oy == Operator.MISSING) {
      return true;
    }
    if (ox == Operator.MISSING) {
      return needsNonEmpty(y);
    }
    if (isSet(ox)) {
      List<String> vs = x.values();
      if (isSet(oy)) {
        for (String v : vs) {
          if (y.values().contains(v)) {
            return false;
          }
        }
        return true;
      }
      if (oy == Operator.NOT_EQUALS) {
        return vs.stream().allMatch(v -> v.equals(y.values().get(0)));
      }
      if (oy == Operator.PREFIX || oy == Operator.REGEX || oy.isNumeric()) {
        for (String v : vs) {
          if (y.test(f -> v)) {
            return false;
          }
        }
        return true;
      }
      return false;
    }
    if (ox == Operator.PREFIX && oy == Operator.PREFIX) {
      String p = x.values().get(0);
      String q = y.values().get(0);
      return !p.startsWith(q) && !q.startsWith(p);
    }
    if (ox.isNumeric() && oy.isNumeric()) {
      return disjoint(interval(x), interval(y));
    }
    return false;
  }

  private static boolean needsNonEmpty(Condition c) {
    switch (c.op()) {
      case EXISTS:
      case EQUALS:
      case IN:
      case LT:
      case LE:
      case GT:
      case GE:
      case NUM_EQ:
        return c.values().stream().noneMatch(String::isEmpty);
      case PREFIX:
        return !c.values().get(0).isEmpty();
      case REGEX:
        return !Pattern.compile(c.values().get(0)).matcher("").matches();
      default:
        return false;
    }
  }

  /** {lo, hi} with null for unbounded, and flags for closed ends. */
  private record Interval(BigDecimal lo, boolean loClosed, BigDecimal hi, boolean hiClosed) {
  }

  private static Interval interval(Condition c) {
    BigDecimal v = new BigDecimal(c.values().get(0).trim());
    switch (c.op()) {
      case LT: return new Interval(null, false, v, false);
      case LE: return new Interval(null, false, v, true);
      case GT: return new Interval(v, false, null, false);
      case GE: return new Interval(v, true, null, false);
      default: return new Interval(v, true, v, true);
    }
  }

  private static boolean disjoint(Interval a, Interval b) {
    return below(a, b) || below(b, a);
  }

  /** True if every value of a is below every value of b. */
  private static boolean below(Interval a, Interval b) {
    if (a.hi == null || b.lo == null) {
      return false;
    }
    int c = a.hi.compareTo(b.lo);
    return c < 0 || (c == 0 && !(a.hiClosed && b.loClosed));
  }
}
