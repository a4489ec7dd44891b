import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Build step of the dist module (run by exec-maven-plugin as a single-file Java program, so that it needs no
 * compilation): lays out the Flume plugin directory {@code plugins.d/eventstate/{lib,libext}}.
 *
 * <pre>
 *   java PluginLayout.java DIST_DEPS FLUME_LIB OUT_DIR PLUGIN_JAR
 * </pre>
 * {@code DIST_DEPS} is {@code dependency:list} of the dist module (runtime scope, absolute file names);
 * {@code FLUME_LIB} is {@code dependency:list} of eventstate-flume-lib (what a Flume 1.11.0 agent has in its
 * own {@code lib}). Rules, by {@code groupId:artifactId[:classifier]} whatever the version:
 * <ul>
 *   <li>our own artifacts ({@code io.eventstate}) and Jackson are inside {@code PLUGIN_JAR} (the dist module's
 *       shaded jar, Jackson relocated to {@code io.eventstate.shaded.jackson}), which goes to {@code lib};</li>
 *   <li>an artifact Flume's lib already has is left out: Flume's {@code lib/*} comes first on the class path,
 *       so a second copy could only cause split packages or a LinkageError;</li>
 *   <li>SLF4J bindings and logging back ends are left out: the agent has exactly one (Flume's Log4j 2);</li>
 *   <li>what no agent loads a class from (YARN, Jersey, Guice, Hadoop's server side: {@code UNUSED_ON_THE_CLIENT},
 *       measured by PluginPackageIT) is left out;</li>
 *   <li>everything else goes to {@code libext}.</li>
 * </ul>
 * Writes {@code OUT_DIR/plugins.d/eventstate/CLASSPATH.txt}: what is in lib and libext, and every artifact left
 * out with the version the plugin was built against and the version Flume provides, so a version clash is
 * visible (tested by PluginPackageIT, which runs the agent on exactly this class path).
 */
public final class PluginLayout {

  private static final Set<String> LOGGING_BACKENDS = Set.of(
      "org.slf4j:slf4j-reload4j", "org.slf4j:slf4j-log4j12", "org.slf4j:slf4j-simple", "org.slf4j:slf4j-jdk14",
      "ch.qos.reload4j:reload4j", "log4j:log4j", "ch.qos.logback:logback-classic", "ch.qos.logback:logback-core",
      "org.apache.logging.log4j:log4j-slf4j-impl", "org.apache.logging.log4j:log4j-slf4j2-impl",
      "org.apache.logging.log4j:log4j-core", "org.apache.logging.log4j:log4j-1.2-api");

  /**
   * Left out of libext although the HBase client's dependencies (through hadoop-common and
   * hadoop-mapreduce-client-core) bring them: no forked agent of PluginPackageIT loaded a class from them (the
   * measurement, with -Xlog:class+load, is dist/target/libext-use.txt), and only Hadoop's servers, YARN and the
   * SFTP/FTP file systems use them. hadoop-mapreduce-client-core itself stays: Flume's HDFS sink loads its JobConf
   * and output formats.
   */
  private static final Set<String> UNUSED_ON_THE_CLIENT = Set.of(
      "org.apache.hadoop:hadoop-yarn-api", "org.apache.hadoop:hadoop-yarn-client", "org.apache.hadoop:hadoop-yarn-common",
      "com.google.inject:guice", "com.google.inject.extensions:guice-servlet", "javax.inject:javax.inject",
      "aopalliance:aopalliance", "com.sun.jersey:jersey-client", "com.sun.jersey:jersey-core",
      "com.sun.jersey:jersey-server", "com.sun.jersey:jersey-servlet", "com.sun.jersey.contribs:jersey-guice",
      "com.github.pjfanning:jersey-json", "javax.ws.rs:jsr311-api", "org.codehaus.jettison:jettison",
      "com.sun.xml.bind:jaxb-impl", "com.fasterxml.jackson.jaxrs:jackson-jaxrs-base",
      "com.fasterxml.jackson.jaxrs:jackson-jaxrs-json-provider", "com.fasterxml.jackson.module:jackson-module-jaxb-annotations",
      "org.eclipse.jetty:jetty-client", "org.eclipse.jetty:jetty-webapp", "org.eclipse.jetty:jetty-xml",
      "org.eclipse.jetty.websocket:websocket-api", "org.eclipse.jetty.websocket:websocket-client",
      "org.eclipse.jetty.websocket:websocket-common", "org.jline:jline", "com.jcraft:jsch", "commons-net:commons-net");

  record Artifact(String group, String artifact, String classifier, String version, String scope, Path file) {
    String key() {
      return group + ":" + artifact + (classifier == null ? "" : ":" + classifier);
    }
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 4) {
      throw new IllegalArgumentException("usage: PluginLayout DIST_DEPS FLUME_LIB OUT_DIR PLUGIN_JAR");
    }
    Path pluginJar = Path.of(args[3]);
    List<Artifact> ours = parse(Path.of(args[0]), true);
    Map<String, Artifact> flume = new LinkedHashMap<>();
    for (Artifact a : parse(Path.of(args[1]), false)) {
      flume.put(a.key(), a);
    }
    Path plugin = Path.of(args[2]).resolve("plugins.d").resolve("eventstate");
    Path lib = plugin.resolve("lib");
    Path libext = plugin.resolve("libext");
    deleteJars(lib);
    deleteJars(libext); // a jar left out since the last build must not stay behind
    Files.createDirectories(lib);
    Files.createDirectories(libext);
    Map<String, String> inLib = new TreeMap<>();
    Map<String, String> inLibext = new TreeMap<>();
    Map<String, String> left = new TreeMap<>();
    for (Artifact a : ours) {
      if (a.scope().equals("provided") || a.scope().equals("test") || a.scope().equals("system")) {
        continue;
      }
      if (a.group().equals("io.eventstate")) {
        inLib.put(a.key(), a.version() + " (in " + pluginJarName(a.version()) + ")");
      } else if (a.group().equals("com.fasterxml.jackson.core")) {
        left.put(a.key(), a.version() + ": relocated into lib/" + pluginJarName(a.version())
            + " as io.eventstate.shaded.jackson (Flume's lib has " + (flume.containsKey(a.key())
            ? flume.get(a.key()).version() : "none") + ")");
      } else if (flume.containsKey(a.key())) {
        Artifact f = flume.get(a.key());
        left.put(a.key(), "built against " + a.version() + ", Flume's lib has " + f.version()
            + (f.version().equals(a.version()) ? "" : "  <-- Flume's version is the one loaded"));
      } else if (LOGGING_BACKENDS.contains(a.group() + ":" + a.artifact())) {
        left.put(a.key(), a.version() + ": logging back end; the agent's own (Log4j 2 in Flume's lib) is used");
      } else if (UNUSED_ON_THE_CLIENT.contains(a.group() + ":" + a.artifact())) {
        left.put(a.key(), a.version() + ": no class of it is loaded by an agent (YARN, Jersey, Guice, Hadoop's servers)");
      } else {
        copy(a, libext);
        inLibext.put(a.key(), a.version());
      }
    }
    if (inLib.isEmpty()) {
      throw new IllegalStateException("no io.eventstate artifact in " + args[0]);
    }
    if (!Files.isRegularFile(pluginJar)) {
      throw new IllegalStateException("the shaded plugin jar is missing: " + pluginJar);
    }
    String version = ours.stream().filter(a -> a.group().equals("io.eventstate")).findFirst().orElseThrow().version();
    Files.copy(pluginJar, lib.resolve(pluginJarName(version)), StandardCopyOption.REPLACE_EXISTING);
    StringBuilder sb = new StringBuilder();
    sb.append("Eventstate Flume plugin (plugins.d layout), generated by dist/src/build/PluginLayout.java.\n")
        .append("Flume's bin/flume-ng puts lib/*, libext/* and native of every plugins.d/<name> on the agent class path.\n")
        .append("Flume's own lib (Flume 1.11.0, computed by dist/flume-lib) precedes them.\n\n");
    section(sb, "lib (Eventstate)", inLib);
    section(sb, "libext (what Flume 1.11.0's lib lacks)", inLibext);
    section(sb, "left out (Flume's lib provides it, or a logging back end)", left);
    Files.writeString(plugin.resolve("CLASSPATH.txt"), sb.toString(), StandardCharsets.UTF_8);
    System.out.printf("PluginLayout: lib %d, libext %d, left out %d -> %s%n", inLib.size(), inLibext.size(),
        left.size(), plugin);
  }

  private static void deleteJars(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      try (var s = Files.list(dir)) {
        for (Path p : (Iterable<Path>) s::iterator) {
          if (p.getFileName().toString().endsWith(".jar")) {
            Files.delete(p);
          }
        }
      }
    }
  }

  private static String pluginJarName(String version) {
    return "eventstate-flume-plugin-" + version + ".jar";
  }

  private static void section(StringBuilder sb, String title, Map<String, String> entries) {
    sb.append("## ").append(title).append(" (").append(entries.size()).append(")\n");
    entries.forEach((k, v) -> sb.append(k).append("  ").append(v).append('\n'));
    sb.append('\n');
  }

  private static void copy(Artifact a, Path dir) throws IOException {
    if (a.file() == null || !Files.isRegularFile(a.file())) {
      throw new IllegalStateException("no file for " + a.key() + ": " + a.file());
    }
    Files.copy(a.file(), dir.resolve(a.file().getFileName()), StandardCopyOption.REPLACE_EXISTING);
  }

  /** Parses {@code dependency:list} lines such as {@code g:a:jar[:classifier]:v:scope[:/path] -- module x}. */
  static List<Artifact> parse(Path list, boolean withFiles) throws IOException {
    List<Artifact> out = new ArrayList<>();
    for (String line : Files.readAllLines(list, StandardCharsets.UTF_8)) {
      String t = line.strip();
      int module = t.indexOf(" -- ");
      if (module >= 0) {
        t = t.substring(0, module).strip();
      }
      if (t.isEmpty() || t.startsWith("The following") || !t.contains(":")) {
        continue;
      }
      String[] p = t.split(":", -1);
      int n = withFiles ? p.length - 1 : p.length;
      Path file = withFiles ? Path.of(p[p.length - 1]) : null;
      if (n == 5) {
        out.add(new Artifact(p[0], p[1], null, p[3], p[4], file));
      } else if (n == 6) {
        out.add(new Artifact(p[0], p[1], p[3], p[4], p[5], file));
      } else {
        throw new IllegalArgumentException("cannot read dependency line '" + line + "' in " + list);
      }
    }
    return out;
  }
}
