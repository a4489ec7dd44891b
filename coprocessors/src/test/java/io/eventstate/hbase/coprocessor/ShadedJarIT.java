package io.eventstate.hbase.coprocessor;

import static io.eventstate.hbase.coprocessor.StateTables.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.state.StateColumns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.hbase.Coprocessor;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.regionserver.HRegion;
import org.apache.hadoop.hbase.util.Bytes;
import org.apache.hadoop.hbase.util.JVMClusterUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import io.eventstate.testing.SharedMiniCluster;

/**
 * Loads the packaged (shaded) coprocessor jar the way users do: a table descriptor coprocessor with a
 * {@code file://} jar path (failsafe runs after {@code package} and passes the jar's path).
 */
@ExtendWith({SharedMiniCluster.class, SharedMiniCluster.RegionServersAlive.class})
class ShadedJarIT {

  /** The jar failsafe names (set in the pom), else the one {@code package} left in target/. */
  static String shadedJar() throws java.io.IOException {
    String jar = System.getProperty("eventstate.coprocessor.jar");
    if (jar != null) {
      return jar;
    }
    Path target = StateTables.repoRoot().resolve("coprocessors/target");
    try (var files = Files.list(target)) {
      return files.map(Path::toString).filter(f -> f.matches(".*/eventstate-coprocessors-[^/]*\\.jar")
          && !f.endsWith("-tests.jar")).findFirst().orElse(null);
    }
  }

  @Test
  void theShadedJarLoadsFromItsPathAndAdvancesState() throws Exception {
    String jar = shadedJar();
    assertTrue(jar != null && Files.isRegularFile(Path.of(jar)), "run through failsafe after package: " + jar);
    TableName tn = StateTables.create("jar", EntityStateObserver.class.getName(), Path.of(jar).toUri().toString(),
        StateTables.standardProperties());
    try (Table t = StateTables.table(tn)) {
      t.put(StateTables.plainPuts(List.of(StateTables.event("package", "j", "pre_transit", T0, "a"),
          StateTables.event("package", "j", "delivered", T0 + 1_000_000_000L, "b"))));
    }
    Map<String, byte[]> state = StateTables.rows(tn).get(RowKeyCodec.stateRowKey("package", "j"));
    assertEquals("delivered", Bytes.toString(state.get("s:" + StateColumns.machineState("package"))));
    int fromJar = 0;
    for (JVMClusterUtil.RegionServerThread rs : SharedMiniCluster.util().getMiniHBaseCluster().getLiveRegionServerThreads()) {
      for (HRegion r : rs.getRegionServer().getRegions(tn)) {
        Coprocessor cp = r.getCoprocessorHost().findCoprocessor(EntityStateObserver.class.getName());
        assertNotSame(EntityStateObserver.class, cp.getClass(), "loaded by the jar's class loader, not the test's");
        assertTrue(cp.getClass().getClassLoader().getClass().getName().contains("CoprocessorClassLoader"),
            cp.getClass().getClassLoader().toString());
        fromJar++;
      }
    }
    assertEquals(4, fromJar);
  }
}
