package io.eventstate.flume.sink;

/** JMX view of {@link EventSinkCounters}; Flume's HTTP and Ganglia monitoring read these attributes. */
public interface EventSinkCountersMBean {
  long getEventRowsWritten();

  long getStateRowsTouched();

  long getAtomicWrites();

  long getFallbackSplits();

  long getDeadLettered();

  long getDeadLetteredUnencodable();

  long getDeadLetteredRejected();

  long getDeadLetteredOverLimits();

  long getIsolationPasses();

  long getRollbacks();

  long getStartFailures();

  long getStartTime();

  long getStopTime();

  String getType();
}
