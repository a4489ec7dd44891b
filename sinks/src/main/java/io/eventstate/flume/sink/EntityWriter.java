package io.eventstate.flume.sink;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.rowkey.EventRowCodec;
import io.eventstate.core.rowkey.EventRowCodec.EntityWrite;
import io.eventstate.core.rowkey.EventRowCodec.RowWrite;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

import org.apache.hadoop.hbase.DoNotRetryIOException;
import org.apache.hadoop.hbase.NamespaceNotFoundException;
import org.apache.hadoop.hbase.TableNotEnabledException;
import org.apache.hadoop.hbase.TableNotFoundException;
import org.apache.hadoop.hbase.UnknownRegionException;
import org.apache.hadoop.hbase.client.Durability;
import org.apache.hadoop.hbase.client.Get;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.RegionLocator;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.exceptions.UnknownProtocolException;
import org.apache.hadoop.hbase.ipc.CoprocessorRpcChannel;
import org.apache.hadoop.hbase.protobuf.ProtobufUtil;
import org.apache.hadoop.hbase.protobuf.generated.ClientProtos.MutationProto.MutationType;
import org.apache.hadoop.hbase.protobuf.generated.MultiRowMutationProtos.MultiRowMutationService;
import org.apache.hadoop.hbase.protobuf.generated.MultiRowMutationProtos.MutateRowsRequest;
import org.apache.hadoop.hbase.regionserver.NoSuchColumnFamilyException;
import org.apache.hadoop.hbase.security.AccessDeniedException;
import org.apache.hadoop.ipc.RemoteException;

import com.google.protobuf.ServiceException;

/**
 * Writes entities atomically: all rows of the entities that share a region (their event rows and the touch of
 * each state row) go to HBase in one {@code MultiRowMutationEndpoint.mutateRows} call, which the region
 * applies through {@code Region.mutateRowsWithLocks}: exclusive row locks, one WAL edit, one MVCC write, and
 * one {@code preBatchMutate} for observers. HBase's client has no other atomic multi-row write:
 * {@code Table.mutateRow}/{@code checkAndMutate} are single-row, and {@code Table.batch} is atomic per row only
 * (a region server may cut it into several mini-batches, for example when a row lock is busy).
 *
 * <p>When HBase rejects a write with a {@link DoNotRetryIOException} (bad input, e.g. a coprocessor refusing an
 * event), the write is split, region group to entities, entity to single events (each with its own state
 * touch), so the one poison event is isolated and handed back as rejected while everything else is written.
 * Infrastructure failures that a retry can fix (and missing tables or families, which are also
 * DoNotRetryIOExceptions) are thrown: the sink rolls back and retries the whole batch later.
 */
final class EntityWriter {

  /** DoNotRetryIOExceptions that say the table, not the event, is wrong: never dead-letter because of them. */
  private static final Set<Class<? extends IOException>> NOT_THE_EVENTS_FAULT = Set.of(TableNotFoundException.class,
      TableNotEnabledException.class, NoSuchColumnFamilyException.class, UnknownProtocolException.class,
      AccessDeniedException.class, NamespaceNotFoundException.class, UnknownRegionException.class);

  /** An event HBase refused, with the reason. */
  record Rejected(CanonicalEvent event, String reason) {
  }

  /** What one {@link #write} did. */
  record Outcome(int eventRows, int stateTouches, int atomicWrites, int fallbackSplits, List<Rejected> rejected) {
  }

  private final Table table;
  private final RegionLocator locator;
  private final Durability durability;
  private final ExecutorService pool;

  /** A sequential writer. */
  EntityWriter(Table table, RegionLocator locator, Durability durability) {
    this(table, locator, durability, null);
  }

  /**
   * @param pool writes the region groups of one batch in parallel when not null; the caller owns it
   */
  EntityWriter(Table table, RegionLocator locator, Durability durability, ExecutorService pool) {
    this.table = table;
    this.locator = locator;
    this.durability = durability;
    this.pool = pool;
  }

  /** Writes the events; returns what was rejected as poison. Throws on any other failure. */
  Outcome write(List<CanonicalEvent> events) throws IOException {
    return write(events, null);
  }

