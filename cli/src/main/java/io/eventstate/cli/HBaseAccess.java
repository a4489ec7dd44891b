package io.eventstate.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;

/**
 * How the commands reach HBase: {@code --hbase-site FILE} (a cluster's client configuration),
 * {@code --zk host:port} (a ZooKeeper quorum), or else the embedded demo's HBase — the running one when
 * {@code ./eventstate demo} is up (its ZooKeeper address is in {@code .eventstate/hbase.zk}), otherwise started
 * in this process on the stored data in {@code .eventstate/hbase} and stopped afterwards.
 *
 * <p>Client timeouts are short (one retry, 5 s RPCs, 15 s per operation) so that an unreachable cluster is
 * reported in seconds, as one line.
 *
 * @param where where the data comes from, for messages
 */
record HBaseAccess(Connection connection, EmbeddedHBase embedded, String where) implements AutoCloseable {

  static HBaseAccess open(String hbaseSite, String zk, java.io.PrintStream progress) {
    if (hbaseSite != null && zk != null) {
      throw new CliException("give either --hbase-site or --zk, not both");
    }
    Configuration conf = HBaseConfiguration.create();
    EmbeddedHBase embedded = null;
    String where;
    if (hbaseSite != null) {
      Path site = Path.of(hbaseSite);
      if (!Files.isRegularFile(site)) {
        throw new CliException("hbase-site file not found: " + site);
      }
      conf.addResource(new org.apache.hadoop.fs.Path(site.toAbsolutePath().toUri()));
      where = "the cluster of " + site;
      shortTimeouts(conf);
      checkZooKeeper(conf.get("hbase.zookeeper.quorum", "localhost"),
          conf.getInt("hbase.zookeeper.property.clientPort", 2181), where);
    } else if (zk != null) {
      int colon = zk.lastIndexOf(':');
      if (colon <= 0 || colon == zk.length() - 1) {
        throw new CliException("--zk " + zk + " must be host:port, e.g. --zk localhost:2181");
      }
      int port;
      try {
        port = Integer.parseInt(zk.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new CliException("--zk " + zk + ": the port must be a number, e.g. --zk localhost:2181");
      }
      conf.set("hbase.zookeeper.quorum", zk.substring(0, colon));
      conf.setInt("hbase.zookeeper.property.clientPort", port);
      where = "--zk " + zk;
      shortTimeouts(conf);
      checkZooKeeper(zk.substring(0, colon), port, where);
    } else {
      Path state = Home.state();
      String running = EmbeddedHBase.runningZooKeeper(state);
      if (running != null) {
        int colon = running.lastIndexOf(':');
        conf.set("hbase.zookeeper.quorum", running.substring(0, colon));
        conf.setInt("hbase.zookeeper.property.clientPort", Integer.parseInt(running.substring(colon + 1)));
        where = "the running demo HBase (" + running + ")";
        shortTimeouts(conf);
      } else if (Files.isDirectory(state.resolve("hbase"))) {
        progress.println("eventstate: starting the embedded HBase on " + state.resolve("hbase") + " ...");
        embedded = EmbeddedHBase.start(state, false);
        conf = new Configuration(embedded.clientConfiguration());
        shortTimeouts(conf);
        where = "the embedded HBase in " + state;
      } else {
        throw new CliException("no HBase given and no demo data in " + state
            + ": run ./eventstate demo first, or pass --hbase-site FILE or --zk host:port");
      }
    }
    try {
      return new HBaseAccess(ConnectionFactory.createConnection(conf), embedded, where);
    } catch (IOException | RuntimeException e) {
      if (embedded != null) {
        embedded.close();
      }
      throw new CliException("cannot connect to HBase at " + where + ": " + firstLine(e));
    }
  }

  static void shortTimeouts(Configuration conf) {
    conf.setInt("hbase.client.retries.number", 1);
    conf.setInt("hbase.client.pause", 200);
    conf.setInt("hbase.rpc.timeout", 5000);
    conf.setInt("hbase.client.operation.timeout", 15000);
    conf.setInt("hbase.client.meta.operation.timeout", 15000);
    conf.setInt("zookeeper.recovery.retry", 0);
    conf.setInt("zookeeper.session.timeout", 10000);
  }

  /** A refused or silent ZooKeeper port fails in 3 s instead of after the client's retries. */
  private static void checkZooKeeper(String quorum, int port, String where) {
    String host = quorum.split(",")[0].trim();
    int colon = host.indexOf(':');
    if (colon > 0) {
      port = Integer.parseInt(host.substring(colon + 1));
      host = host.substring(0, colon);
    }
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 3000);
    } catch (IOException e) {
      throw new CliException("cannot reach HBase: ZooKeeper " + host + ":" + port + " of " + where + ": "
          + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    }
  }

  static String firstLine(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getClass().getSimpleName() + ": "
        + root.getMessage();
    return m.lines().findFirst().orElse(m);
  }

  @Override
  public void close() {
    try {
      connection.close();
    } catch (IOException ignored) {
      // closing a client connection: nothing to report to the user
    }
    if (embedded != null) {
      embedded.close();
    }
  }

  static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      return null;
    }
  }
}
