package io.eventstate.query;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real HBase shell ({@code hbase-shell} 2.4.17 with its JRuby, on the HBase 2.6.4 client: the class path computed
 * by query/hbase-shell-runtime) in a JVM of its own, started the way {@code bin/hbase shell} starts it
 * ({@code org.jruby.JarBootstrapMain}, which runs the shell's {@code jar-bootstrap.rb}), pointed at a ZooKeeper with
 * {@code -D} options and running a script non-interactively ({@code hbase shell -n SCRIPT}).
 */
final class HBaseShell {

  /** What a script printed (stdout and stderr together) and its exit code. */
  record Result(int exit, String output) {
  }

  private HBaseShell() {
  }

  static Result run(Path script, int zkPort, Map<String, String> env) throws IOException, InterruptedException {
    Path classPath = Path.of(System.getProperty("eventstate.hbase.shell.classpath",
        "hbase-shell-runtime/target/hbase-shell-classpath.txt"));
    if (!Files.isRegularFile(classPath)) {
      throw new IllegalStateException("the HBase shell's class path is not computed: " + classPath.toAbsolutePath()
          + " (the query/hbase-shell-runtime module computes it in the same reactor build)");
    }
    // test-classes carries the one class hbase-shell 2.4 imports that HBase 2.6 no longer has (SpanReceiverHost)
    String testClasses = Path.of(HBaseShell.class.getProtectionDomain().getCodeSource().getLocation().getPath()).toString();
    // core's classes, as the coprocessor jar on HBASE_CLASSPATH gives them to a user's shell: entity.hbase takes its
    // row keys and ranges from RowKeyCodec
    String core = Path.of(io.eventstate.core.rowkey.RowKeyCodec.class.getProtectionDomain().getCodeSource().getLocation()
        .getPath()).toString();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx512m");
    cmd.add("--add-opens");
    cmd.add("java.base/java.lang=ALL-UNNAMED");
    cmd.add("--add-opens");
    cmd.add("java.base/java.nio=ALL-UNNAMED");
    cmd.add("-cp");
    cmd.add(Files.readString(classPath, StandardCharsets.UTF_8).strip() + java.io.File.pathSeparator + testClasses
        + java.io.File.pathSeparator + core);
    cmd.add("org.jruby.JarBootstrapMain");
    cmd.add("-Dhbase.zookeeper.quorum=127.0.0.1");
    cmd.add("-Dhbase.zookeeper.property.clientPort=" + zkPort);
    cmd.add("-Dhbase.client.retries.number=5");
    cmd.add("-n");
    cmd.add(script.toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(env);
    // a script without 'exit' falls through to the shell's prompt: end of input ends it as a user's Ctrl-D would
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Path out = Files.createTempFile(script.getParent(), "shell-", ".out");
    pb.redirectOutput(out.toFile());
    Process p = pb.start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException("the HBase shell did not finish " + script + " within 5 minutes: " + out);
    }
    return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
  }
}