  /**
   * Writes the events. With {@code isolateNote} set (the batch failed several times already for a reason HBase calls
   * retryable), a write that fails for such a reason is split down to single events too, as long as the region answers
   * a read of the entity's state row; a single event that still fails is rejected with the note and the error. When
   * the region does not answer, the failure is HBase's, not the event's: it is thrown and the batch retried.
   */
  Outcome write(List<CanonicalEvent> events, String isolateNote) throws IOException {
    Map<String, List<EntityWrite>> byRegion = new LinkedHashMap<>();
    for (EntityWrite w : EventRowCodec.entityWrites(events)) {
      String region = locator.getRegionLocation(w.stateRow()).getRegion().getEncodedName();
      byRegion.computeIfAbsent(region, k -> new ArrayList<>()).add(w);
    }
    List<Tally> tallies = new ArrayList<>();
    if (pool == null || byRegion.size() == 1) {
      Tally t = new Tally();
      for (List<EntityWrite> group : byRegion.values()) {
        writeGroup(group, t, isolateNote);
      }
      tallies.add(t);
    } else {
      // Regions are independent: each group is its own atomic write, so they may run side by side.
      List<Future<Tally>> futures = new ArrayList<>();
      for (List<EntityWrite> group : byRegion.values()) {
        futures.add(pool.submit(() -> {
          Tally t = new Tally();
          writeGroup(group, t, isolateNote);
          return t;
        }));
      }
      IOException failure = null;
      for (Future<Tally> f : futures) {
        try {
          tallies.add(f.get());
        } catch (ExecutionException e) {
          IOException io = unwrap(e.getCause());
          if (failure == null) {
            failure = io;
          } else {
            failure.addSuppressed(io);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while writing to HBase");
        }
      }
      if (failure != null) {
        throw failure;
      }
    }
    Tally sum = new Tally();
    for (Tally t : tallies) {
      sum.eventRows += t.eventRows;
      sum.touches += t.touches;
      sum.atomicWrites += t.atomicWrites;
      sum.splits += t.splits;
      sum.rejected.addAll(t.rejected);
      sum.suspects.addAll(t.suspects);
      if (sum.suspectCause == null) {
        sum.suspectCause = t.suspectCause;
      }
    }
    if (!sum.suspects.isEmpty()) {
      if (sum.atomicWrites == 0) {
        throw sum.suspectCause; // nothing at all was written: no proof the events are at fault
      }
      sum.rejected.addAll(sum.suspects);
    }
    return new Outcome(sum.eventRows, sum.touches, sum.atomicWrites, sum.splits, sum.rejected);
  }

  private static final class Tally {
    int eventRows;
    int touches;
    int atomicWrites;
    int splits;
    final List<Rejected> rejected = new ArrayList<>();
    final List<Rejected> suspects = new ArrayList<>();
    IOException suspectCause;
  }

  private void writeGroup(List<EntityWrite> group, Tally t, String isolateNote) throws IOException {
    List<RowWrite> rows = new ArrayList<>();
    for (EntityWrite w : group) {
      rows.addAll(w.rows());
    }
    IOException cause;
    try {
      mutateRows(rows, group.get(0).stateRow());
      t.atomicWrites++;
      for (EntityWrite w : group) {
        t.eventRows += w.events().size();
        t.touches++;
      }
      return;
    } catch (IllegalArgumentException refused) {
      // the client refuses the data itself (e.g. "Row length 33061 is > 32767"): the same rows fail every time
      cause = new DoNotRetryIOException("HBase client refused the write: " + refused.getMessage(), refused);
    } catch (IOException e) {
      cause = unwrap(e);
    }
    boolean poison = isPoison(cause);
    if (!poison) {
      if (isolateNote == null || isTransient(cause)) {
        throw cause;
      }
      answers(group.get(0).stateRow(), cause); // throws when the region does not answer: HBase's fault, retry
    }
    t.splits++;
    if (group.size() > 1) {
      // Also the path after a region split moved some entities of the group elsewhere ("rows are split
      // between regions"): every single entity is still in one region.
      for (EntityWrite w : group) {
        writeGroup(List.of(w), t, isolateNote);
      }
      return;
    }
    EntityWrite only = group.get(0);
    if (only.events().size() == 1) {
      String reason = String.valueOf(cause.getMessage());
      if (poison) {
        t.rejected.add(new Rejected(only.events().get(0), reason));
      } else {
        // a suspect: rejected only if other writes of this pass succeeded (proof that HBase takes writes)
        t.suspects.add(new Rejected(only.events().get(0), isolateNote + ": " + reason));
        if (t.suspectCause == null) {
          t.suspectCause = cause;
        }
      }
      return;
    }
    for (CanonicalEvent single : only.events()) {
      writeGroup(EventRowCodec.entityWrites(List.of(single)), t, isolateNote);
    }
  }

  /** Failures that say the cluster is busy or moving, never that the data is bad: the batch is always retried. */
  private static final Set<String> TRANSIENT = Set.of("RegionTooBusyException", "CallQueueTooBigException",
      "CallDroppedException", "NotServingRegionException", "RegionMovedException", "RegionOpeningException",
      "ServerNotRunningYetException", "PleaseHoldException", "RetryImmediatelyException", "RegionServerStoppedException",
      "ConnectException", "SocketTimeoutException", "CallTimeoutException", "TimeoutIOException",
      "ConnectionClosingException", "FailedServerException", "StoppedRpcClientException");

  static boolean isTransient(Throwable t) {
    Throwable c = t;
    for (int depth = 0; c != null && depth < 12; depth++) {
      if (TRANSIENT.contains(c.getClass().getSimpleName())) {
        return true;
      }
      c = c.getCause() == c ? null : c.getCause();
    }
    return false;
  }

  /** Returns when the region of {@code row} answers a read; else throws {@code failure} (the read's error suppressed). */
  private void answers(byte[] row, IOException failure) throws IOException {
    try {
      table.exists(new Get(row));
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
      throw failure;
    }
  }

  private void mutateRows(List<RowWrite> rows, byte[] routeRow) throws IOException {
    MutateRowsRequest.Builder request = MutateRowsRequest.newBuilder();
    for (RowWrite r : rows) {
      request.addMutationRequest(ProtobufUtil.toMutation(MutationType.PUT, toPut(r, durability)));
    }
    CoprocessorRpcChannel channel = table.coprocessorService(routeRow);
    try {
      MultiRowMutationService.newBlockingStub(channel).mutateRows(null, request.build());
    } catch (ServiceException e) {
      throw unwrap(e);
    }
  }

  /** Server-side refusals of the data itself that HBase throws as subclasses of DoNotRetryIOException. */
  private static final Set<String> DATA_REFUSALS = Set.of("FailedSanityCheckException");

  /**
   * True when HBase refused the data itself, not the table or the cluster: a plain {@code DoNotRetryIOException} (what
   * coprocessors, the state observer included, throw for bad input, and what {@code MultiRowMutationEndpoint} throws for
   * rows split between regions) or a sanity-check failure. Other subclasses of DoNotRetryIOException (a table that is
   * missing or disabled, a region that is unknown or offline while servers die) say nothing about the event: the batch
   * is retried, and only the bounded-tries pass, with proof that HBase takes writes, may dead-letter then.
   */
  static boolean isPoison(IOException unwrapped) {
    if (!(unwrapped instanceof DoNotRetryIOException) || NOT_THE_EVENTS_FAULT.contains(unwrapped.getClass())) {
      return false;
    }
    return unwrapped.getClass() == DoNotRetryIOException.class
        || DATA_REFUSALS.contains(unwrapped.getClass().getSimpleName());
  }

  /** Plain puts, for dead letters (no atomicity needed, no state row). */
  void put(List<RowWrite> rows) throws IOException {
    List<Put> puts = new ArrayList<>(rows.size());
    for (RowWrite r : rows) {
      puts.add(toPut(r, durability));
    }
    table.put(puts);
  }

  static Put toPut(RowWrite r, Durability durability) {
    Put p = new Put(r.row());
    for (EventRowCodec.CellValue c : r.cells()) {
      p.addColumn(c.family(), c.qualifier(), c.timestamp(), c.value());
    }
    p.setDurability(durability);
    return p;
  }

  /** The IOException behind service and remote wrappers: a DoNotRetryIOException if there is one in the chain. */
  static IOException unwrap(Throwable t) {
    IOException deepest = null;
    Throwable c = t;
    for (int depth = 0; c != null && depth < 12; depth++) {
      if (c instanceof RemoteException re) {
        c = re.unwrapRemoteException();
      }
      if (c instanceof DoNotRetryIOException dnr) {
        return dnr;
      }
      if (c instanceof IOException io) {
        deepest = io;
      }
      c = c.getCause() == c ? null : c.getCause();
    }
    if (deepest != null) {
      return deepest;
    }
    return t instanceof IOException io ? io : new IOException(t);
  }
}
