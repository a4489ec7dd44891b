package io.eventstate.cli;

import io.eventstate.core.state.DefinitionCatalog;
import io.eventstate.core.fsm.DefinitionException;
import io.eventstate.core.rowkey.TableSchema;
import io.eventstate.flume.sink.SchemaTool;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code ./eventstate ddl [--table NAME] [--regions N] [--conf DIR] [--write]}: prints the HBase shell script that
 * creates the table ({@link SchemaTool#createScript}) and the Hive DDL for Impala ({@link QuerySchema}) for
 * the configured schema and the machine and session definitions in {@code conf/machines}. {@code --write}
 * (re)writes {@code conf/hive/*.sql} instead of printing.
 */
final class DdlCommand {

  static final String USAGE = "ddl [--table NAME] [--regions N] [--conf DIR] [--write]";

  private DdlCommand() {
  }

  static int run(String[] args, PrintStream out) {
    Options o = Options.parse(args, Set.of("table", "regions", "conf"), Set.of("write"));
    if (!o.positional().isEmpty()) {
      throw new CliException("unexpected argument '" + o.positional().get(0) + "'; usage: ./eventstate " + USAGE);
    }
    Path conf = Home.conf(o.get("conf"));
    QuerySchema q = querySchema(conf, schema(o));
    if (o.has("write")) {
      Path dir = conf.resolve("hive");
      try {
        Files.createDirectories(dir);
        for (Map.Entry<String, String> f : q.hiveFiles().entrySet()) {
          Files.writeString(dir.resolve(f.getKey()), f.getValue(), StandardCharsets.UTF_8);
          out.println("wrote " + dir.resolve(f.getKey()));
        }
      } catch (IOException e) {
        throw new CliException("cannot write " + dir + ": " + e.getMessage());
      }
      return 0;
    }
    out.println("# ==== HBase shell (hbase shell -n <this part>)");
    out.print(SchemaTool.createScript(q.schema()));
    out.println();
    out.println("-- ==== Hive (beeline -f <this part>), then Impala");
    out.print(q.hiveScript());
    return 0;
  }

  static TableSchema schema(Options o) {
    Map<String, String> p = new LinkedHashMap<>();
    if (o.has("table")) {
      p.put(TableSchema.CONFIG_TABLE, o.get("table"));
    }
    if (o.has("regions")) {
      p.put(TableSchema.CONFIG_REGIONS, o.get("regions"));
    }
    try {
      return TableSchema.parse(p);
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage().replace("key 'table'", "--table").replace("key 'regions'", "--regions"));
    }
  }

  static QuerySchema querySchema(Path conf, TableSchema schema) {
    Path machines = conf.resolve("machines");
    try {
      DefinitionCatalog catalog = Files.isDirectory(machines) ? DefinitionCatalog.load(machines)
          : new DefinitionCatalog(java.util.List.of(), java.util.List.of());
      return new QuerySchema(schema, catalog);
    } catch (DefinitionException e) {
      throw new CliException("invalid definitions (run ./eventstate validate): " + String.join("; ", e.problems()));
    } catch (IOException e) {
      throw new CliException("cannot read " + machines + ": " + e.getMessage());
    }
  }
}
