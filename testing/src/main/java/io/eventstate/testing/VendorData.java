package io.eventstate.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.Optional;

import io.eventstate.core.config.Locations;

/**
 * The vendor payloads some tests read, as published: from the sample data places ({@link Locations#sampleDataCandidates})
 * when one has the file, else from {@code .vendor-data/} in the repository, where .ci/vendor-data installs the
 * published packages (GitHub's webhook examples from the npm package @octokit/webhooks-examples). A test whose file
 * is nowhere is skipped with a message saying where the data comes from.
 */
public final class VendorData {

  /** Why GitHub's examples may be missing. */
  public static final String GITHUB_HINT = "GitHub's webhook examples come from the npm package"
      + " @octokit/webhooks-examples: run .ci/vendor-data (needs the npm registry)";
  /** Why AfterShip's response may be missing. */
  public static final String AFTERSHIP_HINT = "AfterShip's list-trackings example (GetTrackingsResult.json of the"
      + " AfterShip Java SDK's tests) is in no published npm or Maven Central artifact, so .ci/vendor-data cannot"
      + " install it";

  private VendorData() {
  }

  /** GitHub's example {@code eventSlashAction} (e.g. {@code issues/opened}), or the test is skipped. */
  public static Path github(String eventSlashAction) {
    return file("real/github-webhooks/raw/" + eventSlashAction + ".payload.json", GITHUB_HINT);
  }

  /** AfterShip's "list trackings" response, or the test is skipped. */
  public static Path aftershipTrackings() {
    return file("real/aftership/raw/GetTrackingsResult.json", AFTERSHIP_HINT);
  }

  /** The first place that has {@code rel}, or the test is skipped naming the places and {@code hint}. */
  public static Path file(String rel, String hint) {
    Path root = Locations.repositoryRoot();
    Optional<Path> p = Locations.dataFile(root, rel);
    assumeTrue(p.isPresent(), () -> "vendor data not present: " + rel + " (looked in "
        + Locations.dataFileCandidates(root) + "); " + hint);
    return p.get();
  }
}
