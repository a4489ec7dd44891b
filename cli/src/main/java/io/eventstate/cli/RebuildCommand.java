package io.eventstate.cli;

import io.eventstate.core.config.Durations;
import io.eventstate.hbase.coprocessor.RebuildProtocol;
import io.eventstate.hbase.coprocessor.StateRebuildClient;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;

/**
 * {@code ./eventstate rebuild --table T [--machine NAME] [--entity TYPE[:ID]] [--lateness DURATION] [--verify-only]}:
 * re-derives the state of every entity (or the chosen ones) from its stored events with the table's current
 * definitions, in every region at once, on the RegionServers (the state coprocessor's rebuild endpoint), while writes
 * go on. Progress on stderr; the report (entities, events, what changed from which state to which, with the first few
 * entities) on stdout. A checkpoint in {@code .eventstate/rebuild/} (or {@code --checkpoint FILE}) lets a rerun of the
 * same rebuild skip what is done.
 */
final class RebuildCommand {

  static final String USAGE = "rebuild --table NAME [--machine NAME] [--entity TYPE[:ID]] [--lateness DURATION] "
      + "[--verify-only] [--checkpoint FILE] [--hbase-site FILE | --zk host:port]";

  private RebuildCommand() {
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    Options o = Options.parse(args, Set.of("table", "machine", "entity", "lateness", "checkpoint", "hbase-site", "zk"),
        Set.of("verify-only"));
    String table = o.get("table");
    if (table == null || !o.positional().isEmpty()) {
      throw new CliException("usage: ./eventstate " + USAGE);
    }
    StateRebuildClient.Options options = StateRebuildClient.Options.defaults()
        .withVerifyOnly(o.has("verify-only")).withMachine(o.get("machine"));
    String entity = o.get("entity");
    if (entity != null) {
      int colon = entity.indexOf(':');
      if (entity.isEmpty() || colon == 0 || colon == entity.length() - 1) {
        throw new CliException("--entity " + entity + " must be TYPE or TYPE:ID, e.g. --entity package:EZ4000000004");
      }
      options = colon < 0 ? options.withEntity(entity, null)
          : options.withEntity(entity.substring(0, colon), entity.substring(colon + 1));
    }
    if (o.has("lateness")) {
      try {
        options = options.withLateness(Durations.parseNanos(o.get("lateness")));
      } catch (IllegalArgumentException e) {
        throw new CliException("--lateness " + o.get("lateness") + ": " + Durations.FORMAT_HELP);
      }
    }
    Path checkpoint = o.has("checkpoint") ? Path.of(o.get("checkpoint"))
        : Home.state().resolve("rebuild").resolve(table + ".checkpoint");
    options = options.withCheckpoint(checkpoint);
    try (HBaseAccess hbase = HBaseAccess.open(o.get("hbase-site"), o.get("zk"), err)) {
      TableName tn = TableName.valueOf(table);
      try (Admin admin = hbase.connection().getAdmin()) {
        if (!admin.tableExists(tn)) {
          throw new CliException("table " + table + " not found at " + hbase.where());
        }
      }
      if (!StateRebuildClient.servesRebuild(hbase.connection(), tn)) {
        throw new CliException("table " + table + " does not load the state coprocessor; load it and its definitions "
            + "first: ./eventstate definitions apply --table " + table + " --conf DIR");
      }
      String verb = options.verifyOnly() ? "verify" : "rebuild";
      long[] lastPrint = {0};
      StateRebuildClient.Report r = StateRebuildClient.run(hbase.connection(), tn, options, p -> {
        long now = System.nanoTime();
        if (now - lastPrint[0] > 250_000_000L || p.rangesDone() == p.ranges()) {
          lastPrint[0] = now;
          err.print(String.format(Locale.ROOT, "\r%s %s: regions %d/%d, %,d entities, %,d events, %,.0f events/s   ",
              verb, table, p.rangesDone(), p.ranges(), p.entities(), p.events(), p.eventsPerSecond()));
          err.flush();
        }
      });
      err.println();
      out.print(report(table, options.verifyOnly(), r));
      if (!options.verifyOnly()) {
        java.nio.file.Files.deleteIfExists(checkpoint); // done: the next rebuild starts from the beginning
      }
      return 0;
    } catch (IOException e) {
      throw new CliException("rebuild of " + table + " failed: " + HBaseAccess.firstLine(e)
          + (options.verifyOnly() ? "" : "; run the same command again: it resumes from " + checkpoint));
    }
  }

  static String report(String table, boolean verifyOnly, StateRebuildClient.Report r) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%s %s: %d regions%s, %,d entities, %,d events in %.1f s (%,.0f events/s)%n",
        verifyOnly ? "verified" : "rebuilt", table, r.ranges(),
        r.resumed() > 0 ? " (" + r.resumed() + " resumed from the checkpoint)" : "", r.entities(), r.events(), r.seconds(),
        r.eventsPerSecond()));
    sb.append(String.format(Locale.ROOT, "%s: %,d entities%s%n", verifyOnly ? "would change" : "changed", r.changed(),
        verifyOnly ? "" : " (" + r.written() + " cells written, " + r.deleted() + " deleted)"));
    for (RebuildProtocol.Change c : r.changes()) {
      sb.append(String.format(Locale.ROOT, "  %s: %s -> %s  %,d entities, e.g. %s%n", c.name(), c.from(), c.to(),
          c.count(), String.join(", ", c.samples())));
    }
    return sb.toString();
  }
}
