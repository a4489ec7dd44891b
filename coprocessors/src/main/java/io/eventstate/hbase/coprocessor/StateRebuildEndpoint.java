package io.eventstate.hbase.coprocessor;

import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.RpcCallback;
import com.google.protobuf.RpcController;
import com.google.protobuf.Service;
import io.eventstate.core.rowkey.EventRowCodec.CellValue;
import io.eventstate.core.rowkey.EventRowCodec.RowWrite;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.rowkey.RowKeyCodec.DecodedKey;
import io.eventstate.core.rowkey.RowKeyCodec.KeyRange;
import io.eventstate.core.rowkey.TableSchema;
import io.eventstate.core.state.EntityRebuild;
import io.eventstate.core.state.EntityStateProcessor;
import io.eventstate.core.state.EntityStateProcessor.StoredEvent;
import io.eventstate.core.state.EntityStateProcessor.StoredState;
import io.eventstate.core.state.EventRowReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.hbase.Cell;
import org.apache.hadoop.hbase.CellUtil;
import org.apache.hadoop.hbase.CoprocessorEnvironment;
import org.apache.hadoop.hbase.DoNotRetryIOException;
import org.apache.hadoop.hbase.HConstants;
import org.apache.hadoop.hbase.client.Delete;
import org.apache.hadoop.hbase.client.Mutation;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.coprocessor.RegionCoprocessor;
import org.apache.hadoop.hbase.coprocessor.RegionCoprocessorEnvironment;
import org.apache.hadoop.hbase.filter.FilterList;
import org.apache.hadoop.hbase.filter.FirstKeyOnlyFilter;
import org.apache.hadoop.hbase.filter.KeyOnlyFilter;
import org.apache.hadoop.hbase.ipc.CoprocessorRpcUtils;
import org.apache.hadoop.hbase.regionserver.OperationStatus;
import org.apache.hadoop.hbase.regionserver.Region;
import org.apache.hadoop.hbase.regionserver.RegionScanner;
import org.apache.hadoop.hbase.util.Bytes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds the state of the entities of one region from their stored events, on the RegionServer that holds them
 * (an endpoint: no event leaves its server). {@link EntityStateObserver} serves it, so every table that loads the
 * observer has it; the wire protocol is {@link RebuildProtocol}, the client {@link StateRebuildClient}.
 *
 * <p>One call walks the entities of a key range within the region, in key order, until the range ends or the call's
 * time budget is spent, and answers where the next call starts. For each entity: take the exclusive lock of its state
 * row (the lock the observer's writes take, so a live write of the entity waits, then applies on the rebuilt state,
 * exactly once), read every row of the entity, re-derive its state with the table's current definitions
 * ({@link EntityRebuild}), and write the changed cells and delete the removed ones while the lock is held, in
 * the region: the derived rows first, then the state row (a rebuild stopped in between leaves the state row as it was, and
 * the next rebuild completes it). Verify-only computes and counts without writing.
 */
public final class StateRebuildEndpoint implements RegionCoprocessor {

  private static final Logger LOG = LoggerFactory.getLogger(StateRebuildEndpoint.class);
  private static final byte[] E = Bytes.toBytes(TableSchema.FAMILY_EVENT);
  private static final byte[] D = Bytes.toBytes(TableSchema.FAMILY_DERIVED);
  private static final byte[] S = Bytes.toBytes(TableSchema.FAMILY_STATE);

  private static final byte[] Q_BODY = Bytes.toBytes(io.eventstate.core.rowkey.EventRowCodec.Q_BODY);

  private volatile Region region;
  private volatile EntityRebuild rebuild;
  private volatile String configError = "not started";
  private final Service service = new RebuildService();
  /** The coprocessor entry whose properties apply (the observer that serves this endpoint), or null: any observer. */
  private final String className;

  /** For HBase. */
  public StateRebuildEndpoint() {
    this(null);
  }

  StateRebuildEndpoint(String className) {
    this.className = className;
  }

