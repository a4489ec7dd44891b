package io.eventstate.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The packages of core depend on each other without cycles: the dependency graph, read from the main sources
 * (imports and fully qualified names, comments left out), has no path from a package back to itself.
 */
class PackageCyclesTest {

  private static final Path SOURCES = Path.of("src/main/java/io/eventstate/core");
  private static final Pattern REFERENCE = Pattern.compile("io\\.eventstate\\.core\\.([a-z]+)\\.");
  private static final Pattern COMMENTS = Pattern.compile("//[^\\n]*|/\\*[\\s\\S]*?\\*/");

  static Map<String, Set<String>> graph() throws IOException {
    Map<String, Set<String>> g = new TreeMap<>();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
        String pkg = SOURCES.relativize(f).getName(0).toString();
        Set<String> deps = g.computeIfAbsent(pkg, k -> new TreeSet<>());
        Matcher m = REFERENCE.matcher(COMMENTS.matcher(Files.readString(f, StandardCharsets.UTF_8)).replaceAll(""));
        while (m.find()) {
          if (!m.group(1).equals(pkg)) {
            deps.add(m.group(1));
          }
        }
      }
    }
    return g;
  }

  @Test
  void noPackageDependsOnItselfThroughOthers() throws IOException {
    Map<String, Set<String>> g = graph();
    assertTrue(g.size() > 5, "read the core packages: " + g.keySet());
    List<String> cycles = new ArrayList<>();
    for (String start : g.keySet()) {
      List<String> path = cycleFrom(g, start, start, new ArrayList<>(List.of(start)), new TreeSet<>());
      if (path != null) {
        cycles.add(String.join(" -> ", path));
      }
    }
    assertEquals(List.of(), cycles, "package cycles in core; dependencies: " + g);
  }

  @Test
  void theCheckFindsACycle() {
    Map<String, Set<String>> g = Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"));
    assertEquals(List.of("a", "b", "c", "a"), cycleFrom(g, "a", "a", new ArrayList<>(List.of("a")), new TreeSet<>()));
  }

  private static List<String> cycleFrom(Map<String, Set<String>> g, String start, String at, List<String> path,
      Set<String> seen) {
    for (String next : g.getOrDefault(at, Set.of())) {
      if (next.equals(start)) {
        List<String> found = new ArrayList<>(path);
        found.add(start);
        return found;
      }
      if (seen.add(next)) {
        path.add(next);
        List<String> found = cycleFrom(g, start, next, path, seen);
        if (found != null) {
          return found;
        }
        path.remove(path.size() - 1);
      }
    }
    return null;
  }
}
