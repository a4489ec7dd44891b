package io.eventstate.hbase.coprocessor;

import com.google.protobuf.Message;
import com.google.protobuf.ServiceException;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.state.EntityStateSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.apache.hadoop.hbase.HRegionLocation;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.RegionLocator;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.client.TableDescriptor;
import org.apache.hadoop.hbase.ipc.CoprocessorRpcChannel;
import org.apache.hadoop.hbase.util.Bytes;

/**
 * Runs a rebuild ({@link StateRebuildEndpoint}) in every region of a table at once: the table's key space is cut into
 * ranges at the region boundaries seen at the start, and each range is walked by calls to whichever region holds its
 * next key (a range survives region moves, splits and a RegionServer's abort: the next call goes where the key is
 * now). Each call does a time-bounded slice and answers where to go on, so progress is reported as it happens and
 * every slice's end is a checkpoint: with a checkpoint file, a rerun of the same rebuild (same table definitions and
 * options) skips what is done. A rebuild is idempotent, so a rerun without a checkpoint gives the same table too.
 */
public final class StateRebuildClient {

  /**
   * What to rebuild.
   *
   * @param machine       only this machine or session spec (null: every definition)
   * @param entityType    only entities of this type (null: every type)
   * @param entityId      only this entity (with entityType)
   * @param latenessNanos re-apply too-late events this far behind the entity's newest event (-1: keep them flagged)
   * @param verifyOnly    report what would change, write nothing
   * @param checkpoint    progress file (null: none); ignored for verify-only runs
   * @param parallelism   ranges walked at once
   * @param budgetMillis  time per call on the server
   * @param samples       entity keys kept per change in the report
   */
  public record Options(String machine, String entityType, String entityId, long latenessNanos, boolean verifyOnly,
      Path checkpoint, int parallelism, long budgetMillis, int samples) {

    public static Options defaults() {
      return new Options(null, null, null, -1, false, null, 16, 2000, 5);
    }

    public Options withMachine(String m) {
      return with(b -> b.machine = m);
    }

    public Options withEntity(String type, String id) {
      return with(b -> {
        b.entityType = type;
        b.entityId = id;
      });
    }

    public Options withLateness(long nanos) {
      return with(b -> b.latenessNanos = nanos);
    }

    public Options withVerifyOnly(boolean v) {
      return with(b -> b.verifyOnly = v);
    }

    public Options withCheckpoint(Path p) {
      return with(b -> b.checkpoint = p);
    }

    public Options withBudgetMillis(long ms) {
      return with(b -> b.budgetMillis = ms);
    }

    public Options withParallelism(int n) {
      return with(b -> b.parallelism = n);
    }

    private Options with(java.util.function.Consumer<Change> change) {
      Change c = new Change(this);
      change.accept(c);
      return new Options(c.machine, c.entityType, c.entityId, c.latenessNanos, c.verifyOnly, c.checkpoint,
          c.parallelism, c.budgetMillis, c.samples);
    }

    /** The fields of a copy being changed. */
    private static final class Change {
      String machine;
      String entityType;
      String entityId;
      long latenessNanos;
      boolean verifyOnly;
      Path checkpoint;
      int parallelism;
      long budgetMillis;
      int samples;

      Change(Options o) {
        machine = o.machine;
        entityType = o.entityType;
        entityId = o.entityId;
        latenessNanos = o.latenessNanos;
        verifyOnly = o.verifyOnly;
        checkpoint = o.checkpoint;
        parallelism = o.parallelism;
        budgetMillis = o.budgetMillis;
        samples = o.samples;
      }
    }
  }

  /** Progress so far. */
  public record Progress(int rangesDone, int ranges, long entities, long events, double seconds) {
    public double eventsPerSecond() {
      return seconds <= 0 ? 0 : events / seconds;
    }
  }

  /**
   * The outcome.
   *
   * @param ranges        key ranges (regions at the start)
   * @param resumed       ranges whose walk went on from the checkpoint (done there, or partly)
   * @param entities      entities looked at in this run
   * @param events        their stored events
   * @param changed       entities whose cells changed (or would, verify-only)
   * @param written       cells written
   * @param deleted       cells deleted
   * @param changes       per definition and from/to state: how many entities, and the first few state rows
   * @param seconds       wall time
   */
  public record Report(int ranges, int resumed, long entities, long events, long changed, long written, long deleted,
      List<RebuildProtocol.Change> changes, double seconds) {
    public double eventsPerSecond() {
      return seconds <= 0 ? 0 : events / seconds;
    }
  }

