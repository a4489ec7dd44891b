package io.eventstate.core.json;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Finds the repository root and ../shared/data from wherever the tests run (module dir or repository root). */
final class TestPaths {

  private TestPaths() {
  }

  /** An arrival time (ms) after every representable event time: no event is ahead of it (time.maxFutureSkew). */
  static final long ARRIVAL_AFTER_ALL = Long.MAX_VALUE / 1_000_000L;

  static Path sharedData() {
    for (Path d = Paths.get("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path candidate = d.resolve("shared").resolve("data");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("no shared/data beside the repository (CI clones the repository next to ../shared)");
  }

  static Path mappings() {
    for (Path d = Paths.get("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path candidate = d.resolve("conf").resolve("flume").resolve("mappings");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("no conf/flume/mappings above " + Paths.get("").toAbsolutePath());
  }
}
