package io.eventstate.cli;

import io.eventstate.flume.sink.SchemaTool;

import java.io.PrintStream;
import java.util.Set;

/**
 * {@code ./eventstate schema create|check|print|print-state ...}: the schema tool ({@link SchemaTool}), the one way
 * to install the table and the state coprocessor. {@code create} and {@code check} reach HBase as the other
 * commands do ({@code --hbase-site FILE}, {@code --zk host:port}, else the embedded demo HBase, see
 * {@link HBaseAccess}); {@code print} and {@code print-state} need no cluster.
 */
final class SchemaCommand {

  static final String USAGE = "schema create|check|print [table=NAME] [regions=N] [--hbase-site FILE | --zk host:port]"
      + "\n            | schema print-state table=NAME jar=URI [lateness=DURATION] DEFINITION.json...";

  private SchemaCommand() {
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    Options o = Options.parse(args, Set.of("hbase-site", "zk"), Set.of());
    String[] toolArgs = o.positional().toArray(new String[0]);
    if (toolArgs.length == 0 || !SchemaTool.COMMANDS.contains(toolArgs[0])) {
      throw new CliException("usage: ./eventstate " + USAGE);
    }
    HBaseAccess[] hbase = new HBaseAccess[1];
    try {
      return SchemaTool.run(toolArgs, () -> {
        if (hbase[0] == null) {
          hbase[0] = HBaseAccess.open(o.get("hbase-site"), o.get("zk"), err);
        }
        return hbase[0].connection().getAdmin();
      }, out, err);
    } finally {
      if (hbase[0] != null) {
        hbase[0].close();
      }
    }
  }
}
