package io.eventstate.flume.sink;

import org.apache.flume.instrumentation.MonitoredCounterGroup;

/**
 * EventSink's own counters, next to Flume's standard {@code SinkCounter}. Registered with Flume monitoring as
 * type {@code OTHER} under the sink's name (JMX {@code org.apache.flume.other:type=<sink>}, HTTP
 * monitoring {@code OTHER.<sink>}).
 */
public class EventSinkCounters extends MonitoredCounterGroup implements EventSinkCountersMBean {

  /** Event rows written (a replayed event counts again: it rewrites identical cells). */
  public static final String EVENT_ROWS_WRITTEN = "eventstate.eventRowsWritten";
  /** State rows touched, one per entity per atomic write. */
  public static final String STATE_ROWS_TOUCHED = "eventstate.stateRowsTouched";
  /** Atomic multi-row writes (one per region per batch, more after a fallback). */
  public static final String ATOMIC_WRITES = "eventstate.atomicWrites";
  /** Times a failed atomic write was split into smaller ones to isolate a poison event. */
  public static final String FALLBACK_SPLITS = "eventstate.fallbackSplits";
  /** Events stored as dead letters, for any reason. */
  public static final String DEAD_LETTERED = "eventstate.deadLettered";
  /** Dead letters because the canonical headers were missing or malformed. */
  public static final String DEAD_LETTERED_UNENCODABLE = "eventstate.deadLetteredUnencodable";
  /** Dead letters because HBase rejected the event with a DoNotRetryIOException. */
  public static final String DEAD_LETTERED_REJECTED = "eventstate.deadLetteredRejected";
  /** Events dead-lettered because their row key or a cell is over HBase's limits. */
  public static final String DEAD_LETTERED_OVER_LIMITS = "eventstate.deadLetteredOverLimits";
  /** Batches written event by event after failing {@code poison.maxAttempts} times in a row. */
  public static final String ISOLATION_PASSES = "eventstate.isolationPasses";
  /** Transactions rolled back. */
  public static final String ROLLBACKS = "eventstate.rollbacks";
  /** Failed {@code start()} calls (table missing, HBase unreachable...). */
  public static final String START_FAILURES = "eventstate.startFailures";

  static final String[] ALL = {EVENT_ROWS_WRITTEN, STATE_ROWS_TOUCHED, ATOMIC_WRITES, FALLBACK_SPLITS, DEAD_LETTERED,
      DEAD_LETTERED_UNENCODABLE, DEAD_LETTERED_REJECTED, DEAD_LETTERED_OVER_LIMITS, ISOLATION_PASSES, ROLLBACKS,
      START_FAILURES};

  public EventSinkCounters(String sinkName) {
    super(Type.OTHER, sinkName, ALL);
  }

  public long add(String counter, long delta) {
    return addAndGet(counter, delta);
  }

  public long increment(String counter) {
    return super.increment(counter);
  }

  public long get(String counter) {
    return super.get(counter);
  }

  @Override
  public long getEventRowsWritten() {
    return get(EVENT_ROWS_WRITTEN);
  }

  @Override
  public long getStateRowsTouched() {
    return get(STATE_ROWS_TOUCHED);
  }

  @Override
  public long getAtomicWrites() {
    return get(ATOMIC_WRITES);
  }

  @Override
  public long getFallbackSplits() {
    return get(FALLBACK_SPLITS);
  }

  @Override
  public long getDeadLettered() {
    return get(DEAD_LETTERED);
  }

  @Override
  public long getDeadLetteredUnencodable() {
    return get(DEAD_LETTERED_UNENCODABLE);
  }

  @Override
  public long getDeadLetteredRejected() {
    return get(DEAD_LETTERED_REJECTED);
  }

  @Override
  public long getDeadLetteredOverLimits() {
    return get(DEAD_LETTERED_OVER_LIMITS);
  }

  @Override
  public long getIsolationPasses() {
    return get(ISOLATION_PASSES);
  }

  @Override
  public long getRollbacks() {
    return get(ROLLBACKS);
  }

  @Override
  public long getStartFailures() {
    return get(START_FAILURES);
  }
}
