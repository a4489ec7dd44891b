package io.eventstate.dist;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Flume installation laid out like the binary distribution, built from jars: {@code lib/} holds Flume
 * 1.11.0's own jars (computed by dist/flume-lib), {@code plugins.d/eventstate} comes from unpacking the
 * plugin tarball. {@link #start} forks an agent with the class path {@code bin/flume-ng} builds:
 * {@code lib/*:plugins.d/eventstate/lib/*:plugins.d/eventstate/libext/*}.
 */
final class ForkedFlume {

  final Path home;
  private Process process;
  private int runs;

  private ForkedFlume(Path home) {
    this.home = home;
  }

  /** Copies Flume's lib and unpacks the plugin tarball into {@code home}. */
  static ForkedFlume install(Path home, Path flumeLib, Path tarball) throws IOException, InterruptedException {
    if (!Files.isDirectory(flumeLib)) {
      throw new IllegalStateException("Flume's lib not computed: " + flumeLib + " (build dist/flume-lib first)");
    }
    if (!Files.isRegularFile(tarball)) {
      throw new IllegalStateException("plugin tarball missing: " + tarball + " (run mvn package -pl dist -am)");
    }
    Path lib = Files.createDirectories(home.resolve("lib"));
    try (Stream<Path> jars = Files.list(flumeLib)) {
      for (Path j : (Iterable<Path>) jars::iterator) {
        Files.copy(j, lib.resolve(j.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    Process tar = new ProcessBuilder("tar", "xzf", tarball.toString(), "-C", home.toString())
        .redirectErrorStream(true).start();
    String tarOut = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (tar.waitFor() != 0) {
      throw new IllegalStateException("tar failed: " + tarOut);
    }
    Files.createDirectories(home.resolve("conf"));
    Files.writeString(home.resolve("conf/log4j2.xml"), String.join("\n",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
        "<Configuration status=\"WARN\">",
        "  <Appenders><Console name=\"out\" target=\"SYSTEM_OUT\">",
        "    <PatternLayout pattern=\"%d{HH:mm:ss.SSS} %-5p [%t] %c{1}: %m%n\"/></Console></Appenders>",
        "  <Loggers><Logger name=\"org.apache.flume\" level=\"INFO\"/><Logger name=\"io.eventstate\" level=\"INFO\"/>",
        "    <Root level=\"WARN\"><AppenderRef ref=\"out\"/></Root></Loggers>",
        "</Configuration>", ""), StandardCharsets.UTF_8);
    return new ForkedFlume(home);
  }

  /** The class path {@code bin/flume-ng} builds for an agent with this one plugin. */
  String classPath() {
    return String.join(File.pathSeparator, home.resolve("lib") + "/*",
        home.resolve("plugins.d/eventstate/lib") + "/*", home.resolve("plugins.d/eventstate/libext") + "/*");
  }

  /** Forks {@code org.apache.flume.node.Application -n AGENT -f PROPERTIES}; output goes to agent-N.log. */
  Path start(String agent, Path properties, int monitoringPort) throws IOException {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("agent already running");
    }
    Path log = home.resolve("agent-" + (++runs) + ".log");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // What docs/operations.md tells users to put in conf/flume-env.sh (JAVA_OPTS): HBase's client wants these
    // on Java 17 for its unaligned-access check; without them it logs a warning and falls back.
    cmd.add("-Xmx256m");
    cmd.add("--add-opens");
    cmd.add("java.base/java.nio=ALL-UNNAMED");
    cmd.add("--add-opens");
    cmd.add("java.base/java.lang=ALL-UNNAMED");
    cmd.add("-Dlog4j.configurationFile=" + home.resolve("conf/log4j2.xml"));
    // Which jar every loaded class came from: what the plugin's libext needs at run time is measured, not guessed.
    cmd.add("-Xlog:class+load=info:file=" + home.resolve("classes-" + runs + ".log"));
    cmd.add("-Dflume.monitoring.type=http");
    cmd.add("-Dflume.monitoring.port=" + monitoringPort);
    cmd.add("-cp");
    cmd.add(classPath());
    cmd.add("org.apache.flume.node.Application");
    cmd.add("-n");
    cmd.add(agent);
    cmd.add("-f");
    cmd.add(properties.toString());
    process = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    return log;
  }

  boolean alive() {
    return process != null && process.isAlive();
  }

  /** SIGKILL: no shutdown hook runs, the file channel is left as a crash leaves it. */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM, then SIGKILL after 30 s. */
  void stop() throws InterruptedException {
    if (process == null) {
      return;
    }
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      kill9();
    }
  }

  /** Classes loaded per jar file name, over every run of the agent so far (from the JVM's class+load log). */
  java.util.Map<String, Integer> classesLoadedPerJar() {
    java.util.Map<String, Integer> out = new java.util.TreeMap<>();
    java.util.regex.Pattern source = java.util.regex.Pattern.compile("source: (?:jar:)?file:(\\S+?\\.jar)");
    for (int i = 1; i <= runs; i++) {
      Path f = home.resolve("classes-" + i + ".log");
      if (!Files.isRegularFile(f)) {
        continue;
      }
      try (Stream<String> lines = Files.lines(f, StandardCharsets.UTF_8)) {
        lines.forEach(l -> {
          java.util.regex.Matcher m = source.matcher(l);
          if (m.find()) {
            out.merge(Path.of(m.group(1)).getFileName().toString(), 1, Integer::sum);
          }
        });
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  /** Everything every run of the agent logged. */
  String logs() {
    StringBuilder sb = new StringBuilder();
    for (int i = 1; i <= runs; i++) {
      try {
        sb.append(Files.readString(home.resolve("agent-" + i + ".log"), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return sb.toString();
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
