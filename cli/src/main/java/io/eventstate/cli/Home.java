package io.eventstate.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository (or installation) is: {@code -Deventstate.home} set by {@code ./eventstate}, else the working directory. */
final class Home {

  private Home() {
  }

  static Path dir() {
    String h = System.getProperty("eventstate.home");
    return Path.of(h == null || h.isBlank() ? "." : h).toAbsolutePath().normalize();
  }

  /** The conf directory: {@code --conf DIR} when given, else {@code <home>/conf}. */
  static Path conf(String option) {
    Path p = option == null ? dir().resolve("conf") : Path.of(option).toAbsolutePath().normalize();
    if (!Files.isDirectory(p)) {
      throw new CliException("conf directory not found: " + p + (option == null ? "; pass --conf DIR" : ""));
    }
    return p;
  }

  /** The embedded demo's state directory, {@code <home>/.eventstate}. */
  static Path state() {
    return dir().resolve(".eventstate");
  }
}
