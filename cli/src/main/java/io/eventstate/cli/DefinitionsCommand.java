package io.eventstate.cli;

import io.eventstate.core.fsm.DefinitionException;
import io.eventstate.core.state.DefinitionCatalog;
import io.eventstate.core.state.DefinitionDiff;
import io.eventstate.core.state.EntityStateSpec;
import io.eventstate.hbase.coprocessor.StateRebuildClient;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import io.eventstate.core.rowkey.TableSchema;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.CoprocessorDescriptorBuilder;
import org.apache.hadoop.hbase.client.TableDescriptor;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.apache.hadoop.hbase.util.Bytes;

/**
 * {@code ./eventstate definitions apply --table T [--conf DIR]}: validates the machine and session definitions of
 * {@code DIR/machines} (or {@code DIR} itself), prints how they differ from the table's (definitions added, removed,
 * changed; states removed, renamed, added) and alters the table to hold them, loading the state coprocessor if the
 * table has none ({@code --jar PATH} for a cluster whose RegionServers do not have it on their class path). Stored state
 * stays as it was until {@code ./eventstate rebuild}; new events are applied with the new definitions at once.
 */
final class DefinitionsCommand {

  static final String USAGE = "definitions apply --table NAME [--conf DIR] [--jar PATH] [--dry-run] "
      + "[--hbase-site FILE | --zk host:port]";

  private DefinitionsCommand() {
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    Options o = Options.parse(args, Set.of("table", "conf", "jar", "hbase-site", "zk"), Set.of("dry-run"));
    if (o.positional().size() != 1 || !o.positional().get(0).equals("apply") || o.get("table") == null) {
      throw new CliException("usage: ./eventstate " + USAGE);
    }
    String table = o.get("table");
    Path conf = Home.conf(o.get("conf"));
    Path dir = Files.isDirectory(conf.resolve("machines")) ? conf.resolve("machines") : conf;
    Map<String, String> wanted = load(dir);
    try (HBaseAccess hbase = HBaseAccess.open(o.get("hbase-site"), o.get("zk"), err);
        Admin admin = hbase.connection().getAdmin()) {
      TableName tn = TableName.valueOf(table);
      if (!admin.tableExists(tn)) {
        throw new CliException("table " + table + " not found at " + hbase.where());
      }
      TableDescriptor d = admin.getDescriptor(tn);
      Map<String, String> stored = StateRebuildClient.stateKeys(d);
      EntityStateSpec storedSpec = stored.isEmpty()
          ? new EntityStateSpec(List.of(), List.of(), -1) : EntityStateSpec.parse(stored);
      Map<String, String> all = new TreeMap<>(stored); // the table's other settings (lateness, snapshots) stay
      all.keySet().removeIf(k -> k.startsWith(EntityStateSpec.CONFIG_MACHINE_PREFIX));
      all.putAll(wanted);
      EntityStateSpec wantedSpec;
      try {
        wantedSpec = EntityStateSpec.parse(all);
      } catch (IllegalArgumentException e) {
        throw new CliException("the definitions of " + dir + " do not fit table " + table + ": " + e.getMessage());
      }
      DefinitionDiff diff = DefinitionDiff.between(storedSpec, wantedSpec);
      boolean loads = StateRebuildClient.servesRebuild(hbase.connection(), tn);
      out.println("definitions of " + dir + " against table " + table + ":");
      if (diff.same() && loads) {
        out.println("  no change");
        return 0;
      }
      diff.lines().forEach(l -> out.println("  " + l));
      if (!loads) {
        out.println("  the state coprocessor is not loaded: it will be");
      }
      if (o.has("dry-run")) {
        out.println("dry run: table not altered");
        return 0;
      }
      TableDescriptorBuilder b = TableDescriptorBuilder.newBuilder(d);
      for (String k : stored.keySet()) {
        if (k.startsWith(EntityStateSpec.CONFIG_MACHINE_PREFIX)) {
          b.removeValue(Bytes.toBytes(k));
        }
      }
      wanted.forEach(b::setValue);
      if (!loads) {
        CoprocessorDescriptorBuilder cp = CoprocessorDescriptorBuilder.newBuilder(TableSchema.STATE_OBSERVER)
            .setPriority(TableSchema.COPROCESSOR_PRIORITY);
        if (o.get("jar") != null) {
          cp.setJarPath(o.get("jar"));
        }
        b.setCoprocessor(cp.build());
      }
      admin.modifyTable(b.build()); // the master observer refuses invalid definitions; regions reopen with these
      out.println("table " + table + " altered; new events apply the new definitions. Stored state is re-derived by:");
      out.println("  ./eventstate rebuild --table " + table + " --verify-only   (what would change)");
      out.println("  ./eventstate rebuild --table " + table);
      return 0;
    } catch (IOException e) {
      throw new CliException("cannot apply the definitions to " + table + ": " + HBaseAccess.firstLine(e));
    }
  }

  /** The table values of every definition in {@code dir}, validated. */
  static Map<String, String> load(Path dir) {
    try {
      DefinitionCatalog.load(dir);
      List<String> json = new ArrayList<>();
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
        for (Path p : ds) {
          json.add(Files.readString(p, StandardCharsets.UTF_8));
        }
      }
      Map<String, String> values = new TreeMap<>(EntityStateSpec.properties(json));
      EntityStateSpec.parse(values);
      return values;
    } catch (DefinitionException e) {
      throw new CliException("invalid definitions in " + dir + ":\n  " + String.join("\n  ", e.problems()));
    } catch (IOException e) {
      throw new CliException("cannot read the definitions in " + dir + ": " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new CliException("invalid definitions in " + dir + ": " + e.getMessage());
    }
  }
}
