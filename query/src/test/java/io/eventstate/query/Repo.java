package io.eventstate.query;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository root, found by walking up from the working directory to the directory holding conf/machines. */
final class Repo {
  private Repo() {
  }

  static Path conf() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("conf/machines"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("conf/machines not found above " + Path.of("").toAbsolutePath());
    }
    return p.resolve("conf");
  }
}
