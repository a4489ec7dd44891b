package io.eventstate.flume.sink;

import io.eventstate.core.rowkey.EventSinkSpec;
import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.event.MalformedEventException;
import io.eventstate.core.state.Notification;
import io.eventstate.core.act.NotifySpec;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.state.StateColumns;
import io.eventstate.flume.interceptor.EventstateCounters;
import io.eventstate.flume.interceptor.FlumeConfiguration;
import io.eventstate.core.rowkey.EventRowCodec;
import io.eventstate.core.rowkey.EventRowCodec.RowWrite;
import io.eventstate.core.rowkey.TableSchema;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.flume.Channel;
import org.apache.flume.ChannelException;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.EventDeliveryException;
import org.apache.flume.FlumeException;
import org.apache.flume.Transaction;
import org.apache.flume.conf.BatchSizeSupported;
import org.apache.flume.conf.Configurable;
import org.apache.flume.instrumentation.SinkCounter;
import org.apache.flume.sink.AbstractSink;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.client.Durability;
import org.apache.hadoop.hbase.client.Get;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.RegionLocator;
import org.apache.hadoop.hbase.client.Table;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes canonical events (headers set by the normalizing interceptor, body the raw bytes) to the Eventstate
 * HBase table, idempotently: row keys come from the event ({@code io.eventstate.core.rowkey.RowKeyCodec}) and
 * every cell carries an explicit timestamp derived from the event time, so redelivering a batch — which Flume
 * does after any rollback — rewrites byte-identical cells.
 *
 * <h2>Configuration</h2> (keys parsed by {@link EventSinkSpec}; unknown keys fail the agent's start)
 * <table>
 *   <caption>EventSink keys</caption>
 *   <tr><th>Property</th><th>Default</th><th>Description</th></tr>
 *   <tr><td>{@code table}</td><td>{@code eventstate}</td><td>table created by {@link SchemaTool}</td></tr>
 *   <tr><td>{@code batchSize}</td><td>100</td><td>events per channel transaction</td></tr>
 *   <tr><td>{@code timeoutMs}</td><td>30000</td><td>bound of one HBase write, retries included</td></tr>
 *   <tr><td>{@code durability}</td><td>{@code SYNC_WAL}</td><td>WAL durability of every write</td></tr>
 *   <tr><td>{@code writeThreads}</td><td>4</td><td>regions of a batch written in parallel</td></tr>
 *   <tr><td>{@code idlePollMs}</td><td>0</td><td>when the channel is empty, wait this long and report READY instead
 *       of BACKOFF (Flume's runner would sleep 1 to 5 s)</td></tr>
 *   <tr><td>{@code zookeeperQuorum}, {@code znodeParent}</td><td>hbase-site.xml</td><td>cluster location</td></tr>
 *   <tr><td>{@code hbase.*}</td><td></td><td>passed to the HBase client</td></tr>
 *   <tr><td>{@code kerberosPrincipal}, {@code kerberosKeytab}</td><td></td><td>client login (both or neither)</td></tr>
 *   <tr><td>{@code notify.*}</td><td>off</td><td>notifications, see {@link NotifySpec} and below</td></tr>
 * </table>
 * <pre>
 *   a1.sinks.hbase.type = io.eventstate.flume.sink.EventSink
 *   a1.sinks.hbase.channel = valid
 *   a1.sinks.hbase.table = eventstate
 *   a1.sinks.hbase.batchSize = 500
 * </pre>
 *
 * <h2>Behaviour</h2>
 * <ul>
 *   <li>One transaction per {@code process()}: take up to {@code batchSize} events, write, commit. Any failure
 *       rolls back and returns {@code BACKOFF}; Flume redelivers the batch later and the rewrite is harmless.</li>
 *   <li>Each entity's event rows and a touch of its state row are written in one atomic multi-row operation
 *       ({@code MultiRowMutationEndpoint}, which the schema tool loads on the table); all entities of a batch
 *       that share a region go in the same operation. See {@link EntityWriter} for why.</li>
 *   <li>Poison events are never retried forever: an event whose canonical headers are missing or malformed
 *       ({@code sink-encode}), whose row key or a cell is over HBase's limits ({@code sink-limit}: row keys of 32767
 *       bytes, cells of {@code hbase.client.keyvalue.maxsize}), or that HBase refuses as data with a
 *       {@code DoNotRetryIOException} or the client with an {@code IllegalArgumentException} ({@code sink-rejected})
 *       is isolated and stored as a dead-letter row ({@code ~dl:...}, family {@code e}: raw body, reason, stage,
 *       headers) and counted; the rest of the batch commits. A batch that fails {@code poison.maxAttempts} times in a
 *       row for a reason HBase calls retryable is then written event by event: an event that still fails while its
 *       region answers reads and other events of the pass were written is dead-lettered with the error; when nothing
 *       could be written (HBase down, busy or moving regions), the batch is rolled back and retried, for ever.</li>
 *   <li>{@code start()} fails, naming the table and the fix, when the table or a column family is missing, the
 *       table is disabled, or it was not made by the schema tool. No event is taken then. Flume's lifecycle
 *       supervisor calls {@code start()} again every few seconds, so the sink recovers once the table exists.</li>
 * </ul>
 * Counters: Flume's {@code SinkCounter} (type SINK) on every branch, plus {@link EventSinkCounters}.
 *
 * <h2>Notifications</h2> (keys {@code notify.*}, see {@link NotifySpec})
 * With {@code notify.hostname} and {@code notify.port} set, after HBase accepted a batch and before the channel
 * transaction commits, the sink reads back the coprocessor's {@code d:notify} cells of the event rows it just wrote
 * (transitions marked {@code notify}) and adds a rule notification for every stored event carrying a tag listed in
 * {@code notify.tags}; it sends them with an Avro {@code RpcClient} and commits only when the send succeeded. A
 * failed send rolls the batch back: Flume redelivers it, the coprocessor ignores the duplicate events, their
 * {@code d:notify} cells are still there, and the same notifications (same {@code es.notify.id}) are sent again.
 * Nothing is sent for a batch whose HBase write failed, nor for dead-lettered events. Delivery is therefore at
 * least once; receivers dedupe on {@code es.notify.id}. Counters: {@code SINK.<name>-notify}: {@code sent},
 * {@code transitions}, {@code rules}, {@code sendFailures}, {@code undecodable}.
 */
public class EventSink extends AbstractSink implements Configurable, BatchSizeSupported {

  private static final Logger LOG = LoggerFactory.getLogger(EventSink.class);

  /** Stage recorded on dead letters whose headers could not be read. */
  public static final String STAGE_ENCODE = "sink-encode";
  /** Stage recorded on dead letters HBase rejected. */
  public static final String STAGE_REJECTED = "sink-rejected";
  /** Stage recorded on dead letters whose row key or a cell is over HBase's limits. */
  public static final String STAGE_LIMIT = "sink-limit";

  private EventSinkSpec spec;
  private TableSchema schema;
  private Durability durability;
  private SinkCounter sinkCounter;
  private EventSinkCounters counters;

  private Connection connection;
  private Table table;
  private RegionLocator locator;
  private EntityWriter writer;
  private boolean countersStarted;
  private ExecutorService pool;
  private NotifySpec notifySpec = NotifySpec.DISABLED;
  private Notifier notifier;
  private EventstateCounters notifyCounters;
  /** {@code hbase.client.keyvalue.maxsize} of the client configuration. */
  private long maxCellBytes = EventRowCodec.DEFAULT_MAX_CELL_BYTES;
  /** The head of the batch that failed last (event id), and how many times in a row it failed. */
  private String failingHead;
  private int failures;
  private String firstTaken;

  /** Notification counters ({@code SINK.<name>-notify}). */
  public static final String NOTIFY_SENT = "sent";
  public static final String NOTIFY_TRANSITIONS = "transitions";
  public static final String NOTIFY_RULES = "rules";
  public static final String NOTIFY_SEND_FAILURES = "sendFailures";
  public static final String NOTIFY_UNDECODABLE = "undecodable";

  @Override
  public void configure(Context context) {
    String component = "EventSink '" + getName() + "'";
    spec = FlumeConfiguration.parse(component, () -> EventSinkSpec.parse(context.getParameters()));
    notifySpec = FlumeConfiguration.parse(component, () -> NotifySpec.parse(context.getParameters()));
    schema = new TableSchema(spec.table(), 1);
    durability = Durability.valueOf(spec.durability());
    if (sinkCounter == null) {
      sinkCounter = new SinkCounter(getName());
      counters = new EventSinkCounters(getName());
    }
    if (notifyCounters == null && notifySpec.enabled()) {
      notifyCounters = new EventstateCounters(org.apache.flume.instrumentation.MonitoredCounterGroup.Type.SINK,
          getName() + "-notify", NOTIFY_SENT, NOTIFY_TRANSITIONS, NOTIFY_RULES, NOTIFY_SEND_FAILURES,
          NOTIFY_UNDECODABLE);
    }
  }

  /** The notification counters, or null when notifications are off. */
  public EventstateCounters notifyCounters() {
    return notifyCounters;
  }

  /** The parsed configuration. */
  public EventSinkSpec spec() {
    return spec;
  }

  @Override
  public long getBatchSize() {
    return spec.batchSize();
  }

  /** Flume's standard counters of this sink. */
  public SinkCounter sinkCounter() {
    return sinkCounter;
  }

  /** Eventstate's counters of this sink. */
  public EventSinkCounters counters() {
    return counters;
  }

  /** The HBase client configuration: hbase-site.xml from the class path, then the sink's keys. */
  Configuration clientConfiguration() {
    Configuration conf = HBaseConfiguration.create();
    for (Map.Entry<String, String> e : spec.clientProperties().entrySet()) {
      conf.set(e.getKey(), e.getValue());
    }
    return conf;
  }

  @Override
  public synchronized void start() {
    if (!countersStarted) {
      // MonitoredCounterGroup.start() zeroes every counter: once per life, not per start attempt, or the
      // supervisor's retries would erase the start failures they are retrying.
      sinkCounter.start();
      counters.start();
      if (notifyCounters != null) {
        notifyCounters.start();
      }
      countersStarted = true;
    }
    try {
      Configuration conf = clientConfiguration();
      maxCellBytes = conf.getLong("hbase.client.keyvalue.maxsize", EventRowCodec.DEFAULT_MAX_CELL_BYTES);
      connection = ConnectionFactory.createConnection(conf);
      List<String> problems;
      try (Admin admin = connection.getAdmin()) {
        problems = SchemaTool.problems(admin, schema);
      }
      if (!problems.isEmpty()) {
        throw new FlumeException("sink " + getName() + " cannot write to HBase table " + spec.table() + ": "
            + String.join("; ", problems) + ". The sink retries start-up until this is fixed.");
      }
      TableName name = TableName.valueOf(spec.table());
      table = connection.getTable(name);
      locator = connection.getRegionLocator(name);
      if (spec.writeThreads() > 1) {
        AtomicInteger threadNo = new AtomicInteger();
        pool = Executors.newFixedThreadPool(spec.writeThreads(), r -> {
          Thread t = new Thread(r, "eventsink-" + getName() + "-" + threadNo.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
      }
      writer = new EntityWriter(table, locator, durability, pool);
      if (notifySpec.enabled()) {
        notifier = new Notifier(notifySpec, getName());
      }
      sinkCounter.incrementConnectionCreatedCount();
    } catch (Exception e) {
      sinkCounter.incrementConnectionFailedCount();
      counters.increment(EventSinkCounters.START_FAILURES);
      closeQuietly();
      LOG.error("Sink {} failed to start: {}", getName(), e.getMessage());
      if (e instanceof FlumeException fe) {
        throw fe;
      }
      throw new FlumeException("sink " + getName() + " cannot reach HBase for table " + spec.table() + ": " + e, e);
    }
    super.start();
    LOG.info("Sink {} writing to HBase table {} (batchSize {}, durability {}, writeThreads {})", getName(),
        spec.table(), spec.batchSize(), spec.durability(), spec.writeThreads());
  }

  @Override
  public synchronized void stop() {
    closeQuietly();
    sinkCounter.incrementConnectionClosedCount();
    sinkCounter.stop();
    counters.stop();
    if (notifyCounters != null) {
      notifyCounters.stop();
    }
    countersStarted = false;
    super.stop();
  }

  private void closeQuietly() {
    for (AutoCloseable c : new AutoCloseable[] {locator, table, connection}) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          LOG.warn("Sink {}: error closing {}: {}", getName(), c, e.toString());
        }
      }
    }
    if (pool != null) {
      pool.shutdownNow();
    }
    if (notifier != null) {
      notifier.close();
    }
    notifier = null;
    pool = null;
    locator = null;
    table = null;
    connection = null;
    writer = null;
  }

  @Override
  public Status process() throws EventDeliveryException {
    Channel channel = getChannel();
    Transaction txn = channel.getTransaction();
    Status status = Status.READY;
    boolean emptyPoll = false;
    try {
      txn.begin();
      List<Event> batch = new ArrayList<>(spec.batchSize());
      firstTaken = null;
      for (int i = 0; i < spec.batchSize(); i++) {
        Event e = channel.take();
        if (e == null) {
          break;
        }
        if (batch.isEmpty()) {
          firstTaken = headOf(e);
        }
        batch.add(e);
      }
      if (batch.isEmpty()) {
        sinkCounter.incrementBatchEmptyCount();
        status = Status.BACKOFF;
        emptyPoll = true;
      } else {
        if (batch.size() < spec.batchSize()) {
          sinkCounter.incrementBatchUnderflowCount();
        } else {
          sinkCounter.incrementBatchCompleteCount();
        }
        sinkCounter.addToEventDrainAttemptCount(batch.size());
        String head = headOf(batch.get(0));
        String isolateNote = head.equals(failingHead) && failures >= spec.poisonMaxAttempts()
            ? "not written after " + failures + " attempts while its region answers" : null;
        List<CanonicalEvent> stored = write(batch, isolateNote);
        if (notifier != null) {
          sendNotifications(stored);
        }
      }
      beforeCommit(batch);
      txn.commit();
      if (!batch.isEmpty()) {
        sinkCounter.addToEventDrainSuccessCount(batch.size());
        failingHead = null;
        failures = 0;
      }
    } catch (Throwable t) {
      emptyPoll = false; // a failure keeps Flume's back-off
      try {
        txn.rollback();
      } catch (Exception e2) {
        LOG.error("Sink {}: rollback failed; the channel redelivers the batch anyway", getName(), e2);
      }
      counters.increment(EventSinkCounters.ROLLBACKS);
      if (t instanceof ChannelException) {
        sinkCounter.incrementChannelReadFail();
      } else {
        sinkCounter.incrementEventWriteFail();
        String head = firstTaken;
        if (head != null && head.equals(failingHead)) {
          failures++;
        } else {
          failingHead = head;
          failures = 1;
        }
      }
      if (t instanceof Error err) {
        throw err;
      }
      LOG.warn("Sink {}: batch rolled back and will be redelivered: {}", getName(), t.toString());
      status = Status.BACKOFF;
    } finally {
      txn.close();
    }
    if (status == Status.BACKOFF && emptyPoll && spec.idlePollMs() > 0) {
      // Flume's runner would sleep 1 s, 2 s, ... up to 5 s on BACKOFF; a short wait of our own keeps the latency low
      try {
        Thread.sleep(spec.idlePollMs());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Status.BACKOFF;
      }
      return Status.READY;
    }
    return status;
  }

  /** Identifies the event at the head of a batch across redeliveries: its event id, else its body's hash. */
  private static String headOf(Event e) {
    String id = e.getHeaders() == null ? null : e.getHeaders().get(EventHeaders.EVENT_ID);
    if (id != null) {
      return id;
    }
    byte[] b = e.getBody() == null ? new byte[0] : e.getBody();
    return "body:" + java.util.Arrays.hashCode(b) + ":" + b.length;
  }

  /** Largest value of a dead letter HBase refused whole: the body is cut to it so the event is still stored. */
  static final int TRUNCATED_VALUE_BYTES = 64 * 1024;

  /**
   * Stores dead letters; one that HBase refuses as data (too large for the client, or a DoNotRetryIOException)
   * is stored again with its values truncated, so a poison event can never make the batch loop.
   */
  private void writeDeadLetters(List<RowWrite> rows) throws IOException {
    try {
      writer.put(rows);
      return;
    } catch (IllegalArgumentException e) {
      LOG.warn("Sink {}: dead letters refused by the client ({}), storing them one by one", getName(), e.getMessage());
    } catch (IOException e) {
      if (!EntityWriter.isPoison(EntityWriter.unwrap(e))) {
        throw e;
      }
    }
    for (RowWrite r : rows) {
      try {
        writer.put(List.of(r));
      } catch (IllegalArgumentException | IOException e) {
        if (e instanceof IOException io && !EntityWriter.isPoison(EntityWriter.unwrap(io))) {
          throw io;
        }
        // at most 64 KiB a value, and room left under the client's cell limit for the row key and qualifier
        int cut = (int) Math.max(256, Math.min(TRUNCATED_VALUE_BYTES, maxCellBytes > 0 ? maxCellBytes - 1024 : TRUNCATED_VALUE_BYTES));
        writer.put(List.of(EventRowCodec.truncated(r, cut, String.valueOf(e.getMessage()))));
      }
    }
  }

  /** Called after HBase accepted the batch and before the channel commit; tests override it to fail there. */
  void beforeCommit(List<Event> batch) throws Exception {
  }

  /**
   * The notifications of the stored events: the coprocessor's d:notify cells, read back, and tag topics. Sent before
   * the commit; a failure throws and rolls the batch back.
   */
  private void sendNotifications(List<CanonicalEvent> stored) throws IOException, EventDeliveryException {
    List<Notification> out = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    if (notifySpec.transitions() && !stored.isEmpty()) {
      byte[] family = StateColumns.utf8(StateColumns.DERIVED_FAMILY);
      byte[] qualifier = StateColumns.utf8(StateColumns.NOTIFY);
      List<Get> gets = new ArrayList<>(stored.size());
      for (CanonicalEvent e : stored) {
        gets.add(new Get(RowKeyCodec.toBytes(RowKeyCodec.eventRowKey(e.entityType(), e.entityId(), e.eventTimeNanos(),
            e.eventId()))).addColumn(family, qualifier));
      }
      Result[] results = table.get(gets);
      for (Result r : results) {
        byte[] v = r == null ? null : r.getValue(family, qualifier);
        if (v == null) {
          continue;
        }
        try {
          for (Notification n : Notification.decodeList(v)) {
            if (ids.add(n.id())) {
              out.add(n);
              notifyCounters.increment(NOTIFY_TRANSITIONS);
            }
          }
        } catch (IllegalArgumentException bad) {
          // Resending cannot repair a cell: count and log it rather than loop on the batch.
          notifyCounters.increment(NOTIFY_UNDECODABLE);
          LOG.error("Sink {}: row {}: {}", getName(), RowKeyCodec.fromBytes(r.getRow()), bad.getMessage());
        }
      }
    }
    for (CanonicalEvent e : stored) {
      for (String tag : notifySpec.tags()) {
        if (e.tags().contains(tag)) {
          Notification n = Notification.rule(e.entityType(), e.entityId(), e.eventId(), e.eventTimeNanos(), tag);
          if (ids.add(n.id())) {
            out.add(n);
            notifyCounters.increment(NOTIFY_RULES);
          }
        }
      }
    }
    try {
      notifier.send(out);
    } catch (EventDeliveryException e) {
      notifyCounters.increment(NOTIFY_SEND_FAILURES);
      throw e;
    }
    notifyCounters.add(NOTIFY_SENT, out.size());
  }

  /** Writes the batch; returns the events stored as events (not dead-lettered). */
  private List<CanonicalEvent> write(List<Event> batch, String isolateNote) throws IOException {
    if (writer == null) {
      throw new IOException("sink " + getName() + " is not connected to HBase");
    }
    Map<CanonicalEvent, Event> sources = new IdentityHashMap<>();
    List<CanonicalEvent> events = new ArrayList<>(batch.size());
    List<RowWrite> deadLetters = new ArrayList<>();
    int unencodable = 0;
    int overLimits = 0;
    for (Event e : batch) {
      byte[] body = e.getBody() == null ? new byte[0] : e.getBody();
      Map<String, String> headers = e.getHeaders() == null ? Map.of() : e.getHeaders();
      try {
        CanonicalEvent ce = EventHeaders.read(headers, body);
        // proves it encodes, and fits HBase's row and cell limits, before it joins a batch
        String over = EventRowCodec.overHBaseLimits(EventRowCodec.eventRow(ce), maxCellBytes);
        if (over != null) {
          deadLetters.add(EventRowCodec.deadLetter(headers, body, STAGE_LIMIT, over));
          overLimits++;
          continue;
        }
        events.add(ce);
        sources.put(ce, e);
      } catch (MalformedEventException | RuntimeException bad) {
        deadLetters.add(EventRowCodec.deadLetter(headers, body, STAGE_ENCODE, String.valueOf(bad.getMessage())));
        unencodable++;
      }
    }
    if (isolateNote != null) {
      // once per stuck batch, then rarely: during an outage every attempt is such a pass
      if (failures == spec.poisonMaxAttempts() || failures % 100 == 0) {
        LOG.warn("Sink {}: the batch failed {} times in a row; writing it event by event to find what HBase refuses",
            getName(), failures);
      }
      counters.increment(EventSinkCounters.ISOLATION_PASSES);
    }
    EntityWriter.Outcome outcome = writer.write(events, isolateNote);
    for (EntityWriter.Rejected r : outcome.rejected()) {
      Event source = sources.get(r.event());
      Map<String, String> headers = source.getHeaders() == null ? Map.of() : new LinkedHashMap<>(source.getHeaders());
      deadLetters.add(EventRowCodec.deadLetter(headers, r.event().body(), STAGE_REJECTED, r.reason()));
    }
    if (!deadLetters.isEmpty()) {
      writeDeadLetters(deadLetters);
      LOG.warn("Sink {}: {} dead letter(s) in table {} ({} unencodable, {} over HBase's limits, {} rejected by HBase)",
          getName(), deadLetters.size(), spec.table(), unencodable, overLimits, outcome.rejected().size());
    }
    counters.add(EventSinkCounters.EVENT_ROWS_WRITTEN, outcome.eventRows());
    counters.add(EventSinkCounters.STATE_ROWS_TOUCHED, outcome.stateTouches());
    counters.add(EventSinkCounters.ATOMIC_WRITES, outcome.atomicWrites());
    counters.add(EventSinkCounters.FALLBACK_SPLITS, outcome.fallbackSplits());
    counters.add(EventSinkCounters.DEAD_LETTERED, deadLetters.size());
    counters.add(EventSinkCounters.DEAD_LETTERED_UNENCODABLE, unencodable);
    counters.add(EventSinkCounters.DEAD_LETTERED_OVER_LIMITS, overLimits);
    counters.add(EventSinkCounters.DEAD_LETTERED_REJECTED, outcome.rejected().size());
    if (outcome.rejected().isEmpty()) {
      return events;
    }
    Set<CanonicalEvent> rejected = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    for (EntityWriter.Rejected r : outcome.rejected()) {
      rejected.add(r.event());
    }
    List<CanonicalEvent> stored = new ArrayList<>(events.size());
    for (CanonicalEvent e : events) {
      if (!rejected.contains(e)) {
        stored.add(e);
      }
    }
    return stored;
  }
}
