package io.eventstate.cli;

import io.eventstate.core.state.DefinitionCatalog;
import io.eventstate.core.fsm.DefinitionException;
import io.eventstate.core.rowkey.TableSchema;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import io.eventstate.flume.agent.AgentFile;
import io.eventstate.flume.agent.FlumeCheck;
import io.eventstate.flume.agent.Relocation;

import org.apache.flume.Context;
import org.apache.flume.Sink;
import org.apache.flume.conf.Configurables;
import org.apache.flume.conf.FlumeConfiguration;
import org.apache.flume.conf.FlumeConfigurationError;
import org.apache.flume.interceptor.Interceptor;
import org.apache.flume.interceptor.InterceptorBuilderFactory;

/**
 * {@code ./eventstate validate [--conf DIR]}: checks everything a user edits, without starting anything.
 * <ul>
 *   <li>every agent properties file {@code DIR/flume/*.properties}: Flume's own validation
 *       ({@link FlumeConfiguration}'s errors: unknown channels, missing types, ...), then every interceptor of
 *       every source built the way Flume builds it ({@code Builder.configure} and {@code build}), every
 *       Eventstate HTTP handler configured, and every Eventstate sink configured ({@code configure(Context)}: the
 *       key checks, no connection);</li>
 *   <li>every machine and session definition in {@code DIR/machines} (states, transitions, guards, names);</li>
 *   <li>the schema: the generated Hive DDL ({@code DIR/hive/*.sql}) equals what the definitions give.</li>
 * </ul>
 * Each problem is one line naming the file and the key or JSON path, and the fix; the exit status is 1 when
 * there is any.
 */
final class ValidateCommand {

  static final String USAGE = "validate [--conf DIR | DIR]";

  private ValidateCommand() {
  }

  static int run(String[] args, PrintStream out) {
    Options o = Options.parse(args, Set.of("conf"), Set.of());
    if (o.positional().size() > 1 || (!o.positional().isEmpty() && o.has("conf"))) {
      throw new CliException("unexpected argument '" + o.positional().get(o.positional().size() - 1)
          + "'; give the configuration directory once, as --conf DIR or DIR; usage: ./eventstate " + USAGE);
    }
    Path conf = Home.conf(o.positional().isEmpty() ? o.get("conf") : o.positional().get(0));
    List<String> problems = new ArrayList<>();
    int checked = 0;
    Path flume = conf.resolve("flume");
    if (Files.isDirectory(flume)) {
      for (Path p : files(flume, "*.properties")) {
        List<String> found = agentFile(p);
        problems.addAll(found);
        out.println((found.isEmpty() ? "ok      " : "INVALID ") + conf.relativize(p));
        checked++;
      }
    }
    Path machines = conf.resolve("machines");
    DefinitionCatalog catalog = null;
    if (Files.isDirectory(machines)) {
      try {
        catalog = DefinitionCatalog.load(machines);
        out.println("ok      " + conf.relativize(machines) + " (" + catalog.machines().size() + " machines, "
            + catalog.sessions().size() + " session definitions)");
      } catch (DefinitionException e) {
        problems.addAll(e.problems());
        out.println("INVALID " + conf.relativize(machines));
      } catch (IOException e) {
        problems.add(machines + ": cannot read: " + e.getMessage());
      }
      checked++;
    }
    if (catalog != null && !Files.isDirectory(conf.resolve("hive"))) {
      // a user's own conf directory: no generated DDL to compare, which is not a problem
      out.println("skipped schema (no " + conf.relativize(conf.resolve("hive")) + " directory; generate the Hive DDL with "
          + "./eventstate ddl --conf " + conf + " --write if you query with Hive)");
    } else if (catalog != null) {
      QuerySchema q = new QuerySchema(TableSchema.defaults(), catalog);
      Path hive = conf.resolve("hive");
      List<String> found = new ArrayList<>();
      for (Map.Entry<String, String> f : q.hiveFiles().entrySet()) {
        Path p = hive.resolve(f.getKey());
        String actual = HBaseAccess.read(p);
        if (actual == null) {
          found.add(p + ": missing; generate it with ./eventstate ddl --write");
        } else if (!actual.equals(f.getValue().trim())) {
          found.add(p + ": differs from the schema and conf/machines (a machine, counter or session changed?);"
              + " regenerate it with ./eventstate ddl --write");
        }
      }
      problems.addAll(found);
      out.println((found.isEmpty() ? "ok      " : "INVALID ") + "schema (" + conf.relativize(hive) + ")");
      checked++;
    }
    if (checked == 0) {
      throw new CliException("nothing to validate in " + conf + ": expected flume/*.properties or machines/*.json");
    }
    for (String p : problems) {
      out.println("  " + p);
    }
    if (!problems.isEmpty()) {
      out.println(problems.size() + " problem(s)");
      return 1;
    }
    return 0;
  }

