package io.eventstate.hbase.coprocessor;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.rowkey.EventRowCodec;
import io.eventstate.core.rowkey.EventRowCodec.CellValue;
import io.eventstate.core.rowkey.EventRowCodec.RowWrite;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.rowkey.RowKeyCodec.DecodedKey;
import io.eventstate.core.rowkey.TableSchema;
import io.eventstate.core.state.EntityRows;
import io.eventstate.core.state.EntityStateProcessor;
import io.eventstate.core.state.EntityStateProcessor.StoredState;
import io.eventstate.core.state.EventRowReader;
import io.eventstate.core.state.FutureSkewGuard;
import io.eventstate.core.state.StateColumns;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hadoop.hbase.Cell;
import org.apache.hadoop.hbase.CellUtil;
import org.apache.hadoop.hbase.CoprocessorEnvironment;
import org.apache.hadoop.hbase.DoNotRetryIOException;
import org.apache.hadoop.hbase.client.Mutation;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.coprocessor.ObserverContext;
import org.apache.hadoop.hbase.coprocessor.RegionCoprocessor;
import org.apache.hadoop.hbase.coprocessor.RegionCoprocessorEnvironment;
import org.apache.hadoop.hbase.coprocessor.RegionObserver;
import org.apache.hadoop.hbase.ipc.RpcServer;
import org.apache.hadoop.hbase.metrics.Counter;
import org.apache.hadoop.hbase.metrics.Histogram;
import org.apache.hadoop.hbase.metrics.MetricRegistry;
import org.apache.hadoop.hbase.regionserver.MiniBatchOperationInProgress;
import org.apache.hadoop.hbase.regionserver.OperationStatus;
import org.apache.hadoop.hbase.regionserver.Region;
import org.apache.hadoop.hbase.util.Bytes;
import org.apache.hadoop.hbase.util.EnvironmentEdgeManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Advances state machines and sessions when event rows are written, atomically with them and exactly once per
 * event id. Thin: its hooks decode the batch's rows ({@link RowKeyCodec}, {@link EventRowReader}), advance each
 * entity through core's state protocol ({@link EntityStateProcessor#advance} over the region, {@link RegionEntityRows}),
 * and apply the resulting cells to the same mini-batch with {@code addOperationsFromCP}, so they go into the same WAL
 * edit and MVCC write as the events.
 *
 * <h2>Loading</h2>
 * <pre>
 * alter 'events', METHOD => 'table_att',
 *   'eventstate.state.machine.package' => File.read('conf/machines/package.json'),
 *   'eventstate.state.machine.web' => File.read('conf/machines/sessions.json')
 * alter 'events', METHOD => 'table_att', 'coprocessor' =>
 *   'file:///opt/eventstate/eventstate-coprocessors-0.1.0.jar|io.eventstate.hbase.coprocessor.EntityStateObserver|1073741823|'
 * </pre>
 * ({@code ./eventstate schema print-state} prints these commands; from Java, {@code SchemaTool.createWithState}
 * sets the same table values and the coprocessor). Keys: {@link io.eventstate.core.state.EntityStateSpec},
 * as table values (coprocessor properties cannot hold JSON: HBase refuses values with commas; a property overrides a
 * table value of the same key). The cells written: {@link StateColumns}.
 *
 * <h2>Per mini-batch</h2>
 * <ol>
 *   <li>Event-row Puts (keys {@link RowKeyCodec} decodes as events) are grouped by entity; state rows, dead letters
 *       and foreign rows are left alone, as are entity types no definition applies to.</li>
 *   <li>Each touched entity's state row is locked exclusively, in sorted order, unless the batch holds it already:
 *       a write through {@code MultiRowMutationEndpoint.mutateRows} (as {@code EventSink} does) includes the
 *       entity's state row and runs under exclusive locks. A plain {@code Table.put/batch} takes shared locks, so
 *       such a batch must not include state rows (refused with a {@code DoNotRetryIOException}: a shared lock
 *       cannot be upgraded). The locks are released in {@code postBatchMutateIndispensably}.</li>
 *   <li>Events behind the entity's watermark are checked against the stored rows (a replay is left out); late
 *       events within the allowed lateness make it scan the entity's stored events (contiguous in the region) and
 *       recompute; events older than that are stored, flagged {@code too_late} and counted.</li>
 * </ol>
 *
 * <h2>Failures</h2> Nothing but an IOException leaves a hook. A bad event row (missing or inconsistent cells)
 * → {@code DoNotRetryIOException} naming the row; {@code EventSink} isolates and dead-letters it. So is an event row whose
 * time is ahead of the RegionServer's clock by more than {@code eventstate.guard.maxFutureSkew} (table value, default
 * {@code 1d}, {@code off} to disable; see {@link FutureSkewGuard}), and any {@code Error} (a stack overflow on a
 * crafted event fails the same way on every retry). An unexpected
 * runtime error while deciding → logged once per region, counted ({@code eventstate.state.errors}) and thrown as a
 * {@code DoNotRetryIOException} naming the entity (the same input would fail again). An invalid configuration
 * never aborts the server: {@code start} records it and every event-row write is refused with its message
 * ({@link EntityStateMasterObserver} refuses it at create/alter time already).
 *
 * <h2>Metrics</h2> In the RegionServer's registry, names under {@code eventstate.state.}: counters
 * {@code applied}, {@code duplicates}, {@code late}, {@code tooLate}, {@code rewritten}, {@code transitions},
 * {@code notifications}, {@code badInput}, {@code errors}; histograms {@code recomputeLength} (events replayed per
 * late write) and {@code lockWaitMicros}.
 *
 * <p>Caveats: events stored before the observer was loaded are not in any state; a concurrent redelivery of a
 * stored event through the sink while a plain writer's late event rewrites that event's derived cells can wait for
 * the row-lock timeout once (then the client retries).
 */
