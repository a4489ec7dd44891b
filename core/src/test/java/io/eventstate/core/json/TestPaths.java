package io.eventstate.core.json;

import java.nio.file.Path;

import io.eventstate.core.config.Locations;

/** The mapping files and the sample data ({@link Locations}), from wherever the tests run. */
final class TestPaths {

  private TestPaths() {
  }

  static Path sharedData() {
    return Locations.sampleData();
  }

  static Path mappings() {
    return Locations.repositoryRoot().resolve("conf/flume/mappings");
  }
}