  @Override
  public void start(CoprocessorEnvironment env) {
    if (!(env instanceof RegionCoprocessorEnvironment rce)) {
      configError = "the rebuild endpoint is a table (region) coprocessor";
      return;
    }
    region = rce.getRegion();
    try {
      rebuild = new EntityRebuild(new EntityStateProcessor(StateConfiguration.parse(region.getTableDescriptor(),
          className)));
      configError = null;
    } catch (RuntimeException e) {
      configError = e.getMessage();
    }
  }

  @Override
  public Iterable<Service> getServices() {
    return List.of(service);
  }

  /** The service over the region. */
  private final class RebuildService implements Service {
    @Override
    public ServiceDescriptor getDescriptorForType() {
      return RebuildProtocol.SERVICE;
    }

    @Override
    public void callMethod(MethodDescriptor method, RpcController controller, Message request,
        RpcCallback<Message> done) {
      try {
        if (!method.getName().equals(RebuildProtocol.REBUILD.getName())) {
          throw new DoNotRetryIOException("unknown method " + method.getFullName());
        }
        done.run(run(RebuildProtocol.Request.of(request)).toMessage());
      } catch (IOException e) {
        CoprocessorRpcUtils.setControllerException(controller, e);
        done.run(null);
      } catch (RuntimeException | Error e) { // never abort the server
        LOG.error("Eventstate rebuild failed in region {}", region.getRegionInfo().getRegionNameAsString(), e);
        CoprocessorRpcUtils.setControllerException(controller,
            new DoNotRetryIOException("Eventstate rebuild failed: " + e, e));
        done.run(null);
      }
    }

    @Override
    public Message getRequestPrototype(MethodDescriptor method) {
      return RebuildProtocol.requestPrototype();
    }

    @Override
    public Message getResponsePrototype(MethodDescriptor method) {
      return RebuildProtocol.responsePrototype();
    }
  }

  /** One call: see the class Javadoc. */
  RebuildProtocol.Response run(RebuildProtocol.Request req) throws IOException {
    if (configError != null) {
      throw new DoNotRetryIOException("Eventstate cannot rebuild: the table's state configuration is invalid: "
          + configError);
    }
    byte[] regionStart = region.getRegionInfo().getStartKey();
    byte[] regionEnd = region.getRegionInfo().getEndKey();
    byte[] from = max(req.from(), regionStart);
    byte[] to = minStop(req.to(), regionEnd);
    if (req.entityType() != null && req.entityId() != null) { // one entity: its own range
      KeyRange r = RowKeyCodec.entityRange(req.entityType(), req.entityId());
      from = max(from, r.startBytes());
      to = minStop(to, r.stopBytes());
    }
    EntityRebuild.Options options = new EntityRebuild.Options(req.machine(), req.latenessNanos());
    long deadline = System.nanoTime() + Math.max(1, req.budgetMillis()) * 1_000_000L;
    long entities = 0;
    long events = 0;
    long changed = 0;
    long written = 0;
    long deleted = 0;
    Map<String, RebuildProtocol.Change> tally = RebuildProtocol.tally();
    byte[] next = to;
    boolean finished = true;
    if (to.length == 0 || Bytes.compareTo(from, to) < 0) {
      Scan discover = new Scan().withStartRow(from, true).withStopRow(to, false)
          .setFilter(new FilterList(new FirstKeyOnlyFilter(), new KeyOnlyFilter()));
      try (RegionScanner scanner = region.getScanner(discover)) {
        List<Cell> cells = new ArrayList<>();
        boolean more = true;
        while (more) {
          cells.clear();
          more = scanner.next(cells);
          if (cells.isEmpty()) {
            continue;
          }
          String row = Bytes.toString(CellUtil.cloneRow(cells.get(0)));
          String prefix = entityPrefix(row);
          if (prefix == null) {
            continue; // dead letters and rows that are not ours
          }
          KeyRange range = RowKeyCodec.entityRange(prefix);
          DecodedKey key = RowKeyCodec.decode(RowKeyCodec.stateRowKeyUnder(prefix));
          if (req.entityType() == null || req.entityType().equals(key.entityType())) {
            EntityRebuild.Result res = entity(prefix, key, range, options, req.verifyOnly());
            entities++;
            events += res.events();
            if (res.writes()) {
              changed++;
              written += res.stateCells().size();
              deleted += res.stateDeletes().size();
              for (RowWrite w : res.derivedWrites()) {
                written += w.cells().size();
              }
              for (EntityRebuild.RowDelete d : res.derivedDeletes()) {
                deleted += d.qualifiers().size();
              }
            }
            for (EntityRebuild.Change c : res.changes()) {
              RebuildProtocol.tally(tally, new RebuildProtocol.Change(c.name(), c.from(), c.to(), 1,
                  List.of(res.stateRow())), req.samples());
            }
          }
          byte[] after = range.stopBytes();
          if (to.length > 0 && Bytes.compareTo(after, to) >= 0) {
            break;
          }
          if (System.nanoTime() > deadline) {
            next = after;
            finished = false;
            break;
          }
          if (!scanner.reseek(after)) {
            break;
          }
        }
      }
    }
    return new RebuildProtocol.Response(next, finished && isTableEnd(next, req.to()), entities, events, changed,
        written, deleted, new ArrayList<>(tally.values()), regionEnd);
  }

