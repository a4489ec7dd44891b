package io.eventstate.flume.sink;

import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.flume.ChannelException;
import org.apache.flume.Event;
import org.apache.flume.channel.BasicTransactionSemantics;
import org.apache.flume.channel.MemoryChannel;

/** A real MemoryChannel whose next transaction fails on take() once armed, as a broken channel would. */
public class FailingTakeChannel extends MemoryChannel {

  final AtomicBoolean failNextTake = new AtomicBoolean();

  @Override
  protected BasicTransactionSemantics createTransaction() {
    if (failNextTake.compareAndSet(true, false)) {
      return new BasicTransactionSemantics() {
        @Override
        protected void doPut(Event event) {
          throw new ChannelException("simulated put failure");
        }

        @Override
        protected Event doTake() {
          throw new ChannelException("simulated take failure");
        }

        @Override
        protected void doCommit() {
        }

        @Override
        protected void doRollback() {
        }
      };
    }
    return super.createTransaction();
  }
}
