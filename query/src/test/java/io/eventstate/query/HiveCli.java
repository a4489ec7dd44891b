package io.eventstate.query;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Hive 3.1.3's own command line ({@code CliDriver}) in a JVM of its own, with the class path of a Hive installation
 * (computed by query/hive-runtime: Hive's old Guava, Avro and DataNucleus never meet this JVM's), an embedded Derby
 * metastore and MapReduce in local mode. A script's query results are told apart by marker rows: a query preceded
 * by {@code SELECT '@@ name';} has its rows under {@code name} in {@link Result#sections()}.
 */
final class HiveCli {

  static final String MARKER = "@@ ";
  /** A log line that reached stdout despite the logging set-up (Hadoop's metrics system logs through its own). */
  private static final java.util.regex.Pattern LOG_LINE =
      java.util.regex.Pattern.compile("^\\d\\d:\\d\\d:\\d\\d[.,]\\d{3} +(TRACE|DEBUG|INFO|WARN|ERROR) ");

  /** What a run printed: rows (tab-separated on stdout) and Hive's log (stderr). */
  record Result(int exit, String out, String log) {
    /** Rows of each marked query, in order; a row is its tab-separated fields ({@code NULL} as Hive prints it). */
    Map<String, List<List<String>>> sections() {
      Map<String, List<List<String>>> out = new LinkedHashMap<>();
      List<List<String>> current = null;
      for (String line : this.out.split("\n", -1)) {
        if (line.startsWith(MARKER)) {
          current = new ArrayList<>();
          out.put(line.substring(MARKER.length()).strip(), current);
        } else if (current != null && !line.isEmpty() && !LOG_LINE.matcher(line).find()) {
          current.add(List.of(line.split("\t", -1)));
        }
      }
      return out;
    }
  }

  private HiveCli() {
  }

  /** The marker statement that names the next query's rows. */
  static String marker(String name) {
    return "SELECT '" + MARKER + name + "';\n";
  }

  /**
   * Runs {@code script} with {@code hive -f}; {@code conf} becomes {@code --hiveconf} settings on top of the
   * metastore and local-mode settings made here under {@code work}.
   */
  static Result run(Path work, Map<String, String> conf, String script) throws IOException, InterruptedException {
    Path classPath = Path.of(System.getProperty("eventstate.hive.classpath", "hive-runtime/target/hive-classpath.txt"));
    if (!Files.isRegularFile(classPath)) {
      throw new IllegalStateException("Hive's class path is not computed: " + classPath.toAbsolutePath()
          + " (the query/hive-runtime module computes it in the same reactor build)");
    }
    Files.createDirectories(work);
    Path file = work.resolve("script.sql");
    Files.writeString(file, script, StandardCharsets.UTF_8);
    Map<String, String> c = new LinkedHashMap<>();
    c.put("javax.jdo.option.ConnectionURL", "jdbc:derby:;databaseName=" + work.resolve("metastore_db") + ";create=true");
    c.put("hive.metastore.schema.verification", "false");
    c.put("datanucleus.schema.autoCreateAll", "true");
    c.put("datanucleus.connectionPoolingType", "None");
    c.put("hive.metastore.warehouse.dir", work.resolve("warehouse").toUri().toString());
    c.put("hive.exec.local.scratchdir", work.resolve("local-scratch").toString());
    c.put("hive.querylog.location", work.resolve("querylog").toString());
    c.put("hive.downloaded.resources.dir", work.resolve("resources").toString());
    c.put("mapreduce.framework.name", "local");
    c.put("mapreduce.cluster.local.dir", work.resolve("mapred-local").toString());
    // MapReduce stages run in this JVM (LocalJobRunner), not through a forked bin/hadoop
    c.put("hive.exec.submitviachild", "false");
    c.put("hive.exec.submit.local.task.via.child", "false");
    c.put("hive.stats.autogather", "false");
    c.put("hive.stats.column.autogather", "false");
    c.putAll(conf);

    Path log4j = work.resolve("log4j2.xml");
    Files.writeString(log4j, String.join("\n",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
        "<Configuration status=\"WARN\">",
        "  <Appenders><Console name=\"err\" target=\"SYSTEM_ERR\">",
        "    <PatternLayout pattern=\"%d{HH:mm:ss.SSS} %-5p %c{1}: %m%n\"/></Console></Appenders>",
        "  <Loggers><Root level=\"WARN\"><AppenderRef ref=\"err\"/></Root></Loggers>",
        "</Configuration>", ""), StandardCharsets.UTF_8);
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    cmd.add("-Dlog4j.configurationFile=" + log4j);
    cmd.add("-Dlog4j2.configurationFile=" + log4j);
    cmd.add("-Duser.timezone=UTC");
    cmd.add("-Dderby.stream.error.file=" + work.resolve("derby.log"));
    cmd.add("-Dhive.log.dir=" + work.resolve("log"));
    for (String pkg : List.of("java.lang", "java.lang.reflect", "java.lang.invoke", "java.util", "java.util.regex",
        "java.util.concurrent", "java.util.concurrent.atomic", "java.net", "java.nio", "java.io", "java.text")) {
      cmd.add("--add-opens");
      cmd.add("java.base/" + pkg + "=ALL-UNNAMED");
    }
    cmd.add("--add-opens");
    cmd.add("java.sql/java.sql=ALL-UNNAMED");
    cmd.add("-cp");
    cmd.add(Path.of(HiveLauncher.class.getProtectionDomain().getCodeSource().getLocation().getPath()).toString());
    cmd.add(HiveLauncher.class.getName());
    cmd.add(classPath.toAbsolutePath().toString());
    c.forEach((k, v) -> {
      cmd.add("--hiveconf");
      cmd.add(k + "=" + v);
    });
    cmd.add("-f");
    cmd.add(file.toString());
    Path out = work.resolve("stdout.txt");
    Path log = work.resolve("stderr.txt");
    Process p = new ProcessBuilder(cmd).directory(work.toFile()).redirectOutput(out.toFile()).redirectError(log.toFile())
        .start();
    if (!p.waitFor(20, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException("Hive did not finish within 20 minutes; its log: " + log);
    }
    return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(log, StandardCharsets.UTF_8));
  }
}
