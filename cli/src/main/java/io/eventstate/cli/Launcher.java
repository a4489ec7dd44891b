package io.eventstate.cli;

import java.nio.file.Path;

/** Where the launcher script lives: relative default paths (conf/, samples/) resolve against it. */
final class Launcher {
  private Launcher() {
  }

  static Path home() {
    String h = System.getProperty("eventstate.home");
    return Path.of(h != null ? h : ".").toAbsolutePath().normalize();
  }
}
