package io.eventstate.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Minimal {@code --key value} / {@code --flag} parsing with clear errors. */
final class Options {
  private final Map<String, String> values = new HashMap<>();
  private final Map<String, List<String>> all = new HashMap<>();
  private final List<String> positional = new ArrayList<>();

  private Options() {
  }

  static Options parse(String[] args, Set<String> withValue, Set<String> flags) {
    Options o = new Options();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.startsWith("--")) {
        String name = a.substring(2);
        String inline = null;
        int eq = name.indexOf('=');
        if (eq >= 0) {
          inline = name.substring(eq + 1);
          name = name.substring(0, eq);
        }
        if (withValue.contains(name)) {
          if (inline == null) {
            if (i + 1 >= args.length) {
              throw new CliException("option --" + name + " needs a value");
            }
            inline = args[++i];
          }
          o.values.put(name, inline);
          o.all.computeIfAbsent(name, k -> new ArrayList<>()).add(inline);
        } else if (flags.contains(name)) {
          o.values.put(name, "true");
        } else {
          throw new CliException("unknown option --" + name + "; options: " + describe(withValue, flags));
        }
      } else {
        o.positional.add(a);
      }
    }
    return o;
  }

  private static String describe(Set<String> withValue, Set<String> flags) {
    List<String> all = new ArrayList<>();
    withValue.stream().sorted().forEach(k -> all.add("--" + k + " VALUE"));
    flags.stream().sorted().forEach(k -> all.add("--" + k));
    return String.join(", ", all);
  }

  String get(String name) {
    return values.get(name);
  }

  String get(String name, String dflt) {
    return values.getOrDefault(name, dflt);
  }

  /** Every value of an option that may be repeated, in order. */
  List<String> all(String name) {
    return all.getOrDefault(name, List.of());
  }

  boolean has(String name) {
    return values.containsKey(name);
  }

  List<String> positional() {
    return positional;
  }
}
