package io.eventstate.core.json;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import io.eventstate.core.config.ConfigException;

/**
 * The immutable configuration of a {@link JsonNormalizer}: where each canonical field is in the raw JSON,
 * how time is written, which attributes to keep, and the limits. Parsed from relative keys (no Flume
 * prefix) by {@link #parse(Map)}; unknown keys and bad values are rejected with the key, the value and the fix.
 *
 * <p>A path is a JSON pointer (RFC 6901) into nested objects and arrays: {@code /user_id},
 * {@code /end_device_ids/device_id}, {@code /event_details/puchased_items/0/sku}. Lists are comma-separated
 * and ordered: <b>the first candidate with a value wins</b>. A value is "missing" when the path is absent,
 * the value is JSON {@code null}, or (with {@code coerce.emptyAsMissing=true}) it is an empty string.
 * Numbers, strings and booleans are all accepted as text: {@code "user_id": 47636} becomes {@code "47636"}
 * (the number's own text, never through a {@code double}), {@code true} becomes {@code "true"}.
 * An object or array at a canonical-field path counts as missing.
 *
 * <table>
 * <caption>Keys</caption>
 * <tr><th>Key</th><th>Default</th><th>Description</th></tr>
 * <tr><td>{@code eventId.paths}</td><td>(none)</td><td>Candidates for the event id.</td></tr>
 * <tr><td>{@code eventId.hash}</td><td>(none)</td><td>When no {@code eventId.paths} value is found: hash these
 *   fields' values (MurmurHash3 x64-128, hex) instead of the whole body, e.g. {@code /session,/ts,/aid,/type}.</td></tr>
 * <tr><td></td><td></td><td>Otherwise the id is the MurmurHash3 x64-128 hex of the raw body bytes.</td></tr>
 * <tr><td>{@code entity}</td><td>(none)</td><td>Ordered {@code type:/pointer} candidates; the entity type is the
 *   type of the candidate that matched: {@code user:/user_id, device:/device_id}.</td></tr>
 * <tr><td>{@code entity.type} + {@code entity.paths}</td><td>(none)</td><td>Alternative to {@code entity}: one
 *   constant type and candidate paths for the id. Exactly one of the two forms is required.</td></tr>
 * <tr><td>{@code eventType.paths}</td><td>(none)</td><td>Candidates for the event type.</td></tr>
 * <tr><td>{@code eventType.default}</td><td>(none)</td><td>Event type when no candidate has a value; one of the
 *   two keys is required.</td></tr>
 * <tr><td>{@code time.paths}</td><td>(none)</td><td>Candidates for the event time; required unless
 *   {@code time.fallback} is {@code header} or {@code arrival}.</td></tr>
 * <tr><td>{@code time.format}</td><td>{@code auto}</td><td>See {@link TimeFormat}: {@code auto}, {@code iso8601},
 *   {@code decimal_seconds}, {@code epoch_seconds}, {@code epoch_millis}, {@code epoch_micros}, {@code epoch_nanos}.</td></tr>
 * <tr><td>{@code time.fallback}</td><td>{@code none}</td><td>When the time is missing: {@code none} (invalid),
 *   {@code header} (Flume's {@code timestamp} header, else arrival) or {@code arrival}. A present but malformed
 *   time is always invalid. The fallback is recorded in the event's {@code timeSource}.</td></tr>
 * <tr><td>{@code time.min}</td><td>1970-01-01T00:00:00Z</td><td>Earliest valid event time (ISO-8601 with a zone):
 *   an event time before it is invalid ({@code time}), which catches sentinels such as {@code 0}. Fallback times are
 *   not checked.</td></tr>
 * <tr><td>{@code attributes}</td><td>(none)</td><td>{@code name:/pointer, ...}: named values to keep. A name may be
 *   listed more than once; the first candidate with a value wins. An object or array value is flattened under
 *   the name ({@code items:/event_details/puchased_items} gives {@code items.0.sku}, ...).</td></tr>
 * <tr><td>{@code attributes.flatten}</td><td>(none)</td><td>Pointers whose whole subtree is flattened into dotted
 *   names built from the path: {@code /event_details} gives {@code event_details.puchased_items.0.sku}.</td></tr>
 * <tr><td>{@code coerce.emptyAsMissing}</td><td>{@code true}</td><td>Treat {@code ""} like {@code null} (missing).
 *   When false an empty string is a value: an empty attribute is kept, an empty id makes the event invalid.</td></tr>
 * <tr><td>{@code limits.maxBodyBytes}</td><td>1048576</td><td>Larger bodies are invalid ({@code limit}).</td></tr>
 * <tr><td>{@code limits.maxDepth}</td><td>64</td><td>Maximum nesting of objects and arrays (top-level object = 1),
 *   at most 1000.</td></tr>
 * <tr><td>{@code limits.maxAttributes}</td><td>256</td><td>More attributes make the event invalid ({@code limit}).</td></tr>
 * <tr><td>{@code limits.maxEventIdLength}</td><td>256</td><td>Longest event id in characters ({@code limit}).</td></tr>
 * <tr><td>{@code limits.maxEntityTypeLength}</td><td>64</td><td>Longest entity type in characters.</td></tr>
 * <tr><td>{@code limits.maxEntityIdLength}</td><td>1024</td><td>Longest entity id in characters ({@code limit}).</td></tr>
 * <tr><td>{@code limits.maxEventTypeLength}</td><td>256</td><td>Longest event type in characters ({@code limit}).</td></tr>
 * <tr><td>{@code limits.maxAttributeValueBytes}</td><td>65536</td><td>Largest attribute value in UTF-8 bytes
 *   ({@code limit}). With the length limits, every row key and cell stays far inside HBase's limits (row keys of
 *   32767 bytes, cells of {@code hbase.client.keyvalue.maxsize}, 10 MiB by default).</td></tr>
 * <tr><td>{@code time.maxFutureSkew}</td><td>{@code 1h}</td><td>An event time (from the body or Flume's
 *   {@code timestamp} header) further ahead of the arrival time than this is invalid ({@code time_future}), so a
 *   wrong clock cannot move an entity's watermark into the future. {@code 0} refuses every time after arrival.</td></tr>
 * </table>
 *
 * <p>Example (the talk's events):
 * <pre>
 * entity = user:/user_id, device:/device_id
 * eventType.paths = /event_type
 * time.paths = /time_utc
 * time.format = decimal_seconds
 * attributes = sku:/item_sku, sku:/event_details/puchased_items/0/sku, degrees_fahrenheit:/degrees_fahrenheit
 * attributes.flatten = /event_details
 * </pre>
 *
 * @param eventIdPaths     candidates for the event id
 * @param eventIdHash      fields hashed into the id when no candidate matched (empty: hash the body)
 * @param entity           entity candidates in order
 * @param eventTypePaths   candidates for the event type
 * @param eventTypeDefault event type when no candidate matched, or null
 * @param timePaths        candidates for the time
 * @param timeFormat       how the time is written
 * @param timeFallback     what to do when no time is found
 * @param timeMinNanos     earliest valid event time (nanoseconds since the epoch)
 * @param attributes       named attribute candidates in order
 * @param flatten          subtrees flattened into dotted attribute names
 * @param emptyAsMissing   whether "" counts as missing
 * @param maxBodyBytes     body size limit
 * @param maxDepth         nesting limit
 * @param maxAttributes    attribute count limit
 * @param maxEventIdLength      event id length limit (characters)
 * @param maxEntityTypeLength   entity type length limit (characters)
 * @param maxEntityIdLength     entity id length limit (characters)
 * @param maxEventTypeLength    event type length limit (characters)
 * @param maxAttributeValueBytes attribute value size limit (UTF-8 bytes)
 * @param maxFutureSkewNanos    how far an event time may be ahead of arrival (nanoseconds)
 */
