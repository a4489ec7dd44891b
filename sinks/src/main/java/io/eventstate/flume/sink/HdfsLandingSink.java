package io.eventstate.flume.sink;

import io.eventstate.core.config.AvroFileSpec;
import io.eventstate.core.config.ConfigException;
import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.event.MalformedEventException;
import io.eventstate.core.query.LandingSpec;
import io.eventstate.flume.interceptor.EventstateCounters;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.flume.Channel;
import org.apache.flume.ChannelException;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.EventDeliveryException;
import org.apache.flume.Transaction;
import org.apache.flume.conf.BatchSizeSupported;
import org.apache.flume.conf.Configurable;
import org.apache.flume.conf.ConfigurationException;
import org.apache.flume.event.EventBuilder;
import org.apache.flume.instrumentation.MonitoredCounterGroup;
import org.apache.flume.instrumentation.SinkCounter;
import org.apache.flume.serialization.EventSerializer;
import org.apache.flume.serialization.EventSerializerFactory;
import org.apache.flume.sink.AbstractSink;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lands valid events on HDFS (or any Hadoop file system) as Avro container files of {@code conf/avro/event.avsc},
 * one directory per the path template (by default entity type and event day), for Hive and Impala. The files are
 * those of Flume's HDFS sink with {@link EventAvroSerializer}, and the keys are that sink's under the same names
 * ({@link LandingSpec}); what differs is the cost: Flume's HDFS sink hands every event to a thread of its own to
 * bound the call's time, which costs far more CPU than writing the event, while this sink does the file-system work of
 * a whole batch in one bounded call.
 *
 * <pre>
 * a1.sinks.hdfs.type = io.eventstate.flume.sink.HdfsLandingSink
 * a1.sinks.hdfs.channel = events_hdfs
 * a1.sinks.hdfs.hdfs.path = hdfs://namenode:8020/eventstate/events/entity_type=%{es.entityType}/dt=%Y-%m-%d
 * </pre>
 *
 * <p>Per transaction: take up to {@code hdfs.batchSize} events, decode each canonical event from its headers (an event
 * that is not one, which only a selector that routes more than {@code es.status=valid} events here lets through, is a
 * dead letter: it lands under {@code hdfs.deadLetterPath} in Flume's {@code avro_event} format with
 * {@code es.status=invalid}, {@code es.stage=land} and {@code es.reason}, and is counted, so that it neither stalls the
 * channel nor is lost), append each to its directory's open file, flush those files ({@code hflush}: readers see the
 * batch), then commit. A failure rolls the transaction back and closes every open file (what they hold stays readable;
 * the channel redelivers the batch into new files, so an event may land twice, which the queries' {@code event_id}
 * dedupe removes). A file is named {@code <prefix>.<number><suffix>} and carries {@code hdfs.inUseSuffix} while open;
 * it closes after {@code hdfs.rollSize} bytes of bodies, {@code hdfs.rollCount} events, {@code hdfs.rollInterval}
 * seconds open or {@code hdfs.idleTimeout} seconds without events (checked at every call of the sink runner, also when
 * the channel is empty), when more than {@code hdfs.maxOpenFiles} are open, and when the sink stops.
 *
 * <p>The time of {@code %Y %m %d %H} is the canonical event time, never the agent's clock. On {@code file:} paths (a
 * local landing) files are written without Hadoop's {@code .crc} side files, so that they too are readable up to their
 * last batch while open. Counters: Flume's {@code SinkCounter} (files opened and closed count as connections created
 * and closed) and an {@link EventstateCounters} group of type {@code OTHER} under the sink's name with
 * {@code DeadLettered}.
 */
public class HdfsLandingSink extends AbstractSink implements Configurable, BatchSizeSupported {

  private static final Logger LOG = LoggerFactory.getLogger(HdfsLandingSink.class);

  /** Events on the channel that were not valid canonical events, landed under {@code hdfs.deadLetterPath}. */
  public static final String DEAD_LETTERED = "DeadLettered";
  /** The {@code es.stage} of the landing's dead letters. */
  public static final String STAGE_LAND = "land";

  private LandingSpec spec;
  private SinkCounter sinkCounter;
  private EventstateCounters counters;
  private boolean countersStarted;
  private Configuration hadoop;
  private ExecutorService io;
  /** Open files by {@link Landing#fileKey()}, least recently written first. */
  private final LinkedHashMap<String, LandingFile> open = new LinkedHashMap<>(16, 0.75f, true);
  private long fileNumber;