public class EntityStateObserver implements RegionCoprocessor, RegionObserver {

  private static final Logger LOG = LoggerFactory.getLogger(EntityStateObserver.class);
  static final String METRIC_PREFIX = "eventstate.state.";

  private static final byte[] E = Bytes.toBytes(TableSchema.FAMILY_EVENT);
  private static final byte[] S = Bytes.toBytes(TableSchema.FAMILY_STATE);
  private static final byte[] Q_TOUCH = Bytes.toBytes(EventRowCodec.Q_TOUCH);

  private volatile EntityStateProcessor processor;
  private volatile String configError = "not started";
  private volatile FutureSkewGuard guard = FutureSkewGuard.DEFAULT;
  /** Per mini-batch (keyed by the batch object, which HBase passes to every hook of one mini-batch). */
  private final Map<MiniBatchOperationInProgress<Mutation>, BatchContext> contexts = new ConcurrentHashMap<>();
  private final StateRowCache cache = new StateRowCache(StateRowCache.DEFAULT_ENTRIES);
  private final AtomicBoolean errorLogged = new AtomicBoolean();
  Metrics metrics = Metrics.NONE;
  /** The rebuild endpoint this observer serves, so that every table with the observer can be rebuilt. */
  private final StateRebuildEndpoint rebuildEndpoint = new StateRebuildEndpoint(getClass().getName());

  /** For HBase. */
  public EntityStateObserver() {
  }

  @Override
  public Optional<RegionObserver> getRegionObserver() {
    return Optional.of(this);
  }

  /** The rebuild endpoint ({@link StateRebuildEndpoint}). */
  @Override
  public Iterable<com.google.protobuf.Service> getServices() {
    return rebuildEndpoint.getServices();
  }

  @Override
  public void start(CoprocessorEnvironment env) {
    rebuildEndpoint.start(env);
    if (!(env instanceof RegionCoprocessorEnvironment rce)) {
      configError = "EntityStateObserver is a table (region) coprocessor; load it through the table descriptor";
      LOG.error(configError);
      return;
    }
    metrics = new Metrics(rce.getMetricRegistryForRegionServer());
    try {
      processor = new EntityStateProcessor(StateConfiguration.parse(rce.getRegion().getTableDescriptor(),
          getClass().getName()));
      guard = StateConfiguration.guard(rce.getRegion().getTableDescriptor(), getClass().getName());
      configError = null;
    } catch (RuntimeException e) {
      // never abort the server: refuse writes instead
      configError = e.getMessage();
      LOG.error("Eventstate state observer of region {} is disabled, writes of event rows will be refused: {}",
          rce.getRegion().getRegionInfo().getRegionNameAsString(), configError);
    }
  }

