package io.eventstate.core.json;

import java.nio.file.Path;

import io.eventstate.core.config.Locations;

/** The mapping files and the sample data ({@link Locations}), from wherever the tests run. */
final class TestPaths {

  private TestPaths() {
  }

  /** An arrival time (ms) after every representable event time: no event is ahead of it (time.maxFutureSkew). */
  static final long ARRIVAL_AFTER_ALL = Long.MAX_VALUE / 1_000_000L;

  static Path sharedData() {
    return Locations.sampleData();
  }

  static Path mappings() {
    return Locations.repositoryRoot().resolve("conf/flume/mappings");
  }
}