  private static List<Path> files(Path dir, String glob) {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, glob)) {
      ds.forEach(p -> {
        if (Files.isRegularFile(p)) {
          out.add(p);
        }
      });
    } catch (IOException e) {
      throw new CliException("cannot list " + dir + ": " + e.getMessage());
    }
    out.sort(null);
    return out;
  }

  /** The problems of one agent properties file. */
  static List<String> agentFile(Path file) {
    List<String> problems = new ArrayList<>();
    Properties props = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      props.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
    } catch (IOException | IllegalArgumentException e) {
      return List.of(file + ": cannot read: " + e.getMessage());
    }
    Map<String, String> map = new TreeMap<>();
    props.stringPropertyNames().forEach(k -> map.put(k, props.getProperty(k).trim()));
    Set<String> agents = new TreeSet<>();
    for (String k : map.keySet()) {
      String[] parts = k.split("\\.");
      if (parts.length == 2 && Set.of("sources", "channels", "sinks", "sinkgroups").contains(parts[1])) {
        agents.add(parts[0]);
      }
    }
    if (agents.isEmpty()) {
      return List.of(file + ": no agent defined (no AGENT.sources / AGENT.channels / AGENT.sinks key); is this an agent properties file?");
    }
    FlumeConfiguration fc = new FlumeConfiguration(map);
    for (FlumeConfigurationError e : fc.getConfigurationErrors()) {
      if (e.getErrorOrWarning() == FlumeConfigurationError.ErrorOrWarning.ERROR) {
        problems.add(file + ": " + e.getComponentName() + (e.getKey() == null || e.getKey().isEmpty() ? "" : "." + e.getKey())
            + ": Flume: " + e.getErrorType().getError());
      }
    }
    for (String agent : agents) {
      for (String source : list(map.get(agent + ".sources"))) {
        String base = agent + ".sources." + source;
        for (String name : list(map.get(base + ".interceptors"))) {
          String key = base + ".interceptors." + name;
          Map<String, String> params = withPrefix(map, key + ".");
          String type = params.remove("type");
          if (type == null || type.isEmpty()) {
            problems.add(file + ": " + key + ".type is missing; set it to an interceptor builder class");
            continue;
          }
          try {
            Interceptor.Builder b = InterceptorBuilderFactory.newInstance(type);
            b.configure(new Context(params));
            Interceptor i = b.build();
            i.initialize();
            i.close();
          } catch (ClassNotFoundException e) {
            problems.add(file + ": " + key + ".type: class " + type + " not found; check the name (Builder classes end in $Builder)");
          } catch (Throwable e) {
            problems.add(file + ": " + key + ": " + message(e));
          }
        }
        String handler = map.get(base + ".handler");
        if (handler != null && handler.startsWith("io.eventstate.")) {
          try {
            Object h = Class.forName(handler).getDeclaredConstructor().newInstance();
            Method configure = h.getClass().getMethod("configure", Context.class);
            configure.invoke(h, new Context(withPrefix(map, base + ".handler.")));
          } catch (ClassNotFoundException e) {
            problems.add(file + ": " + base + ".handler: class " + handler + " not found");
          } catch (java.lang.reflect.InvocationTargetException e) {
            problems.add(file + ": " + base + ".handler: " + message(e.getCause()));
          } catch (ReflectiveOperationException | RuntimeException e) {
            problems.add(file + ": " + base + ".handler: " + message(e));
          }
        }
      }
      for (String sink : list(map.get(agent + ".sinks"))) {
        String key = agent + ".sinks." + sink;
        Map<String, String> params = withPrefix(map, key + ".");
        String type = params.get("type");
        if (type == null || !type.startsWith("io.eventstate.")) {
          continue; // Flume's own sinks: FlumeConfiguration checked what Flume checks before start
        }
        try {
          Sink s = (Sink) Class.forName(type).getDeclaredConstructor().newInstance();
          s.setName(sink);
          Configurables.configure(s, new Context(params));
        } catch (ClassNotFoundException e) {
          problems.add(file + ": " + key + ".type: class " + type + " not found");
        } catch (Throwable e) {
          problems.add(file + ": " + key + ": " + message(e));
        }
      }
    }
    problems.addAll(flume(file, problems));
    return problems;
  }

  /**
   * What Flume itself would say when it builds each agent (batch sizes against transaction capacities, selectors
   * naming unknown channels, sink groups, components it would remove), not already said above. The agents are
   * moved to a temporary directory first, so the check touches none of the configured paths.
   */
  /** The installation an agent file {@code <root>/conf/flume/x.properties} belongs to (its relative paths start there). */
  private static Path installationOf(Path file) {
    Path p = file.toAbsolutePath().getParent();
    for (int i = 0; i < 2 && p != null && p.getParent() != null; i++) {
      p = p.getParent();
    }
    return p;
  }

  private static List<String> flume(Path file, List<String> already) {
    List<String> out = new ArrayList<>();
    Path tmp = null;
    try {
      tmp = Files.createTempDirectory("eventstate-validate");
      AgentFile agents = AgentFile.read(file);
      Relocation.Result r = Relocation.into(tmp).keepPorts()
          .resolveFilesAgainst(Path.of("").toAbsolutePath(), Home.dir(), installationOf(file)).build().apply(agents, agents.agents());
      for (String a : agents.agents()) {
        RouteCheck.unmapped(r.properties(), a).forEach(u -> out.add(file + ": " + u));
        for (FlumeCheck.Problem p : FlumeCheck.check(r.properties(), tmp.resolve(a + ".properties"), a)) {
          if (already.stream().noneMatch(x -> x.contains(p.reason()))) {
            out.add(file + ": Flume: " + p);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      out.add(file + ": Flume cannot build the agents: " + message(e));
    } finally {
      deleteQuietly(tmp);
    }
    return out;
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory: left for the system to clean
    }
  }

  private static String message(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return m.lines().findFirst().orElse(m);
  }

  private static List<String> list(String v) {
    return v == null || v.isBlank() ? List.of() : Arrays.asList(v.trim().split("\\s+"));
  }

  private static Map<String, String> withPrefix(Map<String, String> map, String prefix) {
    Map<String, String> m = new TreeMap<>();
    map.forEach((k, v) -> {
      if (k.startsWith(prefix) && k.length() > prefix.length()) {
        m.put(k.substring(prefix.length()), v);
      }
    });
    return m;
  }
}