  @Override
  public void preBatchMutate(ObserverContext<RegionCoprocessorEnvironment> c,
      MiniBatchOperationInProgress<Mutation> batch) throws IOException {
    Region region = c.getEnvironment().getRegion();
    try {
      // by row bytes: the rows of the cells to add come as bytes, looked up without making Strings of them
      Map<byte[], Put> own = new TreeMap<>(Bytes.BYTES_COMPARATOR);
      apply(region, batch, decode(batch, own), own);
    } catch (IOException e) { // DoNotRetryIOException for bad input; region errors as they are
      release(batch);
      throw e;
    } catch (RuntimeException | Error e) {
      release(batch);
      metrics.errors.increment();
      if (errorLogged.compareAndSet(false, true)) {
        LOG.error("Eventstate state update failed in region " + region.getRegionInfo().getRegionNameAsString()
            + " (logged once per region; see the eventstate.state.errors metric)", e);
      }
      if (e instanceof EntityFailure f) {
        throw new DoNotRetryIOException(f.getMessage());
      }
      if (e instanceof Error) {
        // e.g. a StackOverflowError on a crafted event: the same input fails the same way, so the client must not retry
        throw new DoNotRetryIOException("Eventstate state update failed: " + e);
      }
      throw new IOException("Eventstate state update failed: " + e, e);
    }
  }

  /** Written and visible, row locks still held: the state rows this batch wrote become the cached ones. */
  @Override
  public void postBatchMutate(ObserverContext<RegionCoprocessorEnvironment> c,
      MiniBatchOperationInProgress<Mutation> batch) {
    BatchContext ctx = contexts.get(batch);
    if (ctx != null) {
      cache.putAll(ctx.written);
      ctx.written.clear();
    }
  }

  @Override
  public void postBatchMutateIndispensably(ObserverContext<RegionCoprocessorEnvironment> c,
      MiniBatchOperationInProgress<Mutation> batch, boolean success) {
    release(batch);
  }

  /** Locks taken and state rows written by one mini-batch. */
  private static final class BatchContext {
    final List<Region.RowLock> locks = new ArrayList<>();
    final Map<String, StoredState> written = new HashMap<>();
  }

  /** The events of one entity in a mini-batch. */
  private static final class EntityBatch {
    final DecodedKey key;
    final List<CanonicalEvent> events = new ArrayList<>();
    final List<String> rows = new ArrayList<>();
    final int firstIndex;
    /** {@code SS:TYPE:ID|}, checked against the entity by {@link RowKeyCodec#decode}. */
    final String prefix;
    final String stateRow;
    boolean stateRowLockedByBatch;

    EntityBatch(DecodedKey key, int firstIndex, String prefix, String stateRow) {
      this.key = key;
      this.firstIndex = firstIndex;
      this.prefix = prefix;
      this.stateRow = stateRow;
    }

    String stateRow() {
      return stateRow;
    }
  }

  /**
   * Groups the batch's event rows by entity; {@code own} receives the batch's own Put of each event row and state row,
   * to which the derived and state cells are added directly (fewer mutations and row locks than separate Puts).
   */
  private TreeMap<String, EntityBatch> decode(MiniBatchOperationInProgress<Mutation> batch, Map<byte[], Put> own)
      throws IOException {
    TreeMap<String, EntityBatch> byStateRow = new TreeMap<>();
    Set<String> stateRowsInBatch = new HashSet<>();
    for (int i = 0; i < batch.size(); i++) {
      if (batch.getOperationStatus(i) != OperationStatus.NOT_RUN) {
        continue;
      }
      Mutation m = batch.getOperation(i);
      String row = Bytes.toString(m.getRow());
      if (RowKeyCodec.isDeadLetter(row)) {
        continue;
      }
      if (RowKeyCodec.stateRowPrefixLength(row) > 0) {
        // a state row: not decoded (its entity prefix is hashed for the batch's event rows of the entity, the only
        // ones it is matched with below)
        stateRowsInBatch.add(row);
        if (m instanceof Put p) {
          own.putIfAbsent(m.getRow(), p);
        }
        if (!onlyTouch(m)) {
          cache.remove(row); // someone else writes our state cells: read them from the region next time
        }
        continue;
      }
      DecodedKey key;
      try {
        key = RowKeyCodec.decode(row);
      } catch (IllegalArgumentException notOurs) {
        continue;
      }
      if (key.kind() != RowKeyCodec.Kind.EVENT || !(m instanceof Put put)) {
        continue;
      }
      List<Cell> eventCells = put.getFamilyCellMap().getOrDefault(E, List.of());
      if (eventCells.isEmpty()) {
        continue; // not an event write (e.g. derived cells only)
      }
      if (configError != null) {
        throw new DoNotRetryIOException("Eventstate cannot apply event row '" + row
            + "': the table's state configuration is invalid: " + configError);
      }
      String future = guard.refuse(key.eventTimeNanos(), EnvironmentEdgeManager.currentTime());
      if (future != null) {
        metrics.badInput.increment();
        throw new DoNotRetryIOException("Eventstate refused event row '" + row + "': " + future);
      }
      if (!processor.appliesTo(key.entityType())) {
        continue;
      }
      CanonicalEvent event;
      try {
        event = EventRowReader.readForState(row, key, new RegionCells.InPlace(eventCells));
      } catch (IllegalArgumentException bad) {
        metrics.badInput.increment();
        throw new DoNotRetryIOException("Eventstate refused " + bad.getMessage());
      }
      final int index = i;
      // the event row starts with the entity prefix that decode just checked: no need to hash the entity again
      String prefix = RowKeyCodec.entityPrefixOf(row);
      String stateRow = RowKeyCodec.stateRowKeyUnder(prefix);
      EntityBatch eb = byStateRow.computeIfAbsent(stateRow, k -> new EntityBatch(key, index, prefix, k));
      eb.events.add(event);
      eb.rows.add(row);
      own.putIfAbsent(m.getRow(), put);
    }
    for (String stateRow : stateRowsInBatch) {
      if (byStateRow.containsKey(stateRow) && !atomicCall()) {
        metrics.badInput.increment();
        throw new DoNotRetryIOException("Eventstate refused a write that includes the state row '" + stateRow
            + "' with a plain put/batch (shared row locks): leave state rows out, the coprocessor writes them, or "
            + "write through MultiRowMutationEndpoint.mutateRows as EventSink does");
      }
    }
    for (String stateRow : stateRowsInBatch) {
      EntityBatch eb = byStateRow.get(stateRow);
      if (eb != null) {
        eb.stateRowLockedByBatch = true;
      }
    }
    return byStateRow;
  }

