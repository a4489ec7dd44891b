package io.eventstate.flume.sink;

import io.eventstate.core.config.AvroFileSpec;
import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.event.MalformedEventException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.serialization.EventSerializer;

/**
 * A serializer for Flume's stock HDFS sink (and {@code file_roll}) that writes each canonical event as one record
 * of the published schema {@code conf/avro/event.avsc} (record {@code io.eventstate.avro.Event}: event id, entity
 * type and id, event type, exact event time in nanoseconds, time source, attributes as a map, tags, the raw body
 * and the arrival time) into compressed Avro container files, readable by Avro's own reader, Hive, Impala and
 * Spark. The fields come from the canonical headers the normalizing interceptor set; the body is the raw bytes.
 *
 * <h2>Configuration</h2> (keys parsed by {@link AvroFileSpec}, after the HDFS sink's {@code serializer.} or
 * {@code file_roll}'s {@code sink.serializer.} prefix)
 * <table>
 *   <caption>EventAvroSerializer keys</caption>
 *   <tr><th>Property</th><th>Default</th><th>Description</th></tr>
 *   <tr><td>{@code compressionCodec}</td><td>{@code snappy}</td><td>{@code null}, {@code deflate}, {@code snappy},
 *       {@code bzip2}, {@code xz} or {@code zstandard}</td></tr>
 *   <tr><td>{@code syncIntervalBytes}</td><td>2048000</td><td>approximate Avro block size</td></tr>
 * </table>
 * <pre>
 *   a1.sinks.hdfs.type = hdfs
 *   a1.sinks.hdfs.channel = events_hdfs
 *   a1.sinks.hdfs.hdfs.path = hdfs://nn/eventstate/events/entity_type=%{es.entityType}/dt=%Y-%m-%d
 *   a1.sinks.hdfs.hdfs.fileType = DataStream
 *   a1.sinks.hdfs.hdfs.fileSuffix = .avro
 *   a1.sinks.hdfs.serializer = io.eventstate.flume.sink.EventAvroSerializer$Builder
 *   a1.sinks.hdfs.serializer.compressionCodec = snappy
 * </pre>
 * The {@code %Y-%m-%d} escapes read Flume's {@code timestamp} header, which the normalizing interceptor sets to the
 * event time in milliseconds, so each file holds one entity type and one event day (UTC with
 * {@code hdfs.timeZone = UTC}).
 *
 * <h2>Failure behaviour</h2>
 * The HDFS sink builds a serializer when it opens a file, not when the agent starts: a bad key or value fails
 * the first file open with the key, the value and the fix in the message (and in the sink's log); the events
 * stay in the channel. An event without the canonical headers (one that did not pass the normalizing
 * interceptor: a wiring mistake, since only valid events are routed to this sink) fails the write with an
 * {@link IOException} naming the missing header; the sink rolls back and the event stays in its channel. The
 * HDFS copy is at-least-once: a rolled-back batch may be written again, and queries remove duplicates by
 * {@code event_id}.
 */
public final class EventAvroSerializer implements EventSerializer {

  /** The published schema ({@code conf/avro/event.avsc}, also in this jar). */
  public static final Schema SCHEMA = loadSchema();

  private static final String SCHEMA_RESOURCE = "/io/eventstate/avro/event.avsc";

  private final OutputStream out;
  private final AvroFileSpec spec;
  private DataFileWriter<GenericRecord> writer;

  EventAvroSerializer(AvroFileSpec spec, OutputStream out) {
    this.spec = spec;
    this.out = out;
  }

  private static Schema loadSchema() {
    try (InputStream in = EventAvroSerializer.class.getResourceAsStream(SCHEMA_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("schema " + SCHEMA_RESOURCE + " is missing from the class path");
      }
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The record of one canonical event; {@code arrivalMillis} may be null. */
  public static GenericRecord record(CanonicalEvent e, Long arrivalMillis) {
    GenericRecord r = new GenericData.Record(SCHEMA);
    r.put("event_id", e.eventId());
    r.put("entity_type", e.entityType());
    r.put("entity_id", e.entityId());
    r.put("event_type", e.eventType());
    r.put("event_time_ns", e.eventTimeNanos());
    r.put("time_source", e.timeSource().label());
    r.put("attributes", e.attributes());
    r.put("tags", new ArrayList<>(e.tags()));
    r.put("body", ByteBuffer.wrap(e.body()));
    r.put("arrival_time_ms", arrivalMillis);
    return r;
  }

  @Override
  public void afterCreate() throws IOException {
    writer = create(spec, out);
  }

  /** A new Avro container of the published schema on {@code out}, with the spec's codec and block size. */
  static DataFileWriter<GenericRecord> create(AvroFileSpec spec, OutputStream out) throws IOException {
    DataFileWriter<GenericRecord> w = new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(SCHEMA));
    w.setSyncInterval(spec.syncIntervalBytes());
    w.setCodec(CodecFactory.fromString(spec.codec()));
    w.create(SCHEMA, out);
    return w;
  }

  @Override
  public void afterReopen() throws IOException {
    // An Avro container file has one header; the HDFS sink never reopens a file for a serializer that says so.
    throw new UnsupportedOperationException("EventAvroSerializer cannot append to an existing Avro file");
  }

  @Override
  public void write(Event event) throws IOException {
    Map<String, String> headers = event.getHeaders();
    CanonicalEvent e;
    try {
      e = EventHeaders.read(headers, event.getBody());
    } catch (MalformedEventException ex) {
      throw new IOException("EventAvroSerializer: " + ex.getMessage()
          + " (route only events with es.status=valid to this sink)", ex);
    }
    writer.append(record(e, arrival(headers)));
  }

  static Long arrival(Map<String, String> headers) {
    String v = headers.get(EventHeaders.ARRIVAL_TIME);
    if (v == null) {
      return null;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException ex) {
      return null;
    }
  }

  @Override
  public void flush() throws IOException {
    writer.flush();
  }

  @Override
  public void beforeClose() throws IOException {
    // The HDFS sink closes the stream itself after this; closing the writer would close it twice.
    writer.flush();
  }

  @Override
  public boolean supportsReopen() {
    return false;
  }

  /** Named in Flume properties as {@code io.eventstate.flume.sink.EventAvroSerializer$Builder}. */
  public static final class Builder implements EventSerializer.Builder {
    @Override
    public EventSerializer build(Context context, OutputStream out) {
      return new EventAvroSerializer(AvroFileSpec.parse(context.getParameters()), out);
    }
  }
}
