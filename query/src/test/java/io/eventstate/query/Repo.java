package io.eventstate.query;

import java.nio.file.Path;
import io.eventstate.core.config.Locations;

/** The repository root, found by walking up from the working directory to the directory holding conf/machines. */
final class Repo {
  private Repo() {
  }

  static Path conf() {
    return Locations.repositoryRoot().resolve("conf");
  }
}