public record NormalizerSpec(
    List<String> eventIdPaths,
    List<String> eventIdHash,
    List<EntityCandidate> entity,
    List<String> eventTypePaths,
    String eventTypeDefault,
    List<String> timePaths,
    TimeFormat timeFormat,
    TimeFallback timeFallback,
    long timeMinNanos,
    List<NamedPointer> attributes,
    List<String> flatten,
    boolean emptyAsMissing,
    int maxBodyBytes,
    int maxDepth,
    int maxAttributes,
    int maxEventIdLength,
    int maxEntityTypeLength,
    int maxEntityIdLength,
    int maxEventTypeLength,
    int maxAttributeValueBytes,
    long maxFutureSkewNanos,
    Map<String, ValueMap> valueMaps,
    java.time.ZoneId timeZone,
    List<String> timeZonePaths,
    boolean fanout) {

  /** Comma-separated JSON pointers to the event id; the first with a value wins. */
  public static final String CONFIG_EVENT_ID_PATHS = "eventId.paths";
  /** Comma-separated JSON pointers whose values are hashed into the id when {@link #CONFIG_EVENT_ID_PATHS} finds nothing. */
  public static final String CONFIG_EVENT_ID_HASH = "eventId.hash";
  /** Ordered {@code type:/pointer} entity candidates. */
  public static final String CONFIG_ENTITY = "entity";
  /** A constant entity type, used with {@link #CONFIG_ENTITY_PATHS}. */
  public static final String CONFIG_ENTITY_TYPE = "entity.type";
  /** Candidate pointers to the entity id, used with {@link #CONFIG_ENTITY_TYPE}. */
  public static final String CONFIG_ENTITY_PATHS = "entity.paths";
  /** Candidate pointers to the event type. */
  public static final String CONFIG_EVENT_TYPE_PATHS = "eventType.paths";
  /** The event type when no candidate has a value. */
  public static final String CONFIG_EVENT_TYPE_DEFAULT = "eventType.default";
  /** Candidate pointers to the event time. */
  public static final String CONFIG_TIME_PATHS = "time.paths";
  /** The time format: see {@link TimeFormat}. */
  public static final String CONFIG_TIME_FORMAT = "time.format";
  /** {@code none}, {@code header} or {@code arrival}: see {@link TimeFallback}. */
  public static final String CONFIG_TIME_FALLBACK = "time.fallback";
  /** Earliest valid event time, ISO-8601 with a zone; earlier times (sentinels such as 0) are invalid. */
  public static final String CONFIG_TIME_MIN = "time.min";
  /** Named attributes, {@code name:/pointer, ...}. */
  public static final String CONFIG_ATTRIBUTES = "attributes";
  /** Pointers to subtrees flattened into dotted attribute names. */
  public static final String CONFIG_ATTRIBUTES_FLATTEN = "attributes.flatten";
  /** Whether an empty string counts as missing, like {@code null}. */
  public static final String CONFIG_EMPTY_AS_MISSING = "coerce.emptyAsMissing";
  /** Largest accepted body in bytes. */
  public static final String CONFIG_MAX_BODY_BYTES = "limits.maxBodyBytes";
  /** Deepest accepted nesting of objects and arrays; the top-level object is depth 1. */
  public static final String CONFIG_MAX_DEPTH = "limits.maxDepth";
  /** Most attributes an event may have. */
  public static final String CONFIG_MAX_ATTRIBUTES = "limits.maxAttributes";

  /** Longest event id, in characters. */
  public static final String CONFIG_MAX_EVENT_ID_LENGTH = "limits.maxEventIdLength";
  /** Longest entity type, in characters. */
  public static final String CONFIG_MAX_ENTITY_TYPE_LENGTH = "limits.maxEntityTypeLength";
  /** Longest entity id, in characters. */
  public static final String CONFIG_MAX_ENTITY_ID_LENGTH = "limits.maxEntityIdLength";
  /** Longest event type, in characters. */
  public static final String CONFIG_MAX_EVENT_TYPE_LENGTH = "limits.maxEventTypeLength";
  /** Largest attribute value, in UTF-8 bytes. */
  public static final String CONFIG_MAX_ATTRIBUTE_VALUE_BYTES = "limits.maxAttributeValueBytes";
  /** How far an event time may be ahead of the arrival time ({@code 30m}, {@code 1h}, {@code 1d}, {@code 0}). */
  public static final String CONFIG_TIME_MAX_FUTURE_SKEW = "time.maxFutureSkew";

  /** Value map of the event type: {@code from=to, ...}. */
  public static final String CONFIG_EVENT_TYPE_MAP = "eventType.map";
  /** Prefix of every value-map key: {@code eventType.map*} for the event type, {@code attributes.map.<name>*} for an attribute. */
  public static final String MAP_SUFFIX = ".map";
  /** Prefix of the attribute value maps: {@code attributes.map.<name> = from=to, ...}. */
  public static final String CONFIG_ATTRIBUTE_MAP_PREFIX = "attributes.map.";
  /** The zone of naive local times (no offset in the value): {@code Europe/Berlin}, {@code UTC}, {@code +02:00}. */
  public static final String CONFIG_TIME_ZONE = "time.zone";
  /** Candidates for a zone taken from the event itself; used before {@link #CONFIG_TIME_ZONE}. */
  public static final String CONFIG_TIME_ZONE_PATHS = "time.zone.paths";
  /** {@code true}: one event per entity candidate that has a value, each with its own event id. */
  public static final String CONFIG_ENTITY_FANOUT = "entity.fanout";

  /** Default of {@link #CONFIG_MAX_EVENT_ID_LENGTH}. */
  public static final int DEFAULT_MAX_EVENT_ID_LENGTH = 256;
  /** Default of {@link #CONFIG_MAX_ENTITY_TYPE_LENGTH}. */
  public static final int DEFAULT_MAX_ENTITY_TYPE_LENGTH = 64;
  /** Default of {@link #CONFIG_MAX_ENTITY_ID_LENGTH}. */
  public static final int DEFAULT_MAX_ENTITY_ID_LENGTH = 1024;
  /** Default of {@link #CONFIG_MAX_EVENT_TYPE_LENGTH}. */
  public static final int DEFAULT_MAX_EVENT_TYPE_LENGTH = 256;
  /** Default of {@link #CONFIG_MAX_ATTRIBUTE_VALUE_BYTES}: 64 KiB. */
  public static final int DEFAULT_MAX_ATTRIBUTE_VALUE_BYTES = 64 * 1024;
  /** Default of {@link #CONFIG_TIME_MAX_FUTURE_SKEW}: one hour. */
  public static final long DEFAULT_MAX_FUTURE_SKEW_NANOS = 3_600_000_000_000L;
  /**
   * Upper bound of the four length limits. An escaped key character takes at most 6 bytes ({@code %uXXXX}), and a row
   * key holds the entity type, entity id and event id plus about 40 bytes, so at these bounds a row key stays below
   * HBase's 32767 bytes.
   */
  public static final int MAX_KEY_PART_LENGTH = 1800;
  /** Upper bound of {@link #CONFIG_MAX_ATTRIBUTE_VALUE_BYTES}: 4 MiB, well inside HBase's default 10 MiB cell limit. */
  public static final int MAX_ATTRIBUTE_VALUE_BYTES = 4 << 20;

  /** Default of {@link #CONFIG_TIME_FORMAT}. */
  public static final TimeFormat DEFAULT_TIME_FORMAT = TimeFormat.AUTO;
  /** Default of {@link #CONFIG_TIME_FALLBACK}. */
  public static final TimeFallback DEFAULT_TIME_FALLBACK = TimeFallback.NONE;
  /** Default of {@link #CONFIG_EMPTY_AS_MISSING}. */
  public static final boolean DEFAULT_EMPTY_AS_MISSING = true;
  /** Default of {@link #CONFIG_MAX_BODY_BYTES}: 1 MiB. */
  public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;
  /** Default of {@link #CONFIG_MAX_DEPTH}. */
  public static final int DEFAULT_MAX_DEPTH = 64;
  /** Default of {@link #CONFIG_MAX_ATTRIBUTES}. */
  public static final int DEFAULT_MAX_ATTRIBUTES = 256;
  /** Upper bound of {@link #CONFIG_MAX_DEPTH}. */
  public static final int MAX_MAX_DEPTH = 1000;

  /** Every key {@link #parse(Map)} accepts. */
  public static final Set<String> KEYS = Set.of(CONFIG_EVENT_ID_PATHS, CONFIG_EVENT_ID_HASH, CONFIG_ENTITY,
      CONFIG_ENTITY_TYPE, CONFIG_ENTITY_PATHS, CONFIG_EVENT_TYPE_PATHS, CONFIG_EVENT_TYPE_DEFAULT, CONFIG_TIME_PATHS,
      CONFIG_TIME_FORMAT, CONFIG_TIME_FALLBACK, CONFIG_TIME_MIN, CONFIG_ATTRIBUTES, CONFIG_ATTRIBUTES_FLATTEN, CONFIG_EMPTY_AS_MISSING,
      CONFIG_MAX_BODY_BYTES, CONFIG_MAX_DEPTH, CONFIG_MAX_ATTRIBUTES, CONFIG_MAX_EVENT_ID_LENGTH,
      CONFIG_MAX_ENTITY_TYPE_LENGTH, CONFIG_MAX_ENTITY_ID_LENGTH, CONFIG_MAX_EVENT_TYPE_LENGTH,
      CONFIG_MAX_ATTRIBUTE_VALUE_BYTES, CONFIG_TIME_MAX_FUTURE_SKEW, CONFIG_TIME_ZONE, CONFIG_TIME_ZONE_PATHS,
      CONFIG_ENTITY_FANOUT);

  /** True for a key {@link #parse} accepts: {@link #KEYS} and the value-map keys. */
  public static boolean isKey(String key) {
    return KEYS.contains(key) || key.startsWith(CONFIG_EVENT_TYPE_MAP) || key.startsWith(CONFIG_ATTRIBUTE_MAP_PREFIX);
  }

  /** One entity candidate: the entity type it implies and the pointer to the id. */
  public record EntityCandidate(String type, String pointer) {
    public EntityCandidate {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(pointer, "pointer");
    }
  }

  /** A named pointer: an attribute name and where its value is. */
  public record NamedPointer(String name, String pointer) {
    public NamedPointer {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(pointer, "pointer");
    }
  }

  public NormalizerSpec {
    eventIdPaths = List.copyOf(eventIdPaths);
    eventIdHash = List.copyOf(eventIdHash);
    entity = List.copyOf(entity);
    eventTypePaths = List.copyOf(eventTypePaths);
    timePaths = List.copyOf(timePaths);
    attributes = List.copyOf(attributes);
    flatten = List.copyOf(flatten);
    valueMaps = Map.copyOf(valueMaps);
    timeZonePaths = List.copyOf(timeZonePaths);
    Objects.requireNonNull(timeFormat, "timeFormat");
    Objects.requireNonNull(timeFallback, "timeFallback");
  }

  /**
   * Parses and validates a spec.
   *
   * @param props relative keys (no Flume prefix) to values
   * @throws IllegalArgumentException naming the key, the bad value and the fix
   */
  public static NormalizerSpec parse(Map<String, String> props) {
    return parse(props, null);
  }

  /**
   * Parses and validates a spec whose value-map files ({@code *.map.file}) are resolved against {@code baseDir}
   * (the mapping file's directory), or against the working directory when it is null.
   */
  public static NormalizerSpec parse(Map<String, String> props, java.nio.file.Path baseDir) {
    Objects.requireNonNull(props, "props");
    new io.eventstate.core.config.ConfigReader(null, props).keys(KEYS).prefix(CONFIG_EVENT_TYPE_MAP + ".")
        .prefix(CONFIG_EVENT_TYPE_MAP, CONFIG_EVENT_TYPE_MAP).prefix(CONFIG_ATTRIBUTE_MAP_PREFIX).rejectUnknown();

    List<String> eventIdPaths = SpecSupport.sources(props, CONFIG_EVENT_ID_PATHS);
    List<String> eventIdHash = SpecSupport.sources(props, CONFIG_EVENT_ID_HASH);

    List<EntityCandidate> entity = new ArrayList<>();
    boolean hasCandidates = props.containsKey(CONFIG_ENTITY);
    boolean hasConstant = props.containsKey(CONFIG_ENTITY_TYPE) || props.containsKey(CONFIG_ENTITY_PATHS);
    if (hasCandidates && hasConstant) {
      throw SpecSupport.error(CONFIG_ENTITY_TYPE, String.valueOf(props.get(CONFIG_ENTITY_TYPE)),
          "use either '" + CONFIG_ENTITY + "' (type:/pointer candidates) or '" + CONFIG_ENTITY_TYPE + "' + '"
              + CONFIG_ENTITY_PATHS + "', not both");
    }
    if (hasCandidates) {
      String v = props.get(CONFIG_ENTITY);
      for (String item : SpecSupport.list(props, CONFIG_ENTITY)) {
        String[] np = SpecSupport.namedSource(CONFIG_ENTITY, v, item, "entity type");
        entity.add(new EntityCandidate(np[0], np[1]));
      }
      if (entity.isEmpty()) {
        throw SpecSupport.error(CONFIG_ENTITY, v, "needs at least one type:/pointer candidate, e.g. user:/user_id");
      }
    } else if (hasConstant) {
      String type = props.get(CONFIG_ENTITY_TYPE);
      if (type == null) {
        throw SpecSupport.error(CONFIG_ENTITY_TYPE, "(unset)", "'" + CONFIG_ENTITY_PATHS
            + "' needs a constant entity type in '" + CONFIG_ENTITY_TYPE + "', e.g. package");
      }
      SpecSupport.checkName(CONFIG_ENTITY_TYPE, type.trim(), "entity type");
      List<String> paths = SpecSupport.sources(props, CONFIG_ENTITY_PATHS);
      if (paths.isEmpty()) {
        throw SpecSupport.error(CONFIG_ENTITY_PATHS, String.valueOf(props.get(CONFIG_ENTITY_PATHS)),
            "needs at least one pointer to the entity id, e.g. /tracking_code");
      }
      for (String p : paths) {
        entity.add(new EntityCandidate(type.trim(), p));
      }
    } else {
      throw ConfigException.missing(null, CONFIG_ENTITY, "set '" + CONFIG_ENTITY
          + " = user:/user_id, device:/device_id' or '" + CONFIG_ENTITY_TYPE + " = package' with '"
          + CONFIG_ENTITY_PATHS + " = /tracking_code'");
    }

    List<String> eventTypePaths = SpecSupport.sources(props, CONFIG_EVENT_TYPE_PATHS);
    String eventTypeDefault = props.get(CONFIG_EVENT_TYPE_DEFAULT);
    if (eventTypeDefault != null) {
      eventTypeDefault = eventTypeDefault.trim();
      if (eventTypeDefault.isEmpty()) {
        throw SpecSupport.error(CONFIG_EVENT_TYPE_DEFAULT, "", "must not be empty; remove the key or give a type such as uplink");
      }
    }
    if (eventTypePaths.isEmpty() && eventTypeDefault == null) {
      throw ConfigException.missing(null, CONFIG_EVENT_TYPE_PATHS, "set it (e.g. /event_type) or set '"
          + CONFIG_EVENT_TYPE_DEFAULT + "' to a constant event type");
    }

    List<String> timePaths = SpecSupport.sources(props, CONFIG_TIME_PATHS);
    TimeFormat timeFormat = DEFAULT_TIME_FORMAT;
    String tf = props.get(CONFIG_TIME_FORMAT);
    if (tf != null) {
      try {
        timeFormat = TimeFormat.fromLabel(tf.trim().toLowerCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw SpecSupport.error(CONFIG_TIME_FORMAT, tf, "must be one of " + TimeFormat.labels());
      }
    }
    TimeFallback fallback = DEFAULT_TIME_FALLBACK;
    String fb = props.get(CONFIG_TIME_FALLBACK);
    if (fb != null) {
      try {
        fallback = TimeFallback.valueOf(fb.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw SpecSupport.error(CONFIG_TIME_FALLBACK, fb, "must be one of none, header, arrival");
      }
    }
    if (timePaths.isEmpty() && fallback == TimeFallback.NONE) {
      throw ConfigException.missing(null, CONFIG_TIME_PATHS, "set it (e.g. /time_utc), or set '"
          + CONFIG_TIME_FALLBACK + "' to header or arrival to time events by Flume's timestamp header or arrival");
    }

    long timeMin = 0L;
    String tmin = props.get(CONFIG_TIME_MIN);
    if (tmin != null) {
      try {
        timeMin = TimeFormat.ISO8601.toNanos(tmin.trim(), false);
      } catch (InvalidTimeException e) {
        throw SpecSupport.error(CONFIG_TIME_MIN, tmin, e.getMessage() + "; write an ISO-8601 time with a zone, e.g. 2000-01-01T00:00:00Z");
      }
    }

    List<NamedPointer> attributes = new ArrayList<>();
    String av = props.get(CONFIG_ATTRIBUTES);
    for (String item : SpecSupport.list(props, CONFIG_ATTRIBUTES)) {
      String[] np = SpecSupport.namedSource(CONFIG_ATTRIBUTES, av, item, "attribute name");
      attributes.add(new NamedPointer(np[0], np[1]));
    }
    List<String> flatten = SpecSupport.pointers(props, CONFIG_ATTRIBUTES_FLATTEN);

    boolean emptyAsMissing = SpecSupport.boolValue(props, CONFIG_EMPTY_AS_MISSING, DEFAULT_EMPTY_AS_MISSING);
    int maxBody = SpecSupport.intValue(props, CONFIG_MAX_BODY_BYTES, DEFAULT_MAX_BODY_BYTES, 2, Integer.MAX_VALUE - 16);
    int maxDepth = SpecSupport.intValue(props, CONFIG_MAX_DEPTH, DEFAULT_MAX_DEPTH, 1, MAX_MAX_DEPTH);
    int maxAttributes = SpecSupport.intValue(props, CONFIG_MAX_ATTRIBUTES, DEFAULT_MAX_ATTRIBUTES, 0, 1_000_000);

    int maxEventId = SpecSupport.intValue(props, CONFIG_MAX_EVENT_ID_LENGTH, DEFAULT_MAX_EVENT_ID_LENGTH, 1,
        MAX_KEY_PART_LENGTH);
    int maxEntityType = SpecSupport.intValue(props, CONFIG_MAX_ENTITY_TYPE_LENGTH, DEFAULT_MAX_ENTITY_TYPE_LENGTH, 1,
        MAX_KEY_PART_LENGTH);
    int maxEntityId = SpecSupport.intValue(props, CONFIG_MAX_ENTITY_ID_LENGTH, DEFAULT_MAX_ENTITY_ID_LENGTH, 1,
        MAX_KEY_PART_LENGTH);
    int maxEventType = SpecSupport.intValue(props, CONFIG_MAX_EVENT_TYPE_LENGTH, DEFAULT_MAX_EVENT_TYPE_LENGTH, 1,
        MAX_KEY_PART_LENGTH);
    int maxValue = SpecSupport.intValue(props, CONFIG_MAX_ATTRIBUTE_VALUE_BYTES, DEFAULT_MAX_ATTRIBUTE_VALUE_BYTES, 1,
        MAX_ATTRIBUTE_VALUE_BYTES);
    for (EntityCandidate c : entity) {
      if (c.type().length() > maxEntityType) {
        throw SpecSupport.error(hasCandidates ? CONFIG_ENTITY : CONFIG_ENTITY_TYPE, c.type(), "the entity type has "
            + c.type().length() + " characters, over " + CONFIG_MAX_ENTITY_TYPE_LENGTH + "=" + maxEntityType
            + ": use a shorter type or raise the limit");
      }
    }
    if (eventTypeDefault != null && eventTypeDefault.length() > maxEventType) {
      throw SpecSupport.error(CONFIG_EVENT_TYPE_DEFAULT, eventTypeDefault, "has " + eventTypeDefault.length()
          + " characters, over " + CONFIG_MAX_EVENT_TYPE_LENGTH + "=" + maxEventType);
    }
    long skew = DEFAULT_MAX_FUTURE_SKEW_NANOS;
    String sk = props.get(CONFIG_TIME_MAX_FUTURE_SKEW);
    if (sk != null) {
      String t = sk.trim();
      if (t.equals("0")) {
        skew = 0L;
      } else {
        try {
          skew = io.eventstate.core.fsm.Durations.parseNanos(t);
        } catch (IllegalArgumentException e) {
          throw SpecSupport.error(CONFIG_TIME_MAX_FUTURE_SKEW, sk, io.eventstate.core.fsm.Durations.FORMAT_HELP);
        }
      }
    }

    java.time.ZoneId zone = null;
    String tz = props.get(CONFIG_TIME_ZONE);
    if (tz != null) {
      try {
        zone = java.time.ZoneId.of(tz.trim());
      } catch (java.time.DateTimeException e) {
        throw SpecSupport.error(CONFIG_TIME_ZONE, tz, "not a zone: write a region such as Europe/Berlin, UTC, or an "
            + "offset such as +02:00");
      }
    }
    List<String> zonePaths = SpecSupport.sources(props, CONFIG_TIME_ZONE_PATHS);
    if (!zonePaths.isEmpty() && timePaths.isEmpty()) {
      throw SpecSupport.error(CONFIG_TIME_ZONE_PATHS, props.get(CONFIG_TIME_ZONE_PATHS), "a zone needs a time: set "
          + CONFIG_TIME_PATHS + " too, or remove this key");
    }
    boolean fanout = SpecSupport.boolValue(props, CONFIG_ENTITY_FANOUT, false);
    if (fanout && entity.size() < 2) {
      throw SpecSupport.error(CONFIG_ENTITY_FANOUT, props.get(CONFIG_ENTITY_FANOUT), "fan-out needs two or more entity "
          + "candidates in '" + CONFIG_ENTITY + "' (e.g. issue:/issue/id, user:/sender/login); set it to false");
    }
    Map<String, ValueMap> maps = ValueMap.parseAll(props, baseDir, attributes);

    return new NormalizerSpec(eventIdPaths, eventIdHash, entity, eventTypePaths, eventTypeDefault, timePaths, timeFormat,
        fallback, timeMin, attributes, flatten, emptyAsMissing, maxBody, maxDepth, maxAttributes, maxEventId,
        maxEntityType, maxEntityId, maxEventType, maxValue, skew, maps, zone, zonePaths, fanout);
  }
}