  /** True if the mutation is a Put of nothing but the sink's {@code s:touch} cell. */
  private static boolean onlyTouch(Mutation m) {
    if (!(m instanceof Put)) {
      return false;
    }
    for (Map.Entry<byte[], List<Cell>> f : m.getFamilyCellMap().entrySet()) {
      for (Cell cell : f.getValue()) {
        if (!Bytes.equals(f.getKey(), S) || !Bytes.equals(CellUtil.cloneQualifier(cell), Q_TOUCH)) {
          return false;
        }
      }
    }
    return true;
  }

  /** Removes the {@code s:touch} cell from the batch's Put of a state row (HBase reads its family map later). */
  private static void dropTouch(Put statePut) {
    List<Cell> cells = statePut.getFamilyCellMap().get(S);
    if (cells != null) {
      cells.removeIf(EntityStateObserver::isTouch); // an empty list writes nothing; state cells may be added to it
    }
  }

  private static boolean isTouch(Cell cell) {
    return CellUtil.matchingQualifier(cell, Q_TOUCH);
  }

  /** True inside a coprocessor-endpoint call: MultiRowMutationEndpoint runs mutateRowsWithLocks (exclusive locks). */
  private static boolean atomicCall() {
    return RpcServer.getCurrentCall().map(call -> call.getMethod() != null
        && "ExecService".equals(call.getMethod().getName())).orElse(false);
  }