  @Override
  public void configure(Context context) {
    try {
      spec = LandingSpec.parse(context.getParameters());
    } catch (ConfigException e) {
      throw new ConfigurationException("HdfsLandingSink " + getName() + ": " + e.getMessage(), e);
    }
    if (sinkCounter == null) {
      sinkCounter = new SinkCounter(getName());
      counters = new EventstateCounters(MonitoredCounterGroup.Type.OTHER, getName(), DEAD_LETTERED);
    }
  }

  @Override
  public long getBatchSize() {
    return spec.batchSize();
  }

  /** The sink's own counters ({@value #DEAD_LETTERED}). */
  public EventstateCounters counters() {
    return counters;
  }

  /** Flume's standard counters of this sink. */
  public SinkCounter sinkCounter() {
    return sinkCounter;
  }

  @Override
  public synchronized void start() {
    if (!countersStarted) {
      sinkCounter.start(); // zeroes the counters: once per life
      counters.start();
      countersStarted = true;
    }
    hadoop = new Configuration();
    // Hadoop's shutdown hook would otherwise close the file system before stop() closes and renames the open files
    hadoop.setBoolean("fs.automatic.close", false);
    io = newIoThread();
    fileNumber = System.currentTimeMillis();
    super.start();
  }

  @Override
  public synchronized void stop() {
    if (io == null) {
      return; // never started
    }
    closeAllWithinTimeout("at stop");
    io.shutdownNow();
    io = null;
    sinkCounter.stop();
    counters.stop();
    countersStarted = false;
    super.stop();
  }

  @Override
  public Status process() throws EventDeliveryException {
    Channel channel = getChannel();
    Transaction txn = channel.getTransaction();
    Status status = Status.READY;
    try {
      txn.begin();
      List<Landing> batch = new ArrayList<>(spec.batchSize());
      int deadLetters = 0;
      for (int i = 0; i < spec.batchSize(); i++) {
        Event e = channel.take();
        if (e == null) {
          break;
        }
        Landing l = decide(e);
        deadLetters += l.deadLetter() != null ? 1 : 0;
        batch.add(l);
      }
      if (batch.isEmpty()) {
        sinkCounter.incrementBatchEmptyCount();
        status = Status.BACKOFF;
      } else if (batch.size() < spec.batchSize()) {
        sinkCounter.incrementBatchUnderflowCount();
      } else {
        sinkCounter.incrementBatchCompleteCount();
      }
      sinkCounter.addToEventDrainAttemptCount(batch.size());
      bounded(() -> {
        write(batch);
        return null;
      });
      txn.commit();
      sinkCounter.addToEventDrainSuccessCount(batch.size());
      if (deadLetters > 0) {
        counters.add(DEAD_LETTERED, deadLetters);
        LOG.warn("Sink {}: {} events on the channel were not valid canonical events; landed as dead letters under {}"
            + " (route only events with es.status=valid to this sink)", getName(), deadLetters,
            spec.deadLetterPath());
      }
    } catch (Throwable t) {
      try {
        txn.rollback();
      } catch (Exception e2) {
        LOG.error("Sink {}: rollback failed; the channel redelivers the batch anyway", getName(), e2);
      }
      if (t instanceof ChannelException) {
        sinkCounter.incrementChannelReadFail();
      } else {
        sinkCounter.incrementEventWriteFail();
      }
      abandonAll();
      if (t instanceof Error err) {
        throw err;
      }
      if (t instanceof InterruptedException) {
        Thread.currentThread().interrupt(); // the runner is stopping
      }
      LOG.warn("Sink {}: batch rolled back and will be redelivered: {}", getName(), t.toString());
      status = Status.BACKOFF;
    } finally {
      txn.close();
    }
    return status;
  }

