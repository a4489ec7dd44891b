package io.eventstate.core.fsm;

import java.util.List;

/**
 * A definition file that cannot be used. The message lists every problem found, one per line, each in the form
 * {@code <file>: <JSON path>: <what is wrong>; <how to fix it>}, so that a user can fix them all in one go.
 */
public final class DefinitionException extends IllegalArgumentException {

  private final String source;
  private final List<String> problems;

  public DefinitionException(String source, List<String> problems) {
    super(problems.size() == 1 ? problems.get(0)
        : problems.size() + " problems in " + source + ":\n  " + String.join("\n  ", problems));
    this.source = source;
    this.problems = List.copyOf(problems);
  }

  /** The file (or other source name) the definition came from. */
  public String source() {
    return source;
  }

  /** Every problem, each a complete message naming the file, the JSON path and the fix. */
  public List<String> problems() {
    return problems;
  }
}
