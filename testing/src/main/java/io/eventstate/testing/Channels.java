package io.eventstate.testing;

import java.util.List;
import java.util.Map;

import org.apache.flume.Channel;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.Transaction;
import org.apache.flume.channel.MemoryChannel;
import org.apache.flume.conf.Configurables;

/** Flume channels in tests: a started memory channel, events put in one transaction. */
public final class Channels {

  private Channels() {
  }

  /** A started memory channel. */
  public static MemoryChannel memory(String name, int capacity, int transactionCapacity) {
    MemoryChannel ch = new MemoryChannel();
    ch.setName(name);
    Configurables.configure(ch, new Context(Map.of("capacity", Integer.toString(capacity),
        "transactionCapacity", Integer.toString(transactionCapacity))));
    ch.start();
    return ch;
  }

  /** Puts the events into the channel in one committed transaction. */
  public static void putAll(Channel ch, List<Event> events) {
    Transaction tx = ch.getTransaction();
    tx.begin();
    try {
      for (Event e : events) {
        ch.put(e);
      }
      tx.commit();
    } catch (RuntimeException e) {
      tx.rollback();
      throw e;
    } finally {
      tx.close();
    }
  }
}
