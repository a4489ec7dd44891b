package io.eventstate.flume.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * Moves the agents of one properties file onto this machine, so that the shipped files run unchanged:
 * <ul>
 *   <li>every source with a {@code port} (HTTP, Avro, Thrift, ...) gets a free local port ({@code bind} becomes
 *       127.0.0.1 unless set);</li>
 *   <li>every sink that sends to one of those sources ({@code hostname}/{@code port}, or an EventSink's
 *       {@code notify.hostname}/{@code notify.port}) is pointed at the source's new port;</li>
 *   <li>spooling directories, TAILDIR position files, file-channel directories and sink directories
 *       ({@code sink.directory} of {@code file_roll}, {@code directory}) move under the work directory, one
 *       sub-directory per agent and component;</li>
 *   <li>every HDFS sink's {@code hdfs.path} becomes a {@code file:} path under {@code <work>/hdfs} followed by the
 *       original path (scheme and authority dropped, escapes such as {@code %{es.entityType}} kept);</li>
 *   <li>with {@link Builder#hbase}, every component that reads or writes HBase ({@link #HBASE_TYPES}) gets the
 *       table and the ZooKeeper quorum, port and parent znode;</li>
 *   <li>with {@link Builder#resolveFilesAgainst}, a relative {@code file} key of an interceptor is made absolute.</li>
 * </ul>
 * Only the agents asked for are relocated; a sink pointing at a local port no relocated source had is reported in
 * {@link Result#unresolved()}.
 */
public final class Relocation {

  /** Where HDFS sinks land under the work directory ({@code file:} paths). */
  public static final String HDFS_DIR = "hdfs";

  /** The keys of a sink that name a directory on HDFS: Flume's HDFS sink's and the landing sink's. */
  private static final List<String> HDFS_PATH_KEYS = List.of(".hdfs.path", ".hdfs.deadLetterPath");

  /** Eventstate components that read or write the HBase table: their table and ZooKeeper keys follow the run. */
  public static final Set<String> HBASE_TYPES = Set.of("io.eventstate.flume.sink.EventSink",
      "io.eventstate.flume.sink.StateDecoratingInterceptor$Builder");

  /** Sink keys that send to a host and port: {@code hostname}/{@code port} (Avro, Thrift) and notifications. */
  private static final List<String[]> TARGETS = List.of(new String[] {"hostname", "port"},
      new String[] {"notify.hostname", "notify.port"});

  private static final Set<String> LOCAL = Set.of("127.0.0.1", "localhost", "0.0.0.0", "::1", "[::1]");

  /**
   * The relocated properties.
   *
   * @param properties every property of the file, the relocated agents' rewritten
   * @param ports      agent → source → the port it listens on now
   * @param spoolDirs  agent → spooling-directory source → its directory
   * @param changes    one line per rewritten key ({@code key: old -> new}), for the effective file's header
   * @param unresolved sinks sending to a local port that no relocated source listens on ({@code key = value})
   */
  public record Result(Properties properties, Map<String, Map<String, Integer>> ports,
      Map<String, Map<String, Path>> spoolDirs, List<String> changes, List<String> unresolved) {

    /** The port of a source of an agent, or null. */
    public Integer port(String agent, String source) {
      return ports.getOrDefault(agent, Map.of()).get(source);
    }
  }

  /** The HBase a run uses: table, ZooKeeper quorum host(s), client port and parent znode (null: default). */
  public record HBaseTarget(String table, String quorum, int clientPort, String znodeParent) {
  }

  private final Path workDir;
  private final HBaseTarget hbase;
  private final List<Path> filesBases;
  private final boolean ports;

  private Relocation(Builder b) {
    this.workDir = b.workDir;
    this.hbase = b.hbase;
    this.filesBases = b.filesBases;
    this.ports = b.ports;
  }

  /** A relocation into {@code workDir} (created as needed). */
  public static Builder into(Path workDir) {
    return new Builder(workDir);
  }

  /** Builds a {@link Relocation}. */
  public static final class Builder {
    private final Path workDir;
    private HBaseTarget hbase;
    private List<Path> filesBases = List.of();
    private boolean ports = true;

    private Builder(Path workDir) {
      this.workDir = workDir;
    }

    /** Points every HBase-reading or -writing component at this table and HBase. */
    public Builder hbase(HBaseTarget target) {
      this.hbase = target;
      return this;
    }

    /**
     * Makes a relative interceptor {@code file} (e.g. a lookup file) absolute: against the first of these directories
     * where it exists, else against the first.
     */
    public Builder resolveFilesAgainst(Path... bases) {
      this.filesBases = List.of(bases);
      return this;
    }

    /** Leaves ports (and the sinks sending to them) as configured. */
    public Builder keepPorts() {
      this.ports = false;
      return this;
    }

    public Relocation build() {
      return new Relocation(this);
    }
  }

  /** Rewrites the given agents of the file. */
  public Result apply(AgentFile file, Collection<String> agents) {
    Properties p = file.properties();
    Map<String, Map<String, Integer>> ports = new TreeMap<>();
    Map<String, Map<String, Path>> spools = new TreeMap<>();
    List<String> changes = new ArrayList<>();
    List<String> unresolved = new ArrayList<>();
    Map<Integer, String[]> moved = new LinkedHashMap<>(); // old port -> {agent, source, new port}
    try {
      for (String a : agents) {
        Path base = workDir.resolve(a);
        for (String c : file.components(a, "channels")) {
          String prefix = a + ".channels." + c;
          if (AgentFile.isType(file.type(a, "channels", c), "file", "org.apache.flume.channel.file.FileChannel")) {
            Path dir = base.resolve("channel-" + c);
            set(p, prefix + ".checkpointDir", dir.resolve("checkpoint").toString(), changes);
            set(p, prefix + ".dataDirs", dir.resolve("data").toString(), changes);
            if (p.getProperty(prefix + ".backupCheckpointDir") != null
                || "true".equalsIgnoreCase(p.getProperty(prefix + ".useDualCheckpoints", "").trim())) {
              set(p, prefix + ".backupCheckpointDir", dir.resolve("backup").toString(), changes);
            }
          }
        }
        for (String s : file.components(a, "sources")) {
          String prefix = a + ".sources." + s;
          String type = file.type(a, "sources", s);
          if (AgentFile.isType(type, "spooldir", "org.apache.flume.source.SpoolDirectorySource")) {
            Path spool = Files.createDirectories(base.resolve("source-" + s).resolve("spool"));
            set(p, prefix + ".spoolDir", spool.toString(), changes);
            spools.computeIfAbsent(a, x -> new TreeMap<>()).put(s, spool);
          } else if (AgentFile.isType(type, "taildir", "org.apache.flume.source.taildir.TaildirSource")) {
            Path dir = Files.createDirectories(base.resolve("source-" + s));
            set(p, prefix + ".positionFile", dir.resolve("taildir_position.json").toString(), changes);
          }
          String port = p.getProperty(prefix + ".port");
          boolean http = AgentFile.isType(type, "http", "org.apache.flume.source.http.HTTPSource");
          if (this.ports && (port != null || http)) {
            int free = freePort();
            set(p, prefix + ".port", Integer.toString(free), changes);
            if (p.getProperty(prefix + ".bind") == null) {
              p.setProperty(prefix + ".bind", "127.0.0.1");
            }
            if (port != null && port.trim().matches("\\d{1,5}")) {
              moved.put(Integer.parseInt(port.trim()), new String[] {a, s, Integer.toString(free)});
            }
            ports.computeIfAbsent(a, x -> new TreeMap<>()).put(s, free);
          } else if (port != null && port.trim().matches("\\d{1,5}")) {
            ports.computeIfAbsent(a, x -> new TreeMap<>()).put(s, Integer.parseInt(port.trim()));
          }
          for (String i : file.components(a + ".sources." + s, "interceptors")) {
            String ip = prefix + ".interceptors." + i;
            hbase(p, ip, changes);
            resolveFile(p, ip + ".file", changes, true);
            resolveFile(p, ip + ".mapping.file", changes, false);
          }
          resolveFile(p, prefix + ".handler.mapping.file", changes, false);
        }
        for (String k : file.components(a, "sinks")) {
          String prefix = a + ".sinks." + k;
          if (p.getProperty(prefix + ".sink.directory") != null) {
            set(p, prefix + ".sink.directory",
                Files.createDirectories(base.resolve("sink-" + k)).toString(), changes);
          }
          if (p.getProperty(prefix + ".directory") != null) {
            set(p, prefix + ".directory", Files.createDirectories(base.resolve("sink-" + k)).toString(), changes);
          }
          for (String key : HDFS_PATH_KEYS) {
            String hdfsPath = p.getProperty(prefix + key);
            if (hdfsPath != null) {
              // hdfs://namenode:8020/eventstate/events/x=%{h}/... -> file:<work>/hdfs/eventstate/events/x=%{h}/...
              String path = hdfsPath.trim().replaceFirst("^[A-Za-z][A-Za-z0-9+.-]*://[^/]*", "");
              Path root = Files.createDirectories(workDir.resolve(HDFS_DIR));
              set(p, prefix + key, root.toUri().toString().replaceAll("/$", "") + path, changes);
            }
          }
          hbase(p, prefix, changes);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the directories of " + file.origin() + " in " + workDir, e);
    }
    // Senders: every sink of a relocated agent that targets a relocated source follows it.
    for (String a : agents) {
      for (String k : file.components(a, "sinks")) {
        String prefix = a + ".sinks." + k + ".";
        for (String[] t : TARGETS) {
          String host = p.getProperty(prefix + t[0]);
          String port = p.getProperty(prefix + t[1]);
          if (host == null || port == null || !LOCAL.contains(host.trim()) || !port.trim().matches("\\d{1,5}")) {
            continue;
          }
          String[] to = moved.get(Integer.parseInt(port.trim()));
          if (to != null) {
            set(p, prefix + t[1], to[2], changes);
            p.setProperty(prefix + t[0], "127.0.0.1");
          } else if (this.ports) {
            unresolved.add(prefix + t[1] + " = " + port.trim() + " (" + prefix + t[0] + " = " + host.trim() + ")");
          }
        }
      }
    }
    return new Result(p, ports, spools, List.copyOf(changes), List.copyOf(unresolved));
  }

  private void hbase(Properties p, String prefix, List<String> changes) {
    if (hbase == null || !HBASE_TYPES.contains(p.getProperty(prefix + ".type", "").trim())) {
      return;
    }
    set(p, prefix + ".table", hbase.table(), changes);
    set(p, prefix + ".zookeeperQuorum", hbase.quorum(), changes);
    set(p, prefix + ".hbase.zookeeper.property.clientPort", Integer.toString(hbase.clientPort()), changes);
    if (hbase.znodeParent() != null) {
      set(p, prefix + ".znodeParent", hbase.znodeParent(), changes);
    }
  }

  /** Makes a relative file key absolute against the first of {@link Builder#resolveFilesAgainst} bases that has it. */
  private void resolveFile(Properties p, String key, List<String> changes, boolean evenIfMissing) {
    String f = p.getProperty(key);
    if (!filesBases.isEmpty() && f != null && !f.isBlank() && !Path.of(f.trim()).isAbsolute()) {
      Path found = filesBases.stream().map(b -> b.resolve(f.trim()).normalize()).filter(Files::exists)
          .findFirst().orElse(null);
      if (found == null && !evenIfMissing) {
        return; // a mapping file is looked up by the component itself (the working directory and its parents)
      }
      set(p, key, (found != null ? found : filesBases.get(0).resolve(f.trim()).normalize()).toString(), changes);
    }
  }

  private static void set(Properties p, String key, String value, List<String> changes) {
    String old = p.getProperty(key);
    if (!value.equals(old == null ? null : old.trim())) {
      changes.add(key + ": " + (old == null ? "(unset)" : old.trim()) + " -> " + value);
    }
    p.setProperty(key, value);
  }

  /** A free TCP port on the loopback interface (free when asked). */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    }
  }
}
