package io.eventstate.core.rule;

import java.util.Locale;

/**
 * The operators of a {@link Condition}. Deliberately few and with no scripting: they are shared by the
 * tagging rules and the state-machine guards, and each can be validated when the configuration is read.
 */
public enum Operator {
  /** The field equals one value, exactly. */
  EQUALS("equals", 1, false),
  /** The field does not equal one value (a missing field does not equal anything). */
  NOT_EQUALS("not_equals", 1, false),
  /** The field equals one of several values. */
  IN("in", -1, false),
  /** The field starts with a value. */
  PREFIX("prefix", 1, false),
  /** The field matches a regular expression, over the whole value. */
  REGEX("regex", 1, false),
  /** Numeric comparison: the field, read as a decimal number, is less than the value. */
  LT("<", 1, true),
  LE("<=", 1, true),
  GT(">", 1, true),
  GE(">=", 1, true),
  /** Numeric equality (so that {@code 90} equals {@code 90.0}). */
  NUM_EQ("==", 1, true),
  /** The field is present and not empty. */
  EXISTS("exists", 0, false),
  /** The field is absent or empty. */
  MISSING("missing", 0, false);

  private final String symbol;
  private final int arity;
  private final boolean numeric;

  Operator(String symbol, int arity, boolean numeric) {
    this.symbol = symbol;
    this.arity = arity;
    this.numeric = numeric;
  }

  /** The operator as written in configuration. */
  public String symbol() {
    return symbol;
  }

  /** Number of values it takes: 0, 1, or -1 for one or more. */
  public int arity() {
    return arity;
  }

  public boolean isNumeric() {
    return numeric;
  }

  public static Operator fromSymbol(String s) {
    String lower = s.toLowerCase(Locale.ROOT);
    for (Operator op : values()) {
      if (op.symbol.equals(lower)) {
        return op;
      }
    }
    return null;
  }

  /** All symbols, for error messages. */
  public static String symbols() {
    StringBuilder b = new StringBuilder();
    for (Operator op : values()) {
      if (b.length() > 0) {
        b.append(", ");
      }
      b.append(op.symbol);
    }
    return b.toString();
  }
}
