package io.eventstate.cli;

import io.eventstate.core.rowkey.TableSchema;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./eventstate hbase [--table NAME] [--regions N] [--conf DIR]}: runs the embedded standalone HBase in the
 * foreground on {@code .eventstate/hbase} (data kept between runs) with the table created — state coprocessor
 * and every definition of {@code conf/machines} loaded — until Ctrl-C. Meanwhile {@code ./eventstate state ...}
 * and any Flume agent whose EventSink has {@code zookeeperQuorum = 127.0.0.1} and
 * {@code hbase.zookeeper.property.clientPort = <printed port>} use it.
 */
final class HBaseCommand {

  static final String USAGE = "hbase [--table NAME] [--regions N] [--conf DIR]";

  private HBaseCommand() {
  }

  static int run(String[] args, PrintStream out) {
    Options o = Options.parse(args, Set.of("table", "regions", "conf"), Set.of());
    if (!o.positional().isEmpty()) {
      throw new CliException("unexpected argument '" + o.positional().get(0) + "'; usage: ./eventstate " + USAGE);
    }
    TableSchema schema = DdlCommand.schema(o);
    Path machines = Home.conf(o.get("conf")).resolve("machines");
    if (!Files.isDirectory(machines)) {
      throw new CliException("no machine definitions: " + machines + " is not a directory");
    }
    out.println("eventstate: starting the embedded HBase on " + Home.state().resolve("hbase") + " ...");
    EmbeddedHBase hbase = EmbeddedHBase.start(Home.state(), true);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      hbase.close();
      stopped.countDown();
    }, "eventstate-hbase-stop"));
    boolean created = hbase.createStateTable(schema, machines);
    out.println("HBase running: ZooKeeper 127.0.0.1:" + hbase.zooKeeperPort() + ", table " + schema.tableName()
        + (created ? " (created with the state coprocessor and " + machines + ")" : " (kept from a previous run)"));
    out.println("EventSink keys: zookeeperQuorum = 127.0.0.1, hbase.zookeeper.property.clientPort = "
        + hbase.zooKeeperPort() + ". Ctrl-C stops it; the data stays.");
    out.flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }
}
