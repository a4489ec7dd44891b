package io.eventstate.core.config;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The configuration of {@code io.eventstate.flume.sink.EventAvroSerializer}, the HDFS sink's serializer that
 * writes each canonical event as one record of {@code conf/avro/event.avsc} into Avro container files. Flume
 * passes the HDFS sink's {@code serializer.*} keys without the prefix. Unknown keys are rejected; every message
 * names the key, the bad value and the fix.
 *
 * <table>
 *   <caption>EventAvroSerializer keys (after {@code serializer.})</caption>
 *   <tr><th>Property</th><th>Default</th><th>Description</th></tr>
 *   <tr><td>{@code compressionCodec}</td><td>{@code snappy}</td><td>Avro block codec: {@code null}, {@code deflate},
 *       {@code snappy}, {@code bzip2}, {@code xz} or {@code zstandard}; Hive and Impala read {@code snappy} and
 *       {@code deflate}</td></tr>
 *   <tr><td>{@code syncIntervalBytes}</td><td>2048000</td><td>approximate size of one Avro block before
 *       compression (32 to 1073741824)</td></tr>
 * </table>
 *
 * @param codec             the Avro codec name as Avro's {@code CodecFactory.fromString} takes it
 * @param syncIntervalBytes the block size
 */
public record AvroFileSpec(String codec, int syncIntervalBytes) {

  /** Avro block codec. */
  public static final String CONFIG_COMPRESSION_CODEC = "compressionCodec";
  /** Avro block size. */
  public static final String CONFIG_SYNC_INTERVAL_BYTES = "syncIntervalBytes";

  public static final String DEFAULT_COMPRESSION_CODEC = "snappy";
  public static final int DEFAULT_SYNC_INTERVAL_BYTES = 2_048_000;

  /** The codecs Avro 1.11 names. */
  public static final List<String> CODECS = List.of("null", "deflate", "snappy", "bzip2", "xz", "zstandard");

  private static final Set<String> KNOWN = Set.of(CONFIG_COMPRESSION_CODEC, CONFIG_SYNC_INTERVAL_BYTES);
  private static final String WHO = "EventAvroSerializer";

  /** The defaults. */
  public static AvroFileSpec defaults() {
    return parse(Map.of());
  }

  /** Parses the serializer's context parameters (Flume's {@code serializer.} prefix already removed). */
  public static AvroFileSpec parse(Map<String, String> p) {
    Set<String> unknown = new TreeSet<>(p.keySet());
    unknown.removeAll(KNOWN);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(WHO + ": unknown key(s) " + unknown + " (after serializer.): valid keys are "
          + new TreeSet<>(KNOWN));
    }
    String codec = p.getOrDefault(CONFIG_COMPRESSION_CODEC, DEFAULT_COMPRESSION_CODEC).trim();
    if (!CODECS.contains(codec)) {
      throw new IllegalArgumentException(WHO + ": key serializer." + CONFIG_COMPRESSION_CODEC + " value was set to '"
          + codec + "', must be one of " + CODECS);
    }
    String sync = p.get(CONFIG_SYNC_INTERVAL_BYTES);
    int syncBytes = DEFAULT_SYNC_INTERVAL_BYTES;
    if (sync != null) {
      try {
        syncBytes = Integer.parseInt(sync.trim());
      } catch (NumberFormatException e) {
        syncBytes = -1;
      }
      if (syncBytes < 32 || syncBytes > (1 << 30)) {
        throw new IllegalArgumentException(WHO + ": key serializer." + CONFIG_SYNC_INTERVAL_BYTES + " value was set to '"
            + sync + "', must be an integer from 32 to " + (1 << 30));
      }
    }
    return new AvroFileSpec(codec, syncBytes);
  }
}
