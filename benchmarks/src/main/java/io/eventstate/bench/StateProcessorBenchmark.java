package io.eventstate.bench;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.TimeSource;
import io.eventstate.core.fsm.MachineDefinition;
import io.eventstate.core.rowkey.EventRowCodec;
import io.eventstate.core.rowkey.EventRowCodec.CellValue;
import io.eventstate.core.rowkey.EventRowCodec.RowWrite;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.session.SessionSpec;
import io.eventstate.core.state.EntityStateProcessor;
import io.eventstate.core.state.EntityRows;
import io.eventstate.core.state.EntityStateProcessor.StoredEvent;
import io.eventstate.core.state.EntityStateProcessor.StoredState;
import io.eventstate.core.state.EntityStateSpec;
import io.eventstate.core.state.EventRowReader;
import io.eventstate.core.state.RowCells;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The state coprocessor's own work per event, without HBase: what {@code EntityStateObserver} does between receiving
 * an event row's cells and handing cells back (decode the row key and the cells, advance the entity through core's
 * state protocol with its state row in a cache, encode the state-row and derived cells), for the workload of {@code StateOverheadBenchmark} (package machine
 * + web sessions, 1,000 entities, every event from a random entity, so each event brings its own state-row update).
 * The baseline in the same run is {@code sinkEncode}: what the sink does per event to build the event row's cells
 * ({@link EventRowCodec#eventRow}), the smallest per-event work of the plain write path.
 *
 * <p>Run from the repository root: {@code java -jar benchmarks/target/benchmarks.jar StateProcessorBenchmark -f 1}.
 */
public class StateProcessorBenchmark extends SingleThreadThroughput {

  private static final int N = 1 << 16;
  private static final int ENTITIES = 1000;
  private static final long T0 = 1_700_000_000_000_000_000L;
  private static final String[] PACKAGE_TYPES = {"pre_transit", "in_transit", "in_transit", "out_for_delivery",
      "delivered"};

  private EntityStateProcessor processor;
  private CanonicalEvent[] events;
  private String[] rows;
  private List<CellValue>[] cells;
  private final Map<String, StoredState> cache = new HashMap<>();
  private int next;

  @Setup
  @SuppressWarnings("unchecked")
  public void setup() throws IOException {
    MachineDefinition pkg = MachineDefinition.load(EngineBenchmark.conf("package.json"));
    SessionSpec web = SessionSpec.load(EngineBenchmark.conf("sessions.json"));
    processor = new EntityStateProcessor(new EntityStateSpec(List.of(pkg), List.of(web), -1));
    // events in time order per entity, entities at random (as StateOverheadBenchmark's burst=1); the clocks run on
    // across passes over the array, so every event is new (the time shift is added when it is used)
    Random r = new Random(1);
    long[] clock = new long[ENTITIES];
    Arrays.fill(clock, T0);
    String pad = "x".repeat(380);
    events = new CanonicalEvent[N];
    rows = new String[N];
    cells = new List[N];
    for (int i = 0; i < N; i++) {
      int e = r.nextInt(ENTITIES);
      clock[e] += (1 + r.nextInt(600)) * 1_000_000_000L;
      boolean isPkg = e % 2 == 0;
      String id = (isPkg ? "pkg-" : "user-") + e;
      TreeMap<String, String> a = new TreeMap<>();
      a.put("status_detail", "arrived_at_facility");
      a.put("page", "/p/" + r.nextInt(100));
      String eventId = id + "-" + i;
      events[i] = new CanonicalEvent(eventId, isPkg ? "package" : "user", id,
          isPkg ? PACKAGE_TYPES[r.nextInt(PACKAGE_TYPES.length)] : "view", clock[e], TimeSource.EVENT, a,
          new TreeSet<>(), ("{\"id\":\"" + eventId + "\",\"pad\":\"" + pad + "\"}").getBytes(StandardCharsets.UTF_8));
      RowWrite w = EventRowCodec.eventRow(events[i]);
      rows[i] = w.rowString();
      cells[i] = w.cells();
    }
    // first pass untimed: every entity has a state row in the cache, as in a running region
    for (int i = 0; i < N; i++) {
      observe(i);
    }
  }

  /** Baseline: the sink's encoding of one event row. */
  @Benchmark
  public void sinkEncode(Blackhole bh) {
    int i = next++ & (N - 1);
    bh.consume(EventRowCodec.eventRow(events[i]));
  }

  /** The observer's work for one event (one event per entity and batch). */
  @Benchmark
  public void observerPerEvent(Blackhole bh) {
    int i = next++ & (N - 1);
    if (i == 0) {
      cache.clear(); // a new pass starts over from empty state rows: its events are new again
    }
    bh.consume(observe(i));
  }

  private EntityStateProcessor.Result observe(int i) {
    try {
      return observeOne(i);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A state row cache in front of an entity with no stored events but those it is given (all new). */
  private record CachedRows(StoredState state) implements EntityRows {
    @Override
    public StoredState stateRow() {
      return state;
    }

    @Override
    public Set<String> storedIds(List<CanonicalEvent> candidates) {
      return Set.of();
    }

    @Override
    public String greatestIdAt(long timeNanos) {
      return null;
    }

    @Override
    public ReplayWindow replayWindow(long fromNanos, Predicate<StoredEvent> isSnapshot) {
      return ReplayWindow.NONE;
    }
  }

  private EntityStateProcessor.Result observeOne(int i) throws IOException {
    String row = rows[i];
    RowKeyCodec.DecodedKey key = RowKeyCodec.decode(row);
    CanonicalEvent event = EventRowReader.readForState(row, key, RowCells.of(cells[i]));
    String prefix = RowKeyCodec.entityPrefixOf(row); // checked by decode
    String stateRow = RowKeyCodec.stateRowKeyUnder(prefix);
    StoredState current = cache.getOrDefault(stateRow, StoredState.EMPTY);
    EntityStateProcessor.Result result = processor.advance(prefix, key.entityType(), key.entityId(), List.of(event),
        new CachedRows(current));
    cache.put(stateRow, result.stateAfter());
    return result;
  }
}
