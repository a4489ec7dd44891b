package io.eventstate.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code ./eventstate} command run in the test JVM ({@link Main#run}), with what it printed; and the readers of
 * the run summary the end-to-end tests share.
 */
record CliRun(int code, String out, String err) {

  /** Runs {@code ./eventstate ARGS}. */
  static CliRun run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** The number of the first group of {@code regex} in {@code text}; fails when it does not match. */
  static long number(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertTrue(m.find(), "no match for " + regex + " in\n" + text);
    return Long.parseLong(m.group(1));
  }

  /** The summary's lines about what is stored: table totals, states per machine, sessions. */
  static List<String> stored(String out) {
    return out.lines().filter(l -> l.startsWith("== table") || l.startsWith("== machine") || l.startsWith("== sessions")
        || l.matches("[a-z_/]+ +[0-9]+")).toList();
  }
}
