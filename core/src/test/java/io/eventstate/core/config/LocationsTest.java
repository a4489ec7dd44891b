package io.eventstate.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocationsTest {

  @Test
  void sharedDataBesideTheRepositoryWinsOverTheBundledSamples(@TempDir Path dir) throws Exception {
    Path repo = Files.createDirectories(dir.resolve("repo"));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Locations.sampleData(repo));
    assertTrue(e.getMessage().contains("shared") && e.getMessage().contains("samples"), e.getMessage());
    Files.createDirectories(repo.resolve("samples/seed"));
    assertEquals(repo.resolve("samples").toAbsolutePath(), Locations.sampleData(repo));
    Files.createDirectories(dir.resolve("shared/data/real"));
    assertEquals(dir.resolve("shared/data").toAbsolutePath(), Locations.sampleData(repo));
  }

  @Test
  void aDataFileIsTakenFromTheSampleDataPlacesBeforeTheInstalledVendorData(@TempDir Path dir) throws Exception {
    Path repo = Files.createDirectories(dir.resolve("repo"));
    String rel = "real/vendor/x.json";
    assertTrue(Locations.dataFile(repo, rel).isEmpty());
    Path installed = repo.resolve(".vendor-data").resolve(rel);
    Files.createDirectories(installed.getParent());
    Files.writeString(installed, "{}");
    assertEquals(installed, Locations.dataFile(repo, rel).orElseThrow());
    Path bundled = repo.resolve("samples").resolve(rel);
    Files.createDirectories(bundled.getParent());
    Files.writeString(bundled, "{}");
    assertEquals(bundled, Locations.dataFile(repo, rel).orElseThrow());
    assertEquals(repo.resolve(".vendor-data"), Locations.dataFileCandidates(repo).get(2));
  }

  @Test
  void theRepositoryRootHoldsConfMachines() {
    Path root = Locations.repositoryRoot();
    assertTrue(Files.isDirectory(root.resolve("conf/machines")), root.toString());
    assertTrue(Locations.isSampleData(Locations.sampleData()), "the tests find data");
  }
}
