package io.eventstate.hbase.coprocessor;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.rowkey.EventRowCodec;
import io.eventstate.core.rowkey.EventRowCodec.CellValue;
import io.eventstate.core.rowkey.EventRowCodec.RowWrite;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.rowkey.RowKeyCodec.DecodedKey;
import io.eventstate.core.rowkey.TableSchema;
import io.eventstate.core.state.EntityStateProcessor;
import io.eventstate.core.state.EntityStateProcessor.Plan;
import io.eventstate.core.state.EntityStateProcessor.StoredEvent;
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
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hadoop.hbase.Cell;
import org.apache.hadoop.hbase.CellUtil;
import org.apache.hadoop.hbase.CoprocessorEnvironment;
import org.apache.hadoop.hbase.DoNotRetryIOException;
import org.apache.hadoop.hbase.client.Get;
import org.apache.hadoop.hbase.client.Mutation;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.Scan;
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
import org.apache.hadoop.hbase.regionserver.RegionScanner;
import org.apache.hadoop.hbase.util.Bytes;
import org.apache.hadoop.hbase.util.EnvironmentEdgeManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Advances state machines and sessions when event rows are written, atomically with them and exactly once per
 * event id (DESIGN.md section 5). Thin: it decodes rows ({@link RowKeyCodec}, {@link EventRowReader}), lets
 * {@link EntityStateProcessor} decide, and adds the resulting cells to the same mini-batch with
 * {@code addOperationsFromCP}, so they go into the same WAL edit and MVCC write as the events.
 *
 * <h2>Loading</h2>
 * <pre>
 * alter 'events', METHOD => 'table_att',
 *   'eventstate.state.machine.package' => File.read('conf/machines/package.json'),
 *   'eventstate.state.machine.web' => File.read('conf/machines/sessions.json')
 * alter 'events', METHOD => 'table_att', 'coprocessor' =>
 *   'file:///opt/eventstate/eventstate-coprocessors-0.1.0.jar|io.eventstate.hbase.coprocessor.EntityStateObserver|1073741823|'
 * </pre>
 * ({@link io.eventstate.core.state.StateShell} prints these commands; from Java, set the same table values and a
 * {@code CoprocessorDescriptorBuilder} with the jar path). Keys: {@link io.eventstate.core.state.EntityStateSpec},
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
  private static final byte[] D = Bytes.toBytes(TableSchema.FAMILY_DERIVED);
  private static final byte[] S = Bytes.toBytes(TableSchema.FAMILY_STATE);
  private static final byte[] Q_EVENT_ID = Bytes.toBytes(EventRowCodec.Q_EVENT_ID);
  private static final byte[] Q_TOUCH = Bytes.toBytes(EventRowCodec.Q_TOUCH);
  private static final byte[] Q_BODY = Bytes.toBytes(EventRowCodec.Q_BODY);

  private volatile EntityStateProcessor processor;
  private volatile String configError = "not started";
  private volatile FutureSkewGuard guard = FutureSkewGuard.DEFAULT;
  /** Per mini-batch (keyed by the batch object, which HBase passes to every hook of one mini-batch). */
  private final Map<MiniBatchOperationInProgress<Mutation>, BatchContext> contexts = new ConcurrentHashMap<>();
  private final StateRowCache cache = new StateRowCache(StateRowCache.DEFAULT_ENTRIES);
  private final AtomicBoolean errorLogged = new AtomicBoolean();
  Metrics metrics = Metrics.NONE;

  /** For HBase. */
  public EntityStateObserver() {
  }

  @Override
  public Optional<RegionObserver> getRegionObserver() {
    return Optional.of(this);
  }

  @Override
  public void start(CoprocessorEnvironment env) {
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
      // never abort the server: refuse writes instead (DESIGN.md section 5)
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
      Map<String, Put> own = new HashMap<>();
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
  private TreeMap<String, EntityBatch> decode(MiniBatchOperationInProgress<Mutation> batch, Map<String, Put> own)
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
      int prefixEnd = row.indexOf(RowKeyCodec.DELIMITER) + 1;
      if (prefixEnd > 0 && row.length() == prefixEnd + RowKeyCodec.STATE_SUFFIX.length()
          && row.endsWith(RowKeyCodec.STATE_SUFFIX)) {
        // a state row: not decoded (its entity prefix is hashed for the batch's event rows of the entity, the only
        // ones it is matched with below)
        stateRowsInBatch.add(row);
        if (m instanceof Put p) {
          own.putIfAbsent(row, p);
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
      Map<String, byte[]> cells = new HashMap<>();
      for (Cell cell : eventCells) {
        if (!CellUtil.matchingQualifier(cell, Q_BODY)) { // the state never reads the body: not copied
          cells.put(Bytes.toString(cell.getQualifierArray(), cell.getQualifierOffset(), cell.getQualifierLength()),
              CellUtil.cloneValue(cell));
        }
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
        event = EventRowReader.read(row, key, cells);
      } catch (IllegalArgumentException bad) {
        metrics.badInput.increment();
        throw new DoNotRetryIOException("Eventstate refused " + bad.getMessage());
      }
      final int index = i;
      // the event row starts with the entity prefix that decode just checked: no need to hash the entity again
      String prefix = row.substring(0, prefixEnd);
      String stateRow = RowKeyCodec.stateRowKeyUnder(prefix);
      EntityBatch eb = byStateRow.computeIfAbsent(stateRow, k -> new EntityBatch(key, index, prefix, k));
      eb.events.add(event);
      eb.rows.add(row);
      own.putIfAbsent(row, put);
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
      Map<String, Put> own) throws IOException {
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

  private List<Mutation> process(Region region, EntityBatch eb, BatchContext ctx, Map<String, Put> own)
      throws IOException {
    String type = eb.key.entityType();
    String id = eb.key.entityId();
    String stateRow = eb.stateRow();
    StoredState current = cache.get(stateRow);
    if (current == null) {
      current = readState(region, stateRow);
    }
    EntityStateProcessor.Result result;
    try {
      Plan plan = processor.plan(eb.prefix, type, id, current, eb.events);
      if (plan.needsWatermarkId()) {
        plan = plan.withWatermarkId(watermarkId(region, eb.prefix, plan.watermarkNanos()));
      }
      Set<String> stored = new HashSet<>();
      for (CanonicalEvent e : plan.atOrBeforeWatermark()) {
        byte[] row = Bytes.toBytes(RowKeyCodec.eventRowKeyUnder(eb.prefix, e.eventTimeNanos(), e.eventId()));
        if (!region.get(new Get(row).addColumn(E, Q_EVENT_ID)).isEmpty()) {
          stored.add(e.eventId());
        }
      }
      OptionalLong from = plan.recomputeFrom(stored);
      StoredEvent snapshot = null;
      List<StoredEvent> history = List.of();
      if (from.isPresent()) {
        String prefix = eb.prefix;
        byte[] start = Bytes.toBytes(prefix + RowKeyCodec.timeField(from.getAsLong()));
        // back from the late event's time to the newest state snapshot (its events are contiguous in the region)
        List<StoredEvent> replay = new ArrayList<>();
        snapshot = snapshotBefore(region, start, Bytes.toBytes(stateRow), replay);
        replay.addAll(scan(region, new Scan().withStartRow(start, true).withStopRow(Bytes.toBytes(prefix + "~"), false)
            .addFamily(E).addFamily(D)));
        history = replay;
      }
      result = decide(plan, stored, snapshot, history);
    } catch (RuntimeException e) {
      throw new EntityFailure("Eventstate could not update the state of " + stateRow + " for event rows "
          + eb.rows + ": " + e, e);
    }
    metrics.record(result);
    ctx.written.put(stateRow, result.stateAfter());
    List<Mutation> out = new ArrayList<>();
    Put statePut = own.get(result.stateRow());
    if (statePut != null) {
      // the sink's s:touch only made the atomic write lock the state row: it is not stored (one cell less per entity
      // and write; a write of nothing but duplicates leaves the state row as it was)
      dropTouch(statePut);
    }
    if (!result.stateCells().isEmpty()) {
      write(statePut, Bytes.toBytes(result.stateRow()), result.stateCells(), out);
    }
    for (RowWrite w : result.derivedWrites()) {
      write(own.get(w.rowString()), w.row(), w.cells(), out);
    }
    return out;
  }

  /**
   * The watermark's event id: the greatest id among the entity's stored events at the watermark's time (all of them
   * were applied), or null if there is none.
   */
  private static String watermarkId(Region region, String entityPrefix, long watermarkNanos) throws IOException {
    String time = entityPrefix + RowKeyCodec.timeField(watermarkNanos);
    Scan scan = new Scan().withStartRow(Bytes.toBytes(time + RowKeyCodec.DELIMITER), true)
        .withStopRow(Bytes.toBytes(time + (char) (RowKeyCodec.DELIMITER + 1)), false).addColumn(E, Q_EVENT_ID);
    String[] max = new String[1];
    forEachRow(region, scan, cells -> {
      for (Cell cell : cells) {
        String id = Bytes.toString(CellUtil.cloneValue(cell));
        if (max[0] == null || id.compareTo(max[0]) > 0) {
          max[0] = id;
        }
      }
      return true;
    });
    return max[0];
  }

  private static StoredState readState(Region region, String stateRow) throws IOException {
    Result state = region.get(new Get(Bytes.toBytes(stateRow)).addFamily(S));
    Map<String, byte[]> cells = new HashMap<>();
    long ts = 0;
    for (Cell cell : state.rawCells()) {
      String q = Bytes.toString(CellUtil.cloneQualifier(cell));
      if (q.equals(EventRowCodec.Q_TOUCH)) {
        continue;
      }
      cells.put(q, CellUtil.cloneValue(cell));
      if (q.equals(StateColumns.LAST_NS)) {
        ts = cell.getTimestamp();
      }
    }
    return new StoredState(cells, ts);
  }

  /** The decision; a seam for tests that need the processor to fail. */
  EntityStateProcessor.Result decide(Plan plan, Set<String> stored, StoredEvent snapshot, List<StoredEvent> history) {
    return processor.process(plan, stored, snapshot, history);
  }

  /**
   * The newest stored event before {@code start} that keeps a state snapshot, or null; the events passed on the way
   * go into {@code passed} (they are replayed from the snapshot).
   */
  private StoredEvent snapshotBefore(Region region, byte[] start, byte[] stateRow, List<StoredEvent> passed)
      throws IOException {
    Scan reverse = new Scan().withStartRow(start, false).withStopRow(stateRow, false).setReversed(true)
        .addFamily(E).addFamily(D);
    StoredEvent[] snapshot = new StoredEvent[1];
    forEachRow(region, reverse, cells -> {
      StoredEvent se = storedEvent(cells);
      if (se != null && processor.isSnapshot(se)) {
        snapshot[0] = se;
        return false;
      }
      if (se != null) {
        passed.add(se);
      }
      return true;
    });
    return snapshot[0];
  }

  /** The stored events the scan reads, in its order. */
  private static List<StoredEvent> scan(Region region, Scan scan) throws IOException {
    List<StoredEvent> out = new ArrayList<>();
    forEachRow(region, scan, cells -> {
      StoredEvent se = storedEvent(cells);
      if (se != null) {
        out.add(se);
      }
      return true;
    });
    return out;
  }

  /** Hands each row's cells to {@code row} until it returns false or the scan ends. */
  private static void forEachRow(Region region, Scan scan, java.util.function.Predicate<List<Cell>> row)
      throws IOException {
    try (RegionScanner scanner = region.getScanner(scan)) {
      List<Cell> cells = new ArrayList<>();
      boolean more;
      do {
        cells.clear();
        more = scanner.next(cells);
        if (!cells.isEmpty() && !row.test(cells)) {
          return;
        }
      } while (more);
    }
  }

  private static StoredEvent storedEvent(List<Cell> cells) {
    if (cells.isEmpty()) {
      return null;
    }
    String row = Bytes.toString(CellUtil.cloneRow(cells.get(0)));
    DecodedKey key;
    try {
      key = RowKeyCodec.decode(row);
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (key.kind() != RowKeyCodec.Kind.EVENT) {
      return null;
    }
    Map<String, byte[]> e = new HashMap<>();
    TreeMap<String, byte[]> d = new TreeMap<>();
    for (Cell cell : cells) {
      String q = Bytes.toString(CellUtil.cloneQualifier(cell));
      if (CellUtil.matchingFamily(cell, E)) {
        e.put(q, CellUtil.cloneValue(cell));
      } else if (CellUtil.matchingFamily(cell, D)) {
        d.put(q, CellUtil.cloneValue(cell));
      }
    }
    if (e.isEmpty()) {
      return null;
    }
    return new StoredEvent(EventRowReader.read(row, key, e), d);
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
