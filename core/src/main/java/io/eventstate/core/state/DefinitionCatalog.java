package io.eventstate.core.state;

import io.eventstate.core.fsm.DefinitionException;
import io.eventstate.core.fsm.JsonFields;
import io.eventstate.core.fsm.MachineDefinition;
import io.eventstate.core.session.SessionSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Every definition in a directory ({@code conf/machines/*.json}), read in file-name order: state machines
 * ({@code "kind": "machine"} or no kind) and session specs ({@code "kind": "sessions"}). All files are validated
 * and all problems reported together; two definitions with one name are an error.
 *
 * @param machines the state machines
 * @param sessions the session specs
 */
public record DefinitionCatalog(List<MachineDefinition> machines, List<SessionSpec> sessions) {

  public DefinitionCatalog {
    machines = List.copyOf(machines);
    sessions = List.copyOf(sessions);
  }

  /**
   * Loads every {@code *.json} file of a directory.
   *
   * @throws DefinitionException listing the problems of every file
   */
  public static DefinitionCatalog load(Path dir) throws IOException {
    TreeSet<Path> files = new TreeSet<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
      ds.forEach(files::add);
    }
    List<MachineDefinition> machines = new ArrayList<>();
    List<SessionSpec> sessions = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    Map<String, String> names = new HashMap<>();
    for (Path p : files) {
      String json = new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
      JsonFields probe = new JsonFields(p.toString());
      var root = probe.parse(json);
      if (root == null) {
        problems.addAll(probe.problems());
        continue;
      }
      try {
        String name;
        if ("sessions".equals(root.path("kind").asText())) {
          SessionSpec s = SessionSpec.parse(p.toString(), json);
          sessions.add(s);
          name = s.name();
        } else {
          MachineDefinition m = MachineDefinition.parse(p.toString(), json);
          machines.add(m);
          name = m.name();
        }
        String other = names.putIfAbsent(name, p.toString());
        if (other != null) {
          problems.add(p + ": $.name: name '" + name + "' is already used by " + other + "; give each definition its own name");
        }
      } catch (DefinitionException e) {
        problems.addAll(e.problems());
      }
    }
    if (!problems.isEmpty()) {
      throw new DefinitionException(dir.toString(), problems);
    }
    return new DefinitionCatalog(machines, sessions);
  }

  /** The machines that apply to an entity type. */
  public List<MachineDefinition> machinesFor(String entityType) {
    return machines.stream().filter(m -> m.appliesTo(entityType)).toList();
  }

  /** The session specs that apply to an entity type. */
  public List<SessionSpec> sessionsFor(String entityType) {
    return sessions.stream().filter(s -> s.appliesTo(entityType)).toList();
  }
}
