package io.eventstate.core.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where the repository's files are: the repository root (the directory holding {@code conf/machines}) and the
 * sample data in its {@code samples/}, the one place the demo and every test read data sets from. A data directory
 * holds {@code seed/} and/or {@code real/}.
 */
public final class Locations {

  private Locations() {
  }

  /** The nearest ancestor of the working directory (itself included) that holds {@code conf/machines}. */
  public static Path repositoryRoot() {
    Path start = Path.of("").toAbsolutePath();
    for (Path p = start; p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("conf/machines"))) {
        return p;
      }
    }
    throw new IllegalStateException("conf/machines not found in " + start + " or above; run from the repository");
  }

  /** The places sample data is looked for, in order, for a repository at {@code root}: its {@code samples/}. */
  public static List<Path> sampleDataCandidates(Path root) {
    return List.of(root.resolve("samples"));
  }

  /**
   * The places a data file is looked for, in order, for a repository at {@code root}: the sample data, then
   * {@code .vendor-data/} in the repository, where {@code .ci/vendor-data} installs payloads published elsewhere (never
   * kept in the repository).
   */
  public static List<Path> dataFileCandidates(Path root) {
    List<Path> dirs = new ArrayList<>(sampleDataCandidates(root));
    dirs.add(root.resolve(".vendor-data"));
    return List.copyOf(dirs);
  }

  /** The first of {@link #dataFileCandidates} that holds the file {@code rel} (e.g. {@code real/x/y.json}), if any. */
  public static Optional<Path> dataFile(Path root, String rel) {
    for (Path dir : dataFileCandidates(root)) {
      Path p = dir.resolve(rel);
      if (Files.isRegularFile(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** True if {@code dir} holds sample data ({@code seed/} or {@code real/}). */
  public static boolean isSampleData(Path dir) {
    return Files.isDirectory(dir.resolve("seed")) || Files.isDirectory(dir.resolve("real"));
  }

  /**
   * The sample data of the repository at {@code root}: the first of {@link #sampleDataCandidates} that holds data.
   *
   * @throws IllegalStateException naming the places looked at
   */
  public static Path sampleData(Path root) {
    List<Path> candidates = sampleDataCandidates(root);
    for (Path p : candidates) {
      if (isSampleData(p)) {
        return p.toAbsolutePath().normalize();
      }
    }
    throw new IllegalStateException("no sample data in " + candidates + " (expected seed/ or real/ inside)");
  }

  /** The sample data of the repository the working directory is in. */
  public static Path sampleData() {
    return sampleData(repositoryRoot());
  }
}
