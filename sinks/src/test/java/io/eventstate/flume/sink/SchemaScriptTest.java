package io.eventstate.flume.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.rowkey.TableSchema;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.client.TableDescriptor;
import org.junit.jupiter.api.Test;
import io.eventstate.core.config.Locations;

/** The committed shell script and the Java schema tool come from the same definition. */
class SchemaScriptTest {

  static Path repositoryRoot() {
    return Locations.repositoryRoot();
  }

  @Test
  void committedScriptEqualsTheGeneratedOne() throws Exception {
    Path script = repositoryRoot().resolve("conf/hbase/create-events.hbase");
    String generated = SchemaTool.createScript(TableSchema.defaults());
    Path fresh = Paths.get("target/create-events.hbase");
    Files.createDirectories(fresh.getParent());
    Files.writeString(fresh, generated, StandardCharsets.UTF_8);
    assertEquals(generated, Files.readString(script, StandardCharsets.UTF_8),
        "conf/hbase/create-events.hbase is stale: copy sinks/" + fresh + " over it");
  }

  @Test
  void printCommandWritesTheScript() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int rc = SchemaTool.run(new String[] {"print", "table=ns:ev", "regions=4"}, new Configuration(false),
        new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
    assertEquals(0, rc);
    assertEquals(SchemaTool.createScript(new TableSchema("ns:ev", 4)), out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void shouldRejectBadArguments() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream errs = new PrintStream(err, true, StandardCharsets.UTF_8);
    assertEquals(2, SchemaTool.run(new String[] {"drop"}, new Configuration(false), System.out, errs));
    assertEquals(2, SchemaTool.run(new String[] {"check", "regions=3"}, new Configuration(false), System.out, errs));
    assertEquals(2, SchemaTool.run(new String[] {"check", "tables"}, new Configuration(false), System.out, errs));
    String e = err.toString(StandardCharsets.UTF_8);
    assertTrue(e.contains("usage") && e.contains("regions") && e.contains("'tables'"), e);
  }

  @Test
  void descriptorMatchesTheSchemaExactly() {
    TableSchema schema = new TableSchema("t", 4);
    TableDescriptor d = SchemaTool.descriptor(schema);
    assertEquals(List.of(), SchemaTool.differences(d, schema));
    assertEquals(3, d.getColumnFamilyCount());
    assertEquals(3, SchemaTool.splitKeys(schema).length);
  }

  @Test
  void shellScriptNamesEveryFamilySettingAndTheRestriction() {
    String shell = SchemaTool.createScript(new TableSchema("eventstate", 4));
    assertTrue(shell.contains("create 'eventstate',"), shell);
    assertTrue(shell.contains("{NAME => 'e', VERSIONS => 1, TTL => 'FOREVER', COMPRESSION => 'GZ', BLOOMFILTER => 'ROW'"), shell);
    assertTrue(shell.contains("SPLITS => ['40', '80', 'c0']"), shell);
    assertTrue(shell.contains("'hbase.regionserver.region.split_restriction.delimiter' => '|'"), shell);
    assertTrue(shell.contains("MultiRowMutationEndpoint|1073741823|"), shell);
  }
}