  /**
   * Where and how an event lands: a canonical event as a record of the event schema in its directory under
   * {@code hdfs.path}, anything else as a dead letter, the event itself with why, under {@code hdfs.deadLetterPath}.
   */
  private Landing decide(Event e) {
    Map<String, String> headers = e.getHeaders();
    byte[] body = e.getBody();
    int bodyBytes = body == null ? 0 : body.length;
    try {
      CanonicalEvent c = EventHeaders.read(headers, body);
      return new Landing(spec.path().render(headers, Math.floorDiv(c.eventTimeNanos(), 1_000_000L)),
          EventAvroSerializer.record(c, EventAvroSerializer.arrival(headers)), null, bodyBytes);
    } catch (MalformedEventException | RuntimeException bad) {
      Map<String, String> tagged = new HashMap<>(headers);
      tagged.put(EventHeaders.STATUS, EventHeaders.STATUS_INVALID);
      tagged.put(EventHeaders.STAGE, STAGE_LAND);
      tagged.put(EventHeaders.REASON, String.valueOf(bad.getMessage()));
      return new Landing(spec.deadLetterPath().render(tagged, System.currentTimeMillis()), null,
          EventBuilder.withBody(body == null ? new byte[0] : body, tagged), bodyBytes);
    }
  }

  /**
   * One event as it lands: its directory, its record (a canonical event) or the dead letter, and the size of its
   * body.
   */
  private record Landing(String dir, GenericRecord record, Event deadLetter, int bodyBytes) {

    /** The open file it goes to: dead letters never share a file with records, whatever their directories. */
    String fileKey() {
      return deadLetter == null ? dir : DEAD_LETTER_KEY + dir;
    }
  }

  private static final String DEAD_LETTER_KEY = "dead letters in ";

  /** In the I/O thread: closes what is due, appends the batch, rolls what is full, flushes what was written. */
  private void write(List<Landing> batch) throws IOException {
    closeDue(System.currentTimeMillis());
    Set<LandingFile> touched = new LinkedHashSet<>();
    for (Landing l : batch) {
      LandingFile f = fileFor(l);
      f.append(l);
      f.events++;
      f.bodyBytes += l.bodyBytes();
      touched.add(f);
      if (spec.rollBytes() > 0 && f.bodyBytes >= spec.rollBytes()
          || spec.rollCount() > 0 && f.events >= spec.rollCount()) {
        close(f); // also flushes
        touched.remove(f);
      }
    }
    for (LandingFile f : touched) {
      if (open.get(f.key) == f) { // not closed meanwhile to keep within hdfs.maxOpenFiles
        f.flush();
        f.out.hflush();
        f.lastWriteMillis = System.currentTimeMillis(); // after the work: a slow open or flush is not idle time
      }
    }
  }

  private LandingFile fileFor(Landing l) throws IOException {
    String key = l.fileKey();
    LandingFile f = open.get(key);
    if (f != null) {
      return f;
    }
    if (open.size() >= spec.maxOpenFiles()) {
      close(open.values().iterator().next()); // the least recently written
    }
    Path directory = new Path(l.dir());
    FileSystem fs = directory.getFileSystem(hadoop);
    if (fs instanceof LocalFileSystem local) {
      // file: paths without Hadoop's .crc side files, whose stream cannot hflush: readable up to the last batch
      fs = local.getRaw();
    }
    while (true) {
      String name = spec.filePrefix() + "." + fileNumber++ + spec.fileSuffix();
      Path done = new Path(directory, name);
      Path inUse = new Path(directory, name + spec.inUseSuffix());
      if (fs.exists(done)) {
        continue;
      }
      FSDataOutputStream out;
      try {
        out = fs.create(inUse, false);
      } catch (FileAlreadyExistsException e) {
        continue; // another writer's file of the same number
      } catch (IOException e) {
        sinkCounter.incrementConnectionFailedCount();
        throw e;
      }
      try {
        f = l.deadLetter() == null
            ? new LandingFile(key, fs, inUse, done, out, EventAvroSerializer.create(spec.avro(), out), null)
            : new LandingFile(key, fs, inUse, done, out, null, deadLetterSerializer(out));
      } catch (IOException | RuntimeException e) {
        out.close();
        throw e;
      }
      open.put(key, f);
      sinkCounter.incrementConnectionCreatedCount();
      return f;
    }
  }

  /** Flume's own {@code avro_event} serializer, as the dead-letter sinks write, with this sink's Avro settings. */
  private EventSerializer deadLetterSerializer(FSDataOutputStream out) throws IOException {
    Context c = new Context();
    c.put(AvroFileSpec.CONFIG_COMPRESSION_CODEC, spec.avro().codec());
    c.put(AvroFileSpec.CONFIG_SYNC_INTERVAL_BYTES, Integer.toString(spec.avro().syncIntervalBytes()));
    EventSerializer s = EventSerializerFactory.getInstance("avro_event", c, out);
    s.afterCreate();
    return s;
  }

