package io.eventstate.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;

/**
 * {@code ./eventstate <command> [options]}. Every user error is one line on stderr and a non-zero exit,
 * without a stack trace ({@code EVENTSTATE_DEBUG=1} prints it).
 */
public final class Main {

  private static final String USAGE = String.join("\n",
      "usage: ./eventstate <command> [options]",
      "",
      "commands:",
      "  normalize --conf FILE [--agent NAME] [--source NAME] [INPUT|-]",
      "      run raw JSON lines through the interceptor chain (and HTTP handler) of one source of an agent",
      "      properties file; print one JSON line per result",
      "  " + DiagramCommand.USAGE,
      "      draw a state machine (by file or by name in conf/machines); svg/png need Graphviz's dot",
      "  " + ValidateCommand.USAGE,
      "      check every agent properties file, machine definition and the generated schema under conf",
      "  " + DdlCommand.USAGE,
      "      print the HBase shell script and the Hive/Impala DDL (--write regenerates conf/hive)",
      "  " + EntityQueryCommand.USAGE,
      "      one entity's state row, events or sessions, from the demo's embedded HBase or a cluster",
      "  " + DemoCommand.USAGE,
      "      embedded HBase + the example agent in this process, fed with the bundled samples; prints a summary",
      "  " + RunCommand.USAGE,
      "      the same with your own agent properties, machine definitions and events files",
      "  " + SchemaCommand.USAGE,
      "      create or check the table, print its HBase shell script, or the commands loading the state coprocessor",
      "  " + HBaseCommand.USAGE,
      "      run the embedded HBase (data in .eventstate/hbase) with the table and the state coprocessor, until Ctrl-C",
      "  " + DefinitionsCommand.USAGE,
      "      validate definitions, print how they differ from a table's, and alter the table to hold them",
      "  " + RebuildCommand.USAGE,
      "      re-derive state from the stored events with the table's definitions, in every region at once",
      "  help      this text");

  private Main() {
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
      out.println(USAGE);
      return args.length == 0 ? 2 : 0;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    try {
      switch (args[0].toLowerCase(Locale.ROOT)) {
        case "normalize":
          return NormalizeCommand.run(rest, out, err);
        case "diagram":
          return DiagramCommand.run(rest, out);
        case "validate":
          return ValidateCommand.run(rest, out);
        case "ddl":
          return DdlCommand.run(rest, out);
        case "demo":
          return DemoCommand.run(rest, out, err);
        case "run":
          return RunCommand.run(rest, out, err);
        case "definitions":
          return DefinitionsCommand.run(rest, out, err);
        case "rebuild":
          return RebuildCommand.run(rest, out, err);
        case "hbase":
          return HBaseCommand.run(rest, out);
        case "schema":
          return SchemaCommand.run(rest, out, err);
        case "state":
        case "events":
        case "sessions":
          return EntityQueryCommand.run(args[0].toLowerCase(Locale.ROOT), rest, out, err);
        default:
          throw new CliException("unknown command '" + args[0] + "'; run ./eventstate help");
      }
    } catch (CliException e) {
      err.println("eventstate " + args[0] + ": " + e.getMessage());
      return e.exitCode();
    } catch (RuntimeException | LinkageError e) {
      err.println("eventstate " + args[0] + ": unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage());
      if (System.getenv("EVENTSTATE_DEBUG") != null) {
        e.printStackTrace(err);
      }
      return 1;
    }
  }
}