  private StateRebuildClient() {
  }

  /** A key range of the table and where its walk stands. */
  private static final class Range {
    final byte[] start;
    final byte[] stop; // empty: the table's end
    byte[] next;
    boolean done;

    Range(byte[] start, byte[] stop) {
      this.start = start;
      this.stop = stop;
      this.next = start;
    }

    String id() {
      return Bytes.toStringBinary(start);
    }
  }

  /** Rebuilds (or verifies) the table; {@code progress} hears of every call's end. */
  public static Report run(Connection connection, TableName table, Options options, Consumer<Progress> progress)
      throws IOException {
    long t0 = System.nanoTime();
    List<Range> ranges = new ArrayList<>();
    if (options.entityType() != null && options.entityId() != null) {
      RowKeyCodec.KeyRange r = RowKeyCodec.entityRange(options.entityType(), options.entityId());
      ranges.add(new Range(r.startBytes(), r.stopBytes()));
    } else {
      try (RegionLocator locator = connection.getRegionLocator(table)) {
        for (HRegionLocation l : locator.getAllRegionLocations()) {
          ranges.add(new Range(l.getRegion().getStartKey(), l.getRegion().getEndKey()));
        }
      }
      ranges.sort((a, b) -> Bytes.compareTo(a.start, b.start));
    }
    Checkpoint checkpoint = options.verifyOnly() || options.checkpoint() == null ? null
        : Checkpoint.open(options.checkpoint(), fingerprint(connection, table, options));
    int resumed = 0;
    int doneBefore = 0;
    if (checkpoint != null) {
      for (Range r : ranges) {
        byte[] at = checkpoint.position(r.id());
        if (at != null) {
          r.next = at;
          r.done = checkpoint.done(r.id());
          resumed++;
          doneBefore += r.done ? 1 : 0;
        }
      }
    }
    Tally tally = new Tally(ranges.size(), resumed, doneBefore, t0, options.samples(), progress);
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(options.parallelism(), ranges.size())),
        r -> {
          Thread t = new Thread(r, "eventstate-rebuild");
          t.setDaemon(true);
          return t;
        });
    try (Table t = connection.getTable(table)) {
      List<Future<?>> futures = new ArrayList<>();
      for (Range r : ranges) {
        if (!r.done) {
          futures.add(pool.submit(() -> {
            walk(t, r, options, checkpoint, tally);
            return null;
          }));
        }
      }
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (ExecutionException e) {
          Throwable c = e.getCause();
          throw c instanceof IOException io ? io : new IOException("rebuild failed: " + c, c);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("rebuild interrupted");
        }
      }
    } finally {
      pool.shutdownNow();
      try { // a killed run's slices end before it returns: nothing writes its checkpoint afterwards
        pool.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return tally.report(System.nanoTime());
  }

  /** Walks one range to its end, slice by slice. */
  private static void walk(Table table, Range r, Options o, Checkpoint checkpoint, Tally tally) throws IOException {
    int failures = 0;
    while (!r.done) {
      if (Thread.currentThread().isInterrupted()) {
        throw new java.io.InterruptedIOException("rebuild interrupted");
      }
      RebuildProtocol.Request req = new RebuildProtocol.Request(r.next, r.stop, o.machine(), o.entityType(),
          o.entityId(), o.latenessNanos(), o.verifyOnly(), o.budgetMillis(), o.samples());
      RebuildProtocol.Response res;
      try {
        CoprocessorRpcChannel channel = table.coprocessorService(r.next);
        Message m = channel.callBlockingMethod(RebuildProtocol.REBUILD, null, req.toMessage(),
            RebuildProtocol.responsePrototype());
        res = RebuildProtocol.Response.of(m);
        failures = 0;
      } catch (ServiceException e) {
        // the client retried within the call already; a region in transition or a server gone may take longer
        if (++failures > 10 || e.getCause() instanceof org.apache.hadoop.hbase.DoNotRetryIOException) {
          throw new IOException("rebuild of the range from " + Bytes.toStringBinary(r.next) + " failed: "
              + rootMessage(e), e);
        }
        try {
          Thread.sleep(500L * failures);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("rebuild interrupted");
        }
        continue;
      }
      boolean end = res.done() || (r.stop.length > 0 && Bytes.compareTo(res.next(), r.stop) >= 0)
          || res.next().length == 0;
      r.next = res.next();
      r.done = end;
      if (checkpoint != null) {
        checkpoint.record(r.id(), r.next, r.done);
      }
      tally.add(res, r.done);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage();
    return m == null ? t.toString() : m.lines().findFirst().orElse(m);
  }

  /** Totals across ranges. */
  private static final class Tally {
    final int ranges;
    final int resumed;
    final long t0;
    final int samples;
    final Consumer<Progress> progress;
    int done;
    long entities;
    long events;
    long changed;
    long written;
    long deleted;
    final Map<String, RebuildProtocol.Change> changes = RebuildProtocol.tally();

    Tally(int ranges, int resumed, int doneBefore, long t0, int samples, Consumer<Progress> progress) {
      this.ranges = ranges;
      this.resumed = resumed;
      this.done = doneBefore;
      this.t0 = t0;
      this.samples = samples;
      this.progress = progress;
    }

    synchronized void add(RebuildProtocol.Response r, boolean rangeDone) {
      entities += r.entities();
      events += r.events();
      changed += r.changed();
      written += r.written();
      deleted += r.deleted();
      for (RebuildProtocol.Change c : r.changes()) {
        RebuildProtocol.tally(changes, c, samples);
      }
      if (rangeDone) {
        done++;
      }
      if (progress != null) {
        progress.accept(new Progress(done, ranges, entities, events, (System.nanoTime() - t0) / 1e9));
      }
    }

    synchronized Report report(long now) {
      List<RebuildProtocol.Change> list = new ArrayList<>(changes.values());
      list.sort((a, b) -> a.name().equals(b.name()) ? Long.compare(b.count(), a.count()) : a.name().compareTo(b.name()));
      return new Report(ranges, resumed, entities, events, changed, written, deleted, list, (now - t0) / 1e9);
    }
  }

  /**
   * What makes two rebuilds the same: the table, its state definitions (table values), and the options that change
   * what is written.
   */
  static String fingerprint(Connection connection, TableName table, Options o) throws IOException {
    TableDescriptor d = connection.getAdmin().getDescriptor(table);
    TreeMap<String, String> keys = new TreeMap<>(StateConfiguration.keys(d, null));
    StringBuilder sb = new StringBuilder(table.getNameAsString()).append('\n');
    keys.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    sb.append(o.machine()).append('\n').append(o.entityType()).append('\n').append(o.entityId()).append('\n')
        .append(o.latenessNanos()).append('\n');
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(sb.toString().getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** True if the table's descriptor loads the state observer (and so serves the rebuild endpoint). */
  public static boolean servesRebuild(Connection connection, TableName table) throws IOException {
    return StateConfiguration.loadsObserver(connection.getAdmin().getDescriptor(table));
  }

  /** The state keys ({@link EntityStateSpec#PREFIX}) of a table's descriptor. */
  public static Map<String, String> stateKeys(TableDescriptor d) {
    return StateConfiguration.keys(d, null);
  }

  /**
   * A checkpoint file: its first line is the rebuild's fingerprint, then one line per finished slice,
   * {@code RANGE_START_HEX NEXT_HEX done|more}; the last line of a range wins. A file of another rebuild is replaced.
   */
  static final class Checkpoint {
    private final Path file;
    private final Map<String, byte[]> position = new LinkedHashMap<>();
    private final Map<String, Boolean> done = new LinkedHashMap<>();

    private Checkpoint(Path file) {
      this.file = file;
    }

    static Checkpoint open(Path file, String fingerprint) throws IOException {
      Checkpoint c = new Checkpoint(file);
      if (Files.exists(file)) {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (!lines.isEmpty() && lines.get(0).equals(fingerprint)) {
          for (String line : lines.subList(1, lines.size())) {
            String[] p = line.split(" ");
            if (p.length == 3) { // a line cut by a kill is ignored
              c.position.put(p[0], HexFormat.of().parseHex(p[1]));
              c.done.put(p[0], p[2].equals("done"));
            }
          }
          return c;
        }
      }
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      Files.writeString(file, fingerprint + "\n", StandardCharsets.UTF_8);
      return c;
    }

    byte[] position(String range) {
      return position.get(hex(range));
    }

    boolean done(String range) {
      return done.getOrDefault(hex(range), false);
    }

    synchronized void record(String range, byte[] next, boolean isDone) throws IOException {
      Files.writeString(file, hex(range) + " " + HexFormat.of().formatHex(next) + " " + (isDone ? "done" : "more")
          + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    private static String hex(String range) {
      return "k" + HexFormat.of().formatHex(range.getBytes(StandardCharsets.UTF_8));
    }
  }
}