  /** True if {@code next} is the caller's end of range (empty: the table's end). */
  private static boolean isTableEnd(byte[] next, byte[] callerTo) {
    return next.length == 0 || (callerTo.length > 0 && Bytes.compareTo(next, callerTo) >= 0);
  }

  /** The entity prefix of an event or state row, or null for any other row. */
  private static String entityPrefix(String row) {
    if (RowKeyCodec.isDeadLetter(row)) {
      return null;
    }
    try {
      DecodedKey key = RowKeyCodec.decode(row);
      if (key.kind() != RowKeyCodec.Kind.EVENT && key.kind() != RowKeyCodec.Kind.STATE) {
        return null;
      }
      return RowKeyCodec.entityPrefixOf(row);
    } catch (IllegalArgumentException notOurs) {
      return null;
    }
  }

  /** Rebuilds one entity under its state row's exclusive lock. */
  private EntityRebuild.Result entity(String prefix, DecodedKey key, KeyRange range, EntityRebuild.Options options,
      boolean verifyOnly) throws IOException {
    byte[] stateRow = Bytes.toBytes(RowKeyCodec.stateRowKeyUnder(prefix));
    Region.RowLock lock = region.getRowLock(stateRow, false);
    try {
      Map<String, Long> stateTs = new HashMap<>();
      Map<String, byte[]> stateCells = new HashMap<>();
      long[] maxTs = {0};
      List<StoredEvent> events = new ArrayList<>();
      Map<String, Map<String, Long>> derivedTs = new HashMap<>();
      // the raw body is never looked at by the state: left on disk
      Scan scan = new Scan().withStartRow(range.startBytes(), true).withStopRow(range.stopBytes(), false)
          .addFamily(E).addFamily(D).addFamily(S).setFilter(new org.apache.hadoop.hbase.filter.QualifierFilter(
              org.apache.hadoop.hbase.CompareOperator.NOT_EQUAL, new org.apache.hadoop.hbase.filter.BinaryComparator(
                  Q_BODY)));
      RegionCells.forEachRow(region, scan, cells -> {
        String row = Bytes.toString(CellUtil.cloneRow(cells.get(0)));
        if (Arrays.equals(CellUtil.cloneRow(cells.get(0)), stateRow)) {
          for (Cell c : cells) {
            if (CellUtil.matchingFamily(c, S)) {
              String q = Bytes.toString(CellUtil.cloneQualifier(c));
              stateCells.put(q, CellUtil.cloneValue(c));
              stateTs.put(q, c.getTimestamp());
              maxTs[0] = Math.max(maxTs[0], c.getTimestamp());
            }
          }
          return true;
        }
        DecodedKey k;
        try {
          k = RowKeyCodec.decode(row);
        } catch (IllegalArgumentException e) {
          return true;
        }
        if (k.kind() != RowKeyCodec.Kind.EVENT) {
          return true;
        }
        List<Cell> e = new ArrayList<>(cells.size());
        TreeMap<String, byte[]> d = new TreeMap<>();
        Map<String, Long> dts = new HashMap<>();
        for (Cell c : cells) {
          if (CellUtil.matchingFamily(c, E)) {
            e.add(c);
          } else if (CellUtil.matchingFamily(c, D)) {
            String q = Bytes.toString(CellUtil.cloneQualifier(c));
            d.put(q, CellUtil.cloneValue(c));
            dts.put(q, c.getTimestamp());
          }
        }
        if (e.isEmpty()) {
          return true; // derived cells without an event: not ours to judge
        }
        try { // read in place, as the observer reads a Put's cells
          events.add(new StoredEvent(EventRowReader.readForState(row, k, new RegionCells.InPlace(e)), d));
        } catch (IllegalArgumentException bad) {
          throw new DoNotRetryIOException("Eventstate cannot rebuild " + RowKeyCodec.fromBytes(stateRow) + ": "
              + bad.getMessage());
        }
        derivedTs.put(row, dts);
        return true;
      });
      EntityRebuild.Result res = rebuild.rebuild(prefix, key.entityType(), key.entityId(),
          new StoredState(stateCells, maxTs[0]), events, options);
      if (!verifyOnly && res.writes()) {
        List<Mutation> ms = new ArrayList<>();
        int stateMutations = 0;
        if (!res.stateCells().isEmpty()) {
          Put p = new Put(stateRow);
          for (CellValue c : res.stateCells()) {
            p.addColumn(c.family(), c.qualifier(), c.timestamp(), c.value());
          }
          ms.add(p);
          stateMutations++;
        }
        if (!res.stateDeletes().isEmpty()) {
          Delete del = new Delete(stateRow);
          for (String q : res.stateDeletes()) {
            del.addColumns(S, Bytes.toBytes(q), stateTs.get(q)); // every version up to the one read, no later one
          }
          ms.add(del);
          stateMutations++;
        }
        for (EntityRebuild.RowDelete d : res.derivedDeletes()) {
          Delete del = new Delete(d.row());
          Map<String, Long> dts = derivedTs.getOrDefault(d.rowString(), Map.of());
          for (String q : d.qualifiers()) {
            del.addColumns(D, Bytes.toBytes(q), dts.getOrDefault(q, HConstants.LATEST_TIMESTAMP));
          }
          ms.add(del);
        }
        for (RowWrite w : res.derivedWrites()) {
          Put p = new Put(w.row());
          for (CellValue c : w.cells()) {
            p.addColumn(c.family(), c.qualifier(), c.timestamp(), c.value());
          }
          ms.add(p);
        }
        // derived rows first, the state row last; shared locks on the event rows (a plain writer's duplicate of an event
        // row holds a shared lock on it while its batch waits for the state row: an exclusive one would deadlock)
        write(ms.subList(stateMutations, ms.size()));
        write(ms.subList(0, stateMutations));
      }
      return res;
    } finally {
      lock.release();
    }
  }

  private void write(List<Mutation> ms) throws IOException {
    if (ms.isEmpty()) {
      return;
    }
    OperationStatus[] st = region.batchMutate(ms.toArray(new Mutation[0]));
    for (int i = 0; i < st.length; i++) {
      if (st[i].getOperationStatusCode() != HConstants.OperationStatusCode.SUCCESS) {
        throw new IOException("Eventstate rebuild could not write row " + Bytes.toStringBinary(ms.get(i).getRow())
            + ": " + st[i].getOperationStatusCode() + " " + st[i].getExceptionMsg());
      }
    }
  }

  private static byte[] max(byte[] a, byte[] b) {
    return Bytes.compareTo(a, b) >= 0 ? a : b;
  }

  /** The smaller stop row, where empty means no end. */
  private static byte[] minStop(byte[] a, byte[] b) {
    if (a.length == 0) {
      return b;
    }
    if (b.length == 0) {
      return a;
    }
    return Bytes.compareTo(a, b) <= 0 ? a : b;
  }
}
