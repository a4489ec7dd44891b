package io.eventstate.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocationsTest {

  @Test
  void sampleDataIsTheRepositorysOwnSamplesNeverADirectoryBesideIt(@TempDir Path dir) throws Exception {
    Path repo = Files.createDirectories(dir.resolve("repo"));
    Files.createDirectories(dir.resolve("shared/data/real"));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Locations.sampleData(repo));
    assertTrue(e.getMessage().contains("samples") && !e.getMessage().contains("shared"), e.getMessage());
    Files.createDirectories(repo.resolve("samples/seed"));
    assertEquals(repo.resolve("samples").toAbsolutePath(), Locations.sampleData(repo));
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
    assertEquals(List.of(repo.resolve("samples"), repo.resolve(".vendor-data")), Locations.dataFileCandidates(repo));
  }

  @Test
  void theRepositoryRootHoldsConfMachines() {
    Path root = Locations.repositoryRoot();
    assertTrue(Files.isDirectory(root.resolve("conf/machines")), root.toString());
    assertTrue(Locations.isSampleData(Locations.sampleData()), "the tests find data");
  }
}
