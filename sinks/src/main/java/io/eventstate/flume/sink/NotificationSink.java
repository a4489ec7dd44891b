package io.eventstate.flume.sink;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import org.apache.flume.Channel;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.EventDeliveryException;
import org.apache.flume.FlumeException;
import org.apache.flume.Transaction;
import org.apache.flume.conf.BatchSizeSupported;
import org.apache.flume.conf.Configurable;
import org.apache.flume.instrumentation.MonitoredCounterGroup;
import org.apache.flume.instrumentation.SinkCounter;
import org.apache.flume.sink.AbstractSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.eventstate.core.act.Landing;
import io.eventstate.flume.interceptor.EventstateCounters;

/**
 * Lands notifications exactly once, however often they are sent: each event becomes one file named after its
 * landing id ({@link Landing}: the stable {@code es.notify.id}, or {@code es.eventId} for an alert), created with a
 * hard link from a synced temporary file, which fails when the file exists. A notification sent again — the sender
 * retried after a rollback, or the same input was fed twice — finds its file and is counted as a duplicate, not
 * written. Files are written before the channel transaction commits, so a crash in between lands the batch again,
 * as duplicates.
 *
 * <pre>
 * n1.sinks.landed.type = io.eventstate.flume.sink.NotificationSink
 * n1.sinks.landed.channel = notifications
 * n1.sinks.landed.directory = /var/lib/eventstate/notifications
 * </pre>
 *
 * <p>Keys: {@code directory} (required), {@code batchSize} (100). Counters ({@code SINK.<name>-landed}):
 * {@code notifications.stored}, {@code notifications.duplicates}, {@code notifications.total} (files in the
 * directory), besides Flume's own {@code SINK.<name>}.
 */
public final class NotificationSink extends AbstractSink implements Configurable, BatchSizeSupported {

  public static final String CONFIG_DIRECTORY = "directory";
  public static final String CONFIG_BATCH_SIZE = "batchSize";
  public static final int DEFAULT_BATCH_SIZE = 100;
  public static final String STORED = "notifications.stored";
  public static final String DUPLICATES = "notifications.duplicates";
  public static final String TOTAL = "notifications.total";

  private static final Logger LOG = LoggerFactory.getLogger(NotificationSink.class);
  private static final java.util.Set<String> KEYS = java.util.Set.of(CONFIG_DIRECTORY, CONFIG_BATCH_SIZE, "type",
      "channel");

  private Path directory;
  private int batchSize;
  private SinkCounter sinkCounter;
  private EventstateCounters counters;

  @Override
  public void configure(Context context) {
    Map<String, String> p = context.getParameters();
    for (String k : p.keySet()) {
      if (!KEYS.contains(k)) {
        throw new FlumeException("sink " + getName() + ": unknown key '" + k + "' (value '" + p.get(k)
            + "'); known keys: " + new java.util.TreeSet<>(KEYS));
      }
    }
    String dir = p.get(CONFIG_DIRECTORY);
    if (dir == null || dir.isBlank()) {
      throw new FlumeException("sink " + getName() + ": key '" + CONFIG_DIRECTORY + "' is missing; set it to the "
          + "directory notifications land in, e.g. /var/lib/eventstate/notifications");
    }
    directory = Path.of(dir.trim());
    String bs = p.getOrDefault(CONFIG_BATCH_SIZE, Integer.toString(DEFAULT_BATCH_SIZE)).trim();
    try {
      batchSize = Integer.parseInt(bs);
    } catch (NumberFormatException e) {
      batchSize = 0;
    }
    if (batchSize < 1 || batchSize > 100_000) {
      throw new FlumeException("sink " + getName() + ": key '" + CONFIG_BATCH_SIZE + "' value was set to '" + bs
          + "', must be a whole number from 1 to 100000");
    }
    if (sinkCounter == null) {
      sinkCounter = new SinkCounter(getName());
      counters = new EventstateCounters(MonitoredCounterGroup.Type.SINK, getName() + "-landed", STORED, DUPLICATES,
          TOTAL);
    }
  }

  /** The landing counters ({@code SINK.<name>-landed}). */
  public EventstateCounters counters() {
    return counters;
  }

  @Override
  public long getBatchSize() {
    return batchSize;
  }

  @Override
  public synchronized void start() {
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new FlumeException("sink " + getName() + ": cannot create directory " + directory + ": " + e, e);
    }
    sinkCounter.start();
    counters.start();
    counters.add(TOTAL, countFiles());
    super.start();
  }

  @Override
  public synchronized void stop() {
    super.stop();
    sinkCounter.stop();
    counters.stop();
  }

  private long countFiles() {
    try (Stream<Path> s = Files.walk(directory, 2)) {
      return s.filter(f -> f.getFileName().toString().endsWith(".json")).count();
    } catch (IOException e) {
      LOG.warn("Sink {}: cannot count the files in {}: {}", getName(), directory, e.toString());
      return 0;
    }
  }

  @Override
  public Status process() throws EventDeliveryException {
    Channel channel = getChannel();
    Transaction tx = channel.getTransaction();
    try {
      tx.begin();
      List<Event> batch = new ArrayList<>(batchSize);
      for (int i = 0; i < batchSize; i++) {
        Event e = channel.take();
        if (e == null) {
          break;
        }
        batch.add(e);
      }
      if (batch.isEmpty()) {
        sinkCounter.incrementBatchEmptyCount();
      } else if (batch.size() < batchSize) {
        sinkCounter.incrementBatchUnderflowCount();
      } else {
        sinkCounter.incrementBatchCompleteCount();
      }
      sinkCounter.addToEventDrainAttemptCount(batch.size());
      int stored = 0;
      int duplicates = 0;
      for (Event e : batch) {
        if (land(e)) {
          stored++;
        } else {
          duplicates++;
        }
      }
      tx.commit();
      sinkCounter.addToEventDrainSuccessCount(batch.size());
      counters.add(STORED, stored);
      counters.add(TOTAL, stored);
      counters.add(DUPLICATES, duplicates);
      return batch.isEmpty() ? Status.BACKOFF : Status.READY;
    } catch (Throwable t) {
      try {
        tx.rollback();
      } catch (RuntimeException r) {
        LOG.warn("Sink {}: rollback failed: {}", getName(), r.toString());
      }
      sinkCounter.incrementEventWriteOrChannelFail(t);
      if (t instanceof Error err) {
        throw err;
      }
      throw new EventDeliveryException("sink " + getName() + ": cannot land notifications in " + directory + ": "
          + t, t);
    } finally {
      tx.close();
    }
  }

  /** Writes the event's file unless it exists; true when written. */
  private boolean land(Event e) throws IOException {
    Map<String, String> headers = e.getHeaders();
    String id = Landing.id(headers, e.getBody());
    Path target = directory.resolve(Landing.path(id));
    if (Files.exists(target)) {
      return false;
    }
    Path dir = Files.createDirectories(target.getParent());
    Path tmp = dir.resolve(".tmp-" + UUID.randomUUID());
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.wrap(Landing.record(id, headers, e.getBody()));
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true);
      }
      try {
        Files.createLink(target, tmp); // fails when the target exists: the one atomic "create if absent"
        return true;
      } catch (FileAlreadyExistsException exists) {
        return false;
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
