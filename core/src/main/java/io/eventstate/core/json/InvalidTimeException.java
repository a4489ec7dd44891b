package io.eventstate.core.json;

/**
 * A time value that cannot be converted; the message is the reason. It carries no stack trace: it is an
 * expected outcome for bad input (dead-lettered), not a programming error, and must stay cheap.
 */
public final class InvalidTimeException extends Exception {
  private static final long serialVersionUID = 1L;

  public InvalidTimeException(String reason) {
    super(reason, null, false, false);
  }
}
