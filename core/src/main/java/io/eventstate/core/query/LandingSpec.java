package io.eventstate.core.query;

import io.eventstate.core.config.AvroFileSpec;
import io.eventstate.core.config.ConfigReader;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The configuration of {@code io.eventstate.flume.sink.HdfsLandingSink}, which lands valid events on HDFS as Avro
 * container files ({@code conf/avro/event.avsc}) for Hive and Impala. The keys are the Flume HDFS sink's that apply
 * to it, under the same names, so an HDFS sink with {@code EventAvroSerializer} becomes a landing sink by its
 * {@code type} (and by dropping {@code hdfs.fileType} and {@code serializer}). Unknown keys are rejected (Flume's own
 * {@code type} and {@code channel} excepted); every message names the key, the value and the fix.
 *
 * <table>
 *   <caption>HdfsLandingSink keys</caption>
 *   <tr><th>Property</th><th>Default</th><th>Description</th></tr>
 *   <tr><td>{@code hdfs.path}</td><td>(required)</td><td>the directory of an event: a URI or path with
 *       {@code %{header}}, {@code %Y}, {@code %m}, {@code %d}, {@code %H} (of the event's time) and {@code %%}</td></tr>
 *   <tr><td>{@code hdfs.deadLetterPath}</td><td>{@code <root>/_deadletter/dt=%Y-%m-%d}</td><td>the directory of
 *       an event on the sink's channel that is not a valid canonical event: it lands there in Flume's
 *       {@code avro_event} format (every header and the body, with {@code es.status}, {@code es.stage} and
 *       {@code es.reason} set), dated by the agent's clock, instead of failing the batch. The default puts it under
 *       the fixed part of {@code hdfs.path} (the text before its first escape, up to the last {@code /}); the
 *       leading {@code _} hides it from Hive and Impala, which skip such directories</td></tr>
 *   <tr><td>{@code hdfs.timeZone}</td><td>{@code UTC}</td><td>time zone of {@code %Y %m %d %H}</td></tr>
 *   <tr><td>{@code hdfs.filePrefix}</td><td>{@code events}</td><td>file names: prefix, a number, suffix; give each
 *       agent that writes the same directories a prefix of its own</td></tr>
 *   <tr><td>{@code hdfs.fileSuffix}</td><td>{@code .avro}</td><td></td></tr>
 *   <tr><td>{@code hdfs.inUseSuffix}</td><td>{@code .tmp}</td><td>added to a file's name while it is open</td></tr>
 *   <tr><td>{@code hdfs.batchSize}</td><td>1000</td><td>events taken from the channel per transaction; the files
 *       they went to are flushed ({@code hflush}) before the transaction commits (1 to 100000)</td></tr>
 *   <tr><td>{@code hdfs.rollSize}</td><td>268435456</td><td>close a file after this many bytes of event bodies
 *       (0: never)</td></tr>
 *   <tr><td>{@code hdfs.rollInterval}</td><td>3600</td><td>close a file this many seconds after it opened
 *       (0: never)</td></tr>
 *   <tr><td>{@code hdfs.rollCount}</td><td>0</td><td>close a file after this many events (0: never)</td></tr>
 *   <tr><td>{@code hdfs.idleTimeout}</td><td>600</td><td>close a file after this many seconds without events
 *       (0: never)</td></tr>
 *   <tr><td>{@code hdfs.maxOpenFiles}</td><td>500</td><td>open files at most; the least recently written closes
 *       first</td></tr>
 *   <tr><td>{@code hdfs.callTimeout}</td><td>30000</td><td>upper bound, in milliseconds or as a duration, of the
 *       file-system work of one batch (or of closing files)</td></tr>
 *   <tr><td>{@code serializer.compressionCodec}</td><td>{@code snappy}</td><td>Avro block codec
 *       ({@link AvroFileSpec})</td></tr>
 *   <tr><td>{@code serializer.syncIntervalBytes}</td><td>2048000</td><td>Avro block size</td></tr>
 * </table>
 *
 * @param path          the compiled {@code hdfs.path}
 * @param deadLetterPath the compiled {@code hdfs.deadLetterPath}
 * @param filePrefix    file name prefix
 * @param fileSuffix    file name suffix
 * @param inUseSuffix   suffix while open
 * @param batchSize     events per transaction
 * @param rollBytes     bytes of bodies per file, 0 for no limit
 * @param rollMillis    age of a file at which it closes, 0 for no limit
 * @param rollCount     events per file, 0 for no limit
 * @param idleMillis    idle time after which a file closes, 0 for never
 * @param maxOpenFiles  open files at most
 * @param callTimeoutMs bound of one batch's file-system work
 * @param avro          the Avro container settings
 */
public record LandingSpec(LandingPath path, LandingPath deadLetterPath, String filePrefix, String fileSuffix,
    String inUseSuffix, int batchSize, long rollBytes, long rollMillis, long rollCount, long idleMillis,
    int maxOpenFiles, long callTimeoutMs, AvroFileSpec avro) {

  public static final String CONFIG_PATH = "hdfs.path";
  public static final String CONFIG_DEAD_LETTER_PATH = "hdfs.deadLetterPath";
  public static final String CONFIG_TIME_ZONE = "hdfs.timeZone";
  /** Where the default dead-letter directory goes under the fixed part of {@code hdfs.path}. */
  public static final String DEFAULT_DEAD_LETTER_DIR = "_deadletter/dt=%Y-%m-%d";
  public static final String CONFIG_FILE_PREFIX = "hdfs.filePrefix";
  public static final String CONFIG_FILE_SUFFIX = "hdfs.fileSuffix";
  public static final String CONFIG_IN_USE_SUFFIX = "hdfs.inUseSuffix";
  public static final String CONFIG_BATCH_SIZE = "hdfs.batchSize";
  public static final String CONFIG_ROLL_SIZE = "hdfs.rollSize";
  public static final String CONFIG_ROLL_INTERVAL = "hdfs.rollInterval";
  public static final String CONFIG_ROLL_COUNT = "hdfs.rollCount";
  public static final String CONFIG_IDLE_TIMEOUT = "hdfs.idleTimeout";
  public static final String CONFIG_MAX_OPEN_FILES = "hdfs.maxOpenFiles";
  public static final String CONFIG_CALL_TIMEOUT = "hdfs.callTimeout";
  public static final String SERIALIZER_PREFIX = "serializer.";

  private static final List<String> KEYS = List.of(CONFIG_PATH, CONFIG_DEAD_LETTER_PATH, CONFIG_TIME_ZONE,
      CONFIG_FILE_PREFIX, CONFIG_FILE_SUFFIX, CONFIG_IN_USE_SUFFIX, CONFIG_BATCH_SIZE, CONFIG_ROLL_SIZE,
      CONFIG_ROLL_INTERVAL, CONFIG_ROLL_COUNT, CONFIG_IDLE_TIMEOUT, CONFIG_MAX_OPEN_FILES, CONFIG_CALL_TIMEOUT);

  /** Parses the sink's Flume context parameters. */
  public static LandingSpec parse(Map<String, String> p) {
    ConfigReader r = new ConfigReader(null, p).keys(KEYS)
        .prefix(SERIALIZER_PREFIX, SERIALIZER_PREFIX + AvroFileSpec.CONFIG_COMPRESSION_CODEC + ", "
            + SERIALIZER_PREFIX + AvroFileSpec.CONFIG_SYNC_INTERVAL_BYTES)
        .ignore("type", "channel")
        .rejectUnknown();
    String template = r.required(CONFIG_PATH, "set it to the landing's directory, e.g. "
        + "hdfs://namenode:8020/eventstate/events/entity_type=%{es.entityType}/dt=%Y-%m-%d");
    String zoneName = r.text(CONFIG_TIME_ZONE, "UTC");
    ZoneId zone;
    try {
      zone = ZoneId.of(zoneName).normalized();
    } catch (DateTimeException e) {
      throw r.bad(CONFIG_TIME_ZONE, "is not a time zone: give a region such as UTC or Europe/Berlin");
    }
    LandingPath path;
    try {
      path = LandingPath.compile(template, zone);
    } catch (IllegalArgumentException e) {
      throw r.bad(CONFIG_PATH, e.getMessage());
    }
    LandingPath deadLetterPath;
    String deadLetterTemplate = p.get(CONFIG_DEAD_LETTER_PATH);
    if (deadLetterTemplate == null || deadLetterTemplate.isBlank()) {
      String root = path.fixedRoot();
      if (root.isEmpty()) {
        throw r.bad(CONFIG_PATH, "starts with an escape, so there is no fixed directory for the default "
            + CONFIG_DEAD_LETTER_PATH + ": set " + CONFIG_DEAD_LETTER_PATH + " to a directory of its own");
      }
      deadLetterTemplate = root.replace("%", "%%") + "/" + DEFAULT_DEAD_LETTER_DIR;
    }
    try {
      deadLetterPath = LandingPath.compile(deadLetterTemplate.trim(), zone);
    } catch (IllegalArgumentException e) {
      throw r.bad(CONFIG_DEAD_LETTER_PATH, e.getMessage());
    }
    String prefix = r.text(CONFIG_FILE_PREFIX, "events");
    if (prefix.contains("/")) {
      throw r.bad(CONFIG_FILE_PREFIX, "must not contain '/': it starts a file name; put directories in hdfs.path");
    }
    String suffix = p.containsKey(CONFIG_FILE_SUFFIX) ? p.get(CONFIG_FILE_SUFFIX).trim() : ".avro";
    String inUse = r.text(CONFIG_IN_USE_SUFFIX, ".tmp");
    if (suffix.contains("/") || inUse.contains("/")) {
      throw r.bad(suffix.contains("/") ? CONFIG_FILE_SUFFIX : CONFIG_IN_USE_SUFFIX, "must not contain '/'");
    }
    int batch = r.intValue(CONFIG_BATCH_SIZE, 1000, 1, 100_000);
    long rollBytes = r.sizeBytes(CONFIG_ROLL_SIZE, 268_435_456L, 0, Long.MAX_VALUE);
    long rollSeconds = r.longValue(CONFIG_ROLL_INTERVAL, 3600, 0, Long.MAX_VALUE / 1000);
    long rollCount = r.longValue(CONFIG_ROLL_COUNT, 0, 0, Long.MAX_VALUE);
    long idleSeconds = r.longValue(CONFIG_IDLE_TIMEOUT, 600, 0, Long.MAX_VALUE / 1000);
    int maxOpen = r.intValue(CONFIG_MAX_OPEN_FILES, 500, 1, 100_000);
    long callTimeout = r.millis(CONFIG_CALL_TIMEOUT, 30_000, 1, Long.MAX_VALUE);
    Map<String, String> serializer = new HashMap<>();
    r.under(SERIALIZER_PREFIX).forEach((k, v) -> serializer.put(k.substring(SERIALIZER_PREFIX.length()), v));
    AvroFileSpec avro;
    try {
      avro = AvroFileSpec.parse(serializer);
    } catch (IllegalArgumentException e) {
      throw r.problem(SERIALIZER_PREFIX + "*", e.getMessage());
    }
    return new LandingSpec(path, deadLetterPath, prefix, suffix, inUse, batch, rollBytes, rollSeconds * 1000,
        rollCount, idleSeconds * 1000, maxOpen, callTimeout, avro);
  }
}
