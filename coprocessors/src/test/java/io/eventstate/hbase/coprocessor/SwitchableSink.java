package io.eventstate.hbase.coprocessor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.flume.Channel;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.EventDeliveryException;
import org.apache.flume.Transaction;
import org.apache.flume.conf.Configurable;
import org.apache.flume.sink.AbstractSink;

/**
 * A dead-letter sink whose store can be made to fail (a full or read-only disk, an unreachable store): while
 * {@link #failing} is set, every batch it takes is rolled back with an EventDeliveryException, as a failing
 * {@code file_roll} would; otherwise it keeps the events it commits in {@link #STORED}.
 */
public class SwitchableSink extends AbstractSink implements Configurable {

  static volatile boolean failing;
  static final List<Event> STORED = new CopyOnWriteArrayList<>();
  static final AtomicLong FAILURES = new AtomicLong();

  @Override
  public void configure(Context context) {
  }

  @Override
  public Status process() throws EventDeliveryException {
    Channel channel = getChannel();
    Transaction tx = channel.getTransaction();
    tx.begin();
    try {
      List<Event> batch = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        Event e = channel.take();
        if (e == null) {
          break;
        }
        batch.add(e);
      }
      if (batch.isEmpty()) {
        tx.commit();
        return Status.BACKOFF;
      }
      if (failing) {
        FAILURES.incrementAndGet();
        throw new EventDeliveryException("dead-letter store unavailable (test)");
      }
      STORED.addAll(batch);
      tx.commit();
      return Status.READY;
    } catch (EventDeliveryException | RuntimeException e) {
      tx.rollback();
      throw e instanceof EventDeliveryException ede ? ede : new EventDeliveryException(e);
    } finally {
      tx.close();
    }
  }
}
