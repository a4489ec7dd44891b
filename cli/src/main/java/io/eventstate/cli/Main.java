package io.eventstate.cli;

/** Placeholder entry point, replaced by the command dispatcher. */
public final class Main {
  private Main() {
  }

  public static void main(String[] args) {
    System.out.println("eventstate");
  }
}
