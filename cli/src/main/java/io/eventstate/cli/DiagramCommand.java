package io.eventstate.cli;

import io.eventstate.core.fsm.DefinitionException;
import io.eventstate.core.fsm.MachineDefinition;
import io.eventstate.core.fsm.MachineDiagrams;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./eventstate diagram <machine-file|name> [--format dot|mermaid|svg|png] [--out FILE] [--conf DIR]}: draws a
 * state machine. DOT and Mermaid come from the engine's renderers ({@link MachineDiagrams}); SVG and PNG are
 * DOT rendered by Graphviz's {@code dot}, which must be on the PATH. A name is looked up among the
 * {@code name}s of {@code conf/machines/*.json}. The default format is {@code mermaid}, or taken from the
 * {@code --out} file's extension.
 */
final class DiagramCommand {

  static final String USAGE = "diagram <machine-file|name> [--format dot|mermaid|svg|png] [--out FILE] [--conf DIR]";

  private DiagramCommand() {
  }

  static int run(String[] args, PrintStream out) {
    Options o = Options.parse(args, Set.of("format", "out", "conf"), Set.of());
    if (o.positional().size() != 1) {
      throw new CliException("usage: ./eventstate " + USAGE);
    }
    String format = o.get("format");
    Path outFile = o.has("out") ? Path.of(o.get("out")) : null;
    if (format == null) {
      format = outFile == null ? "mermaid" : extension(outFile);
    }
    format = format.toLowerCase(java.util.Locale.ROOT);
    if (!Set.of("dot", "mermaid", "svg", "png").contains(format)) {
      throw new CliException("--format " + format + " is not supported; use dot, mermaid, svg or png");
    }
    MachineDefinition def = load(o.positional().get(0), o.get("conf"));
    byte[] bytes = switch (format) {
      case "dot" -> MachineDiagrams.toDot(def).getBytes(StandardCharsets.UTF_8);
      case "mermaid" -> MachineDiagrams.toMermaid(def).getBytes(StandardCharsets.UTF_8);
      default -> graphviz(MachineDiagrams.toDot(def), format);
    };
    try {
      if (outFile == null) {
        out.write(bytes);
        out.flush();
      } else {
        Files.write(outFile, bytes);
      }
    } catch (IOException e) {
      throw new CliException("cannot write " + outFile + ": " + e.getMessage());
    }
    return 0;
  }

  private static String extension(Path p) {
    String n = p.getFileName().toString();
    int dot = n.lastIndexOf('.');
    String ext = dot < 0 ? "" : n.substring(dot + 1);
    return switch (ext) {
      case "dot", "gv" -> "dot";
      case "mmd", "mermaid" -> "mermaid";
      case "svg", "png" -> ext;
      default -> throw new CliException("cannot tell the format from --out " + p + "; add --format dot|mermaid|svg|png");
    };
  }

  /** Reads a machine from a file, or finds it by name in the conf's machines directory. */
  static MachineDefinition load(String fileOrName, String confOption) {
    Path file = Path.of(fileOrName);
    try {
      if (Files.isRegularFile(file)) {
        return MachineDefinition.parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
      }
      if (fileOrName.endsWith(".json") || fileOrName.contains("/")) {
        throw new CliException("machine definition file not found: " + fileOrName);
      }
      Path dir = Home.conf(confOption).resolve("machines");
      List<String> names = new ArrayList<>();
      if (Files.isDirectory(dir)) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
          for (Path p : ds) {
            String json = Files.readString(p, StandardCharsets.UTF_8);
            if (json.matches("(?s).*\"kind\"\\s*:\\s*\"sessions\".*")) {
              continue;
            }
            MachineDefinition d;
            try {
              d = MachineDefinition.parse(p.toString(), json);
            } catch (DefinitionException e) {
              continue; // a broken neighbour does not hide the machine asked for; validate reports it
            }
            if (d.name().equals(fileOrName)) {
              return d;
            }
            names.add(d.name());
          }
        }
      }
      names.sort(null);
      throw new CliException("no machine named '" + fileOrName + "' in " + dir + "; machines: "
          + (names.isEmpty() ? "none" : String.join(", ", names)));
    } catch (DefinitionException e) {
      throw new CliException(String.join("; ", e.problems()));
    } catch (IOException e) {
      throw new CliException("cannot read " + fileOrName + ": " + e.getMessage());
    }
  }

  /** Runs {@code dot -T<format>} on the DOT text. */
  static byte[] graphviz(String dot, String format) {
    Process p;
    try {
      p = new ProcessBuilder("dot", "-T" + format).redirectErrorStream(false).start();
    } catch (IOException e) {
      throw new CliException("--format " + format + " needs Graphviz's 'dot' on the PATH (apt-get install graphviz);"
          + " or use --format dot|mermaid");
    }
    try (OutputStream in = p.getOutputStream()) {
      in.write(dot.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new CliException("Graphviz 'dot' failed: " + e.getMessage());
    }
    try (InputStream stdout = p.getInputStream(); InputStream stderr = p.getErrorStream()) {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      stdout.transferTo(buf);
      String err = new String(stderr.readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new CliException("Graphviz 'dot -T" + format + "' failed: " + (err.isEmpty() ? "exit " + p.exitValue()
            : err.lines().findFirst().orElse(err)));
      }
      return buf.toByteArray();
    } catch (IOException e) {
      throw new CliException("Graphviz 'dot' failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted while running Graphviz 'dot'");
    }
  }
}