  private void apply(Region region, MiniBatchOperationInProgress<Mutation> batch, TreeMap<String, EntityBatch> entities,
      Map<byte[], Put> own) throws IOException {
    if (entities.isEmpty()) {
      return;
    }
    BatchContext ctx = new BatchContext();
    contexts.put(batch, ctx);
    for (EntityBatch eb : entities.values()) { // sorted by state row: one global lock order
      if (!eb.stateRowLockedByBatch) {
        long t0 = System.nanoTime();
        ctx.locks.add(region.getRowLock(Bytes.toBytes(eb.stateRow()), false));
        metrics.lockWaitMicros.update(TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - t0));
      }
    }
    Map<Integer, List<Mutation>> added = new TreeMap<>();
    for (EntityBatch eb : entities.values()) {
      List<Mutation> ms = process(region, eb, ctx, own);
      if (!ms.isEmpty()) {
        added.computeIfAbsent(eb.firstIndex, k -> new ArrayList<>()).addAll(ms);
      }
    }
    for (Map.Entry<Integer, List<Mutation>> a : added.entrySet()) {
      batch.addOperationsFromCP(a.getKey(), a.getValue().toArray(new Mutation[0]));
    }
  }

  private List<Mutation> process(Region region, EntityBatch eb, BatchContext ctx, Map<byte[], Put> own)
      throws IOException {
    String stateRow = eb.stateRow();
    EntityStateProcessor.Result result;
    try {
      result = advance(eb.prefix, eb.key.entityType(), eb.key.entityId(), eb.events,
          new RegionEntityRows(region, eb.prefix, stateRow, cache.get(stateRow)));
    } catch (RuntimeException e) {
      throw new EntityFailure("Eventstate could not update the state of " + stateRow + " for event rows "
          + eb.rows + ": " + e, e);
    }
    metrics.record(result);
    ctx.written.put(stateRow, result.stateAfter());
    List<Mutation> out = new ArrayList<>();
    byte[] stateRowBytes = Bytes.toBytes(result.stateRow());
    Put statePut = own.get(stateRowBytes);
    if (statePut != null) {
      // the sink's s:touch only made the atomic write lock the state row: it is not stored (one cell less per entity
      // and write; a write of nothing but duplicates leaves the state row as it was)
      dropTouch(statePut);
    }
    if (!result.stateCells().isEmpty()) {
      write(statePut, stateRowBytes, result.stateCells(), out);
    }
    for (RowWrite w : result.derivedWrites()) {
      write(own.get(w.row()), w.row(), w.cells(), out);
    }
    return out;
  }

  /** The state protocol for one entity; a seam for tests that need it to fail. */
  EntityStateProcessor.Result advance(String prefix, String entityType, String entityId, List<CanonicalEvent> events,
      EntityRows rows) throws IOException {
    return processor.advance(prefix, entityType, entityId, events, rows);
  }

  /**
   * Adds the cells to the batch's own Put of the row (HBase keeps a reference to its family map until the WAL edit
   * is built), or else to a new Put for {@code addOperationsFromCP}. Both go into the same WAL edit.
   */
  private static void write(Put own, byte[] row, List<CellValue> cells, List<Mutation> out) throws IOException {
    Put p = own != null ? own : new Put(row);
    for (CellValue c : cells) {
      // explicit timestamps: a cell added by a coprocessor is otherwise stored at Long.MAX_VALUE
      p.addColumn(c.family(), c.qualifier(), c.timestamp(), c.value());
    }
    if (own == null) {
      out.add(p);
    }
  }

  private void release(MiniBatchOperationInProgress<Mutation> batch) {
    BatchContext ctx = contexts.remove(batch);
    if (ctx != null) {
      for (String row : ctx.written.keySet()) {
        cache.remove(row); // not committed (postBatchMutate clears the map): the region has the truth
      }
      for (Region.RowLock l : ctx.locks) {
        l.release();
      }
    }
  }

  /** A failure while deciding one entity's state: the message names the rows. */
  private static final class EntityFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    EntityFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The metrics; counters are shared by all regions of a RegionServer. */
  static final class Metrics {
    static final Metrics NONE = new Metrics(null);
    final Counter applied;
    final Counter duplicates;
    final Counter late;
    final Counter tooLate;
    final Counter rewritten;
    final Counter transitions;
    final Counter notifications;
    final Counter badInput;
    final Counter errors;
    final Histogram recomputeLength;
    final Histogram lockWaitMicros;

    Metrics(MetricRegistry r) {
      applied = counter(r, "applied");
      duplicates = counter(r, "duplicates");
      late = counter(r, "late");
      tooLate = counter(r, "tooLate");
      rewritten = counter(r, "rewritten");
      transitions = counter(r, "transitions");
      notifications = counter(r, "notifications");
      badInput = counter(r, "badInput");
      errors = counter(r, "errors");
      recomputeLength = r == null ? new org.apache.hadoop.hbase.metrics.impl.HistogramImpl() : r.histogram(METRIC_PREFIX + "recomputeLength");
      lockWaitMicros = r == null ? new org.apache.hadoop.hbase.metrics.impl.HistogramImpl() : r.histogram(METRIC_PREFIX + "lockWaitMicros");
    }

    private static Counter counter(MetricRegistry r, String name) {
      return r == null ? new org.apache.hadoop.hbase.metrics.impl.CounterImpl() : r.counter(METRIC_PREFIX + name);
    }

    void record(EntityStateProcessor.Result res) {
      applied.increment(res.applied());
      duplicates.increment(res.duplicates());
      late.increment(res.late());
      tooLate.increment(res.tooLate());
      rewritten.increment(res.rewritten());
      transitions.increment(res.transitions().size());
      notifications.increment(res.notifications().size());
      if (res.recomputed() > 0) {
        recomputeLength.update(res.recomputed());
      }
    }
  }
}
