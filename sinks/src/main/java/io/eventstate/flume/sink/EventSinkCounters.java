package io.eventstate.flume.sink;

import io.eventstate.flume.interceptor.EventstateCounters;

/**
 * EventSink's own counters, next to Flume's standard {@code SinkCounter}: an {@link EventstateCounters} group (the one
 * counter framework of every Eventstate component) of type {@code OTHER} under the sink's name (JMX
 * {@code org.apache.flume.other:type=<sink>}, HTTP monitoring {@code OTHER.<sink>}). The counter names are the JMX
 * attribute names.
 */
public class EventSinkCounters extends EventstateCounters {

  /** Event rows written (a replayed event counts again: it rewrites identical cells). */
  public static final String EVENT_ROWS_WRITTEN = "EventRowsWritten";
  /** State rows touched, one per entity per atomic write. */
  public static final String STATE_ROWS_TOUCHED = "StateRowsTouched";
  /** Atomic multi-row writes (one per region per batch, more after a fallback). */
  public static final String ATOMIC_WRITES = "AtomicWrites";
  /** Times a failed atomic write was split into smaller ones to isolate a poison event. */
  public static final String FALLBACK_SPLITS = "FallbackSplits";
  /** Events stored as dead letters, for any reason. */
  public static final String DEAD_LETTERED = "DeadLettered";
  /** Dead letters because the canonical headers were missing or malformed. */
  public static final String DEAD_LETTERED_UNENCODABLE = "DeadLetteredUnencodable";
  /** Dead letters because HBase rejected the event with a DoNotRetryIOException. */
  public static final String DEAD_LETTERED_REJECTED = "DeadLetteredRejected";
  /** Events dead-lettered because their row key or a cell is over HBase's limits. */
  public static final String DEAD_LETTERED_OVER_LIMITS = "DeadLetteredOverLimits";
  /** Batches written event by event after failing {@code poison.maxAttempts} times in a row. */
  public static final String ISOLATION_PASSES = "IsolationPasses";
  /** Transactions rolled back. */
  public static final String ROLLBACKS = "Rollbacks";
  /** Failed {@code start()} calls (table missing, HBase unreachable...). */
  public static final String START_FAILURES = "StartFailures";

  static final String[] ALL = {EVENT_ROWS_WRITTEN, STATE_ROWS_TOUCHED, ATOMIC_WRITES, FALLBACK_SPLITS, DEAD_LETTERED,
      DEAD_LETTERED_UNENCODABLE, DEAD_LETTERED_REJECTED, DEAD_LETTERED_OVER_LIMITS, ISOLATION_PASSES, ROLLBACKS,
      START_FAILURES};

  public EventSinkCounters(String sinkName) {
    super(Type.OTHER, sinkName, ALL);
  }

  // Typed reads of the counters above (JMX reads them by name, as attributes of the group).

  public long getEventRowsWritten() {
    return get(EVENT_ROWS_WRITTEN);
  }

  public long getStateRowsTouched() {
    return get(STATE_ROWS_TOUCHED);
  }

  public long getAtomicWrites() {
    return get(ATOMIC_WRITES);
  }

  public long getFallbackSplits() {
    return get(FALLBACK_SPLITS);
  }

  public long getDeadLettered() {
    return get(DEAD_LETTERED);
  }

  public long getDeadLetteredUnencodable() {
    return get(DEAD_LETTERED_UNENCODABLE);
  }

  public long getDeadLetteredRejected() {
    return get(DEAD_LETTERED_REJECTED);
  }

  public long getDeadLetteredOverLimits() {
    return get(DEAD_LETTERED_OVER_LIMITS);
  }

  public long getIsolationPasses() {
    return get(ISOLATION_PASSES);
  }

  public long getRollbacks() {
    return get(ROLLBACKS);
  }

  public long getStartFailures() {
    return get(START_FAILURES);
  }
}
