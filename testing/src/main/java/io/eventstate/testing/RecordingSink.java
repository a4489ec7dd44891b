package io.eventstate.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.apache.flume.Channel;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.EventDeliveryException;
import org.apache.flume.Transaction;
import org.apache.flume.conf.Configurable;
import org.apache.flume.event.EventBuilder;
import org.apache.flume.instrumentation.SinkCounter;
import org.apache.flume.sink.AbstractSink;

/**
 * A real Flume sink for tests that keeps copies of the events it takes, so that a test can look at the
 * headers and bodies that reached a channel: {@code type = io.eventstate.testing.RecordingSink}.
 *
 * <p>Flume creates the sink itself, so recorded events are found by sink name: {@link #events(String)}.
 * The record of a sink name is cleared when a sink of that name is configured, so each agent start begins
 * empty. Keys: {@code batchSize} (default 100), {@code pollMillis} (default 5: how long an idle sink parks
 * before polling its channel again; Flume's own back-off would idle it for up to 5 s). It keeps a Flume
 * {@link SinkCounter} ({@code org.apache.flume.sink:type=<name>}).
 */
public class RecordingSink extends AbstractSink implements Configurable {

  private static final Map<String, List<Event>> RECORDED = new ConcurrentHashMap<>();

  private int batchSize = 100;
  private long pollNanos = TimeUnit.MILLISECONDS.toNanos(5);
  private SinkCounter counter;
  private List<Event> record;

  /** The events the sink named {@code sinkName} has committed so far (a snapshot, in order). */
  public static List<Event> events(String sinkName) {
    List<Event> r = RECORDED.get(sinkName);
    return r == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(r));
  }

  /** Forgets everything recorded. */
  public static void clearAll() {
    RECORDED.clear();
  }

  @Override
  public void configure(Context context) {
    batchSize = context.getInteger("batchSize", 100);
    pollNanos = TimeUnit.MILLISECONDS.toNanos(context.getLong("pollMillis", 5L));
    record = new CopyOnWriteArrayList<>();
    RECORDED.put(getName(), record);
    counter = new SinkCounter(getName());
  }

  @Override
  public synchronized void start() {
    counter.start();
    super.start();
  }

  @Override
  public synchronized void stop() {
    super.stop();
    counter.stop();
  }

  @Override
  public Status process() throws EventDeliveryException {
    Channel channel = getChannel();
    Transaction tx = channel.getTransaction();
    List<Event> batch = new ArrayList<>();
    try {
      tx.begin();
      for (int i = 0; i < batchSize; i++) {
        Event e = channel.take();
        if (e == null) {
          break;
        }
        batch.add(EventBuilder.withBody(e.getBody().clone(), new HashMap<>(e.getHeaders())));
      }
      counter.addToEventDrainAttemptCount(batch.size());
      tx.commit();
      record.addAll(batch);
      counter.addToEventDrainSuccessCount(batch.size());
      if (batch.isEmpty()) {
        counter.incrementBatchEmptyCount();
        LockSupport.parkNanos(pollNanos);
      } else if (batch.size() < batchSize) {
        counter.incrementBatchUnderflowCount();
      } else {
        counter.incrementBatchCompleteCount();
      }
      return Status.READY;
    } catch (Throwable t) {
      tx.rollback();
      counter.incrementEventWriteOrChannelFail(t);
      throw new EventDeliveryException("recording sink " + getName() + " failed", t);
    } finally {
      tx.close();
    }
  }
}
