package io.eventstate.core.json;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.Optional;

import io.eventstate.core.config.Locations;

/** The mapping files, the sample data ({@link Locations}) and the vendor payloads, from wherever the tests run. */
final class TestPaths {

  private TestPaths() {
  }

  /** An arrival time (ms) after every representable event time: no event is ahead of it (time.maxFutureSkew). */
  static final long ARRIVAL_AFTER_ALL = Long.MAX_VALUE / 1_000_000L;

  /** Why GitHub's examples may be missing. */
  static final String GITHUB_HINT = "GitHub's webhook examples come from the npm package @octokit/webhooks-examples:"
      + " run .ci/vendor-data (needs the npm registry)";
  /** Why AfterShip's response may be missing. */
  static final String AFTERSHIP_HINT = "AfterShip's list-trackings example (GetTrackingsResult.json of the AfterShip"
      + " Java SDK's tests) is in no published npm or Maven Central artifact, so .ci/vendor-data cannot install it";

  static Path sampleData() {
    return Locations.sampleData();
  }

  static Path mappings() {
    return Locations.repositoryRoot().resolve("conf/flume/mappings");
  }

  /**
   * A vendor payload, {@code rel} like {@code real/github-webhooks/raw/issues/opened.payload.json}: from the sample
   * data places ({@link Locations#sampleDataCandidates}) when one has it, else from {@code .vendor-data/} in the
   * repository, where .ci/vendor-data installs the published packages. Skips the test, naming {@code hint}, when none
   * has it.
   */
  static Path vendorFile(String rel, String hint) {
    Path root = Locations.repositoryRoot();
    Optional<Path> p = Locations.dataFile(root, rel);
    assumeTrue(p.isPresent(), () -> "vendor data not present: " + rel + " (looked in "
        + Locations.dataFileCandidates(root) + "); " + hint);
    return p.get();
  }
}