  /** Closes the files whose age or idle time is up (in the I/O thread). */
  private void closeDue(long now) throws IOException {
    List<LandingFile> due = new ArrayList<>();
    for (LandingFile f : open.values()) {
      if (spec.rollMillis() > 0 && now - f.openedMillis >= spec.rollMillis()
          || spec.idleMillis() > 0 && now - f.lastWriteMillis >= spec.idleMillis()) {
        due.add(f);
      }
    }
    for (LandingFile f : due) {
      close(f);
    }
  }

  /** Closes a file and gives it its final name; a failed rename leaves it readable under the in-use name. */
  private void close(LandingFile f) throws IOException {
    open.remove(f.key);
    f.close(); // flushes the last block and closes the stream
    sinkCounter.incrementConnectionClosedCount();
    if (!f.fs.rename(f.inUse, f.done)) {
      LOG.warn("Sink {}: could not rename {} to {}; it stays readable under its in-use name", getName(), f.inUse,
          f.done);
    }
  }

  private void closeAll() throws IOException {
    IOException first = null;
    for (LandingFile f : new ArrayList<>(open.values())) {
      try {
        close(f);
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    open.clear();
    if (first != null) {
      throw first;
    }
  }

  /** After a failure: closes every open file if it can within the call timeout, and forgets them either way. */
  private void abandonAll() {
    if (!open.isEmpty() && !closeAllWithinTimeout("after a failed batch")) {
      open.clear(); // new files are opened for the redelivery
    }
  }

  /** Closes every open file within {@code hdfs.callTimeout}; false (and logged) if it could not. */
  private boolean closeAllWithinTimeout(String when) {
    try {
      bounded(() -> {
        closeAll();
        return null;
      });
      return true;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      LOG.warn("Sink {}: closing the open files {} failed ({}); what they hold up to their last batch stays readable",
          getName(), when, e.toString());
      return false;
    }
  }

  /**
   * Runs file-system work in the sink's I/O thread, bounded by {@code hdfs.callTimeout}; a call that does not end in
   * time is interrupted and its thread replaced, so that a hung file system cannot hold the sink forever.
   */
  private <T> T bounded(Callable<T> work) throws IOException, InterruptedException {
    Future<T> f = io.submit(work);
    try {
      return f.get(spec.callTimeoutMs(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      io.shutdownNow();
      open.clear();
      io = newIoThread();
      throw new IOException("file-system call did not end within hdfs.callTimeout = " + spec.callTimeoutMs() + " ms");
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof RuntimeException re) {
        throw re;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new IOException(c);
    }
  }

  private ExecutorService newIoThread() {
    return Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "landing-" + getName());
      t.setDaemon(true);
      return t;
    });
  }

  /** Open files, for tests. */
  int openFiles() {
    return open.size();
  }

  /** One open file: Avro records of the event schema, or dead letters through Flume's serializer. */
  private static final class LandingFile {
    final String key;
    final FileSystem fs;
    final Path inUse;
    final Path done;
    final FSDataOutputStream out;
    final DataFileWriter<GenericRecord> records;
    final EventSerializer deadLetters;
    final long openedMillis;
    long lastWriteMillis;
    long events;
    long bodyBytes;

    LandingFile(String key, FileSystem fs, Path inUse, Path done, FSDataOutputStream out,
        DataFileWriter<GenericRecord> records, EventSerializer deadLetters) {
      this.key = key;
      this.fs = fs;
      this.inUse = inUse;
      this.done = done;
      this.out = out;
      this.records = records;
      this.deadLetters = deadLetters;
      this.openedMillis = System.currentTimeMillis();
      this.lastWriteMillis = openedMillis;
    }

    void append(Landing l) throws IOException {
      if (records != null) {
        records.append(l.record());
      } else {
        deadLetters.write(l.deadLetter());
      }
    }

    void flush() throws IOException {
      if (records != null) {
        records.flush();
      } else {
        deadLetters.flush();
      }
    }

    void close() throws IOException {
      if (records != null) {
        records.close();
      } else {
        deadLetters.beforeClose();
        out.close();
      }
    }
  }

  @Override
  public String toString() {
    return "HdfsLandingSink " + getName() + " -> " + (spec == null ? "?" : spec.path());
  }
}
