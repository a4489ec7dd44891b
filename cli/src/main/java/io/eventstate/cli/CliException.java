package io.eventstate.cli;

/** A user-facing error: printed as one line, without a stack trace, with a non-zero exit status. */
public class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int exitCode;

  public CliException(String message) {
    this(message, 2);
  }

  public CliException(String message, int exitCode) {
    super(message);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
