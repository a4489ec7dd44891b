package io.eventstate.core.rule;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

/**
 * One test of one field: {@code <field> <operator> [value[,value...]]}, e.g. {@code eventType in login,logout},
 * {@code attr.degrees_fahrenheit > 90}, {@code attr.test_user exists}.
 *
 * <p>Conditions are immutable and validated when built: a bad regex or a non-numeric operand of a numeric
 * operator is an {@link IllegalArgumentException} whose message says what is wrong and how to fix it.
 * Evaluation never throws: a field that is missing, or not a number for a numeric operator, simply does
 * not match.
 *
 * <p>Regular expressions ({@code ~}) run on RE2/J, a linear-time engine: matching takes time proportional to the
 * value's length, whatever the pattern ({@code (.*a){12}$} or {@code (a|b)*c} included), with no recursion on the
 * value, so a rule can neither hang nor overflow the stack of the thread that evaluates it (a Flume source, or a
 * RegionServer handler holding a row lock). RE2 syntax has no backreferences ({@code \1}) and no lookaround
 * ({@code (?=)}, {@code (?<!)}): a pattern using them is refused when the rules or definitions are loaded. A value
 * longer than {@link #MAX_REGEX_INPUT_CHARS} never matches a regex (the normalizer's attribute limit keeps values far
 * below it).
 */
public final class Condition {

  /** Values longer than this never match a regex condition: the time of one test stays bounded. */
  public static final int MAX_REGEX_INPUT_CHARS = 1 << 20;

  private final String field;
  private final Operator op;
  private final List<String> values;
  private final Pattern pattern;
  private final BigDecimal number;

  private Condition(String field, Operator op, List<String> values) {
    this.field = field;
    this.op = op;
    this.values = Collections.unmodifiableList(new ArrayList<>(values));
    Pattern p = null;
    BigDecimal n = null;
    if (op == Operator.REGEX) {
      try {
        p = Pattern.compile(values.get(0));
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException("invalid regex '" + values.get(0) + "' for field '" + field + "': "
            + e.getDescription() + (e.getPattern().isEmpty() ? "" : " at '" + e.getPattern() + "'")
            + "; regular expressions run on a linear-time engine (RE2 syntax): backreferences such as \\1 and "
            + "lookaround such as (?=...) or (?<!...) are not available, so rewrite the pattern without them");
      }
    } else if (op.isNumeric()) {
      n = parseNumber(values.get(0));
      if (n == null) {
        throw new IllegalArgumentException("operator '" + op.symbol() + "' on field '" + field + "' needs a number, got '"
            + values.get(0) + "'; write a decimal number such as 90 or 12.5");
      }
    }
    this.pattern = p;
    this.number = n;
  }

  /**
   * Builds a condition from its parts.
   *
   * @throws IllegalArgumentException naming the problem and the fix
   */
  public static Condition of(String field, Operator op, List<String> values) {
    Objects.requireNonNull(op, "op");
    if (field == null || field.isBlank()) {
      throw new IllegalArgumentException("a condition needs a field name before the operator");
    }
    List<String> v = values == null ? List.of() : values;
    if (op.arity() == 0 && !v.isEmpty()) {
      throw new IllegalArgumentException("operator '" + op.symbol() + "' takes no value, got " + v + "; remove the value");
    }
    if (op.arity() == 1 && v.size() != 1) {
      throw new IllegalArgumentException("operator '" + op.symbol() + "' takes exactly one value, got " + v.size()
          + (op == Operator.EQUALS ? "; use 'in' for several values" : ""));
    }
    if (op.arity() < 0 && v.isEmpty()) {
      throw new IllegalArgumentException("operator '" + op.symbol() + "' needs at least one value, e.g. 'in a,b'");
    }
    return new Condition(field.trim(), op, v);
  }

  /**
   * Parses the text form {@code <field> <operator> [value]}. The value is the rest of the line after the
   * operator, trimmed; for {@code in} it is split on commas.
   */
  public static Condition parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty condition; write '<field> <operator> [value]', operators: " + Operator.symbols());
    }
    String t = text.trim();
    int s1 = indexOfWhitespace(t, 0);
    if (s1 < 0) {
      throw new IllegalArgumentException("condition '" + text + "' has no operator; write '<field> <operator> [value]', operators: "
          + Operator.symbols());
    }
    String field = t.substring(0, s1);
    String rest = t.substring(s1).trim();
    int s2 = indexOfWhitespace(rest, 0);
    String opText = s2 < 0 ? rest : rest.substring(0, s2);
    String valueText = s2 < 0 ? "" : rest.substring(s2).trim();
    Operator op = Operator.fromSymbol(opText);
    if (op == null) {
      throw new IllegalArgumentException("unknown operator '" + opText + "' in condition '" + text + "'; use one of: "
          + Operator.symbols());
    }
    List<String> values = new ArrayList<>();
    if (op == Operator.IN) {
      for (String v : valueText.split(",")) {
        if (!v.trim().isEmpty()) {
          values.add(v.trim());
        }
      }
    } else if (!valueText.isEmpty()) {
      values.add(valueText);
    }
    try {
      return of(field, op, values);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("condition '" + text + "': " + e.getMessage());
    }
  }

  private static int indexOfWhitespace(String s, int from) {
    for (int i = from; i < s.length(); i++) {
      if (Character.isWhitespace(s.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  /** Tests the condition against a field lookup, which returns null for a missing field. Never throws. */
  public boolean test(Function<String, String> fields) {
    String v = fields.apply(field);
    switch (op) {
      case EXISTS:
        return v != null && !v.isEmpty();
      case MISSING:
        return v == null || v.isEmpty();
      default:
        break;
    }
    if (v == null) {
      return false;
    }
    switch (op) {
      case EQUALS:
        return v.equals(values.get(0));
      case NOT_EQUALS:
        return !v.equals(values.get(0));
      case IN:
        return values.contains(v);
      case PREFIX:
        return v.startsWith(values.get(0));
      case REGEX:
        return v.length() <= MAX_REGEX_INPUT_CHARS && pattern.matcher(v).matches();
      default:
        BigDecimal actual = parseNumber(v);
        if (actual == null) {
          return false;
        }
        int c = actual.compareTo(number);
        switch (op) {
          case LT:
            return c < 0;
          case LE:
            return c <= 0;
          case GT:
            return c > 0;
          case GE:
            return c >= 0;
          case NUM_EQ:
            return c == 0;
          default:
            throw new AssertionError(op);
        }
    }
  }

  private static BigDecimal parseNumber(String s) {
    // Bounded so that a hostile "1e999999999" cannot make BigDecimal allocate a huge number.
    if (s == null || s.isEmpty() || s.length() > 64) {
      return null;
    }
    try {
      BigDecimal d = new BigDecimal(s.trim());
      if (Math.abs(d.scale()) > 1000) {
        return null;
      }
      return d;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  public String field() {
    return field;
  }

  public Operator op() {
    return op;
  }

  public List<String> values() {
    return values;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Condition c && c.field.equals(field) && c.op == op && c.values.equals(values);
  }

  @Override
  public int hashCode() {
    return Objects.hash(field, op, values);
  }

  @Override
  public String toString() {
    return values.isEmpty() ? field + " " + op.symbol() : field + " " + op.symbol() + " " + String.join(",", values);
  }
}
