package io.eventstate.core.event;

/** An event that cannot be turned into, or back from, its canonical form. The message is the reason. */
public class MalformedEventException extends Exception {
  private static final long serialVersionUID = 1L;

  public MalformedEventException(String reason) {
    super(reason);
  }
}
