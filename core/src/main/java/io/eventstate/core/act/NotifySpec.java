package io.eventstate.core.act;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.eventstate.core.config.ConfigException;
import io.eventstate.core.config.ConfigReader;
import io.eventstate.core.rowkey.EventSinkSpec;

/**
 * The {@code notify.*} keys of {@code io.eventstate.flume.sink.EventSink}: where and how the sink sends
 * notifications (Avro RPC, flume-ng-sdk's {@code RpcClient}) after a batch is stored and before its channel
 * transaction commits. Without any {@code notify.*} key the sink sends nothing.
 *
 * <table>
 *   <caption>Notification keys of the EventSink</caption>
 *   <tr><th>Property</th><th>Default</th><th>Description</th></tr>
 *   <tr><td>{@code notify.hostname}</td><td>(required)</td><td>host of the Avro source receiving notifications</td></tr>
 *   <tr><td>{@code notify.port}</td><td>(required)</td><td>its port</td></tr>
 *   <tr><td>{@code notify.transitions}</td><td>{@code true}</td><td>send the transitions marked {@code notify} in the
 *       machine definitions (the coprocessor's {@code d:notify} cells of the events just written)</td></tr>
 *   <tr><td>{@code notify.tags}</td><td></td><td>comma-separated tags: an event carrying one (set by a tagging rule)
 *       is sent as a rule notification with that tag as its topic</td></tr>
 *   <tr><td>{@code notify.batchSize}</td><td>100</td><td>notifications per Avro call</td></tr>
 *   <tr><td>{@code notify.connectTimeoutMs}</td><td>5000</td><td>connect timeout</td></tr>
 *   <tr><td>{@code notify.requestTimeoutMs}</td><td>10000</td><td>timeout of one Avro call</td></tr>
 * </table>
 *
 * @param enabled false when no {@code notify.*} key is set
 */
public record NotifySpec(boolean enabled, String hostname, int port, boolean transitions, List<String> tags,
    int batchSize, long connectTimeoutMs, long requestTimeoutMs) {

  public static final String PREFIX = EventSinkSpec.NOTIFY_PREFIX;
  /** Where the receiving Flume Avro source listens: host (required to enable notifications). */
  public static final String CONFIG_HOSTNAME = "notify.hostname";
  /** ... and port (required with the host). */
  public static final String CONFIG_PORT = "notify.port";
  /** Whether transitions marked {@code notify} are sent (default true). */
  public static final String CONFIG_TRANSITIONS = "notify.transitions";
  /** Tags whose events are sent as rule notifications (comma-separated). */
  public static final String CONFIG_TAGS = "notify.tags";
  /** Notifications per Avro batch. */
  public static final String CONFIG_BATCH_SIZE = "notify.batchSize";
  /** Connect timeout of the Avro client. */
  public static final String CONFIG_CONNECT_TIMEOUT_MS = "notify.connectTimeoutMs";
  /** Request timeout of the Avro client. */
  public static final String CONFIG_REQUEST_TIMEOUT_MS = "notify.requestTimeoutMs";

  public static final int DEFAULT_BATCH_SIZE = 100;
  public static final long DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
  public static final long DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

  /** Nothing is sent. */
  public static final NotifySpec DISABLED = new NotifySpec(false, null, 0, false, List.of(), DEFAULT_BATCH_SIZE,
      DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS);

  /** Every key {@link #parse(Map)} reads. */
  public static final Set<String> KEYS = Set.of(CONFIG_HOSTNAME, CONFIG_PORT, CONFIG_TRANSITIONS, CONFIG_TAGS,
      CONFIG_BATCH_SIZE, CONFIG_CONNECT_TIMEOUT_MS, CONFIG_REQUEST_TIMEOUT_MS);

  public NotifySpec {
    tags = List.copyOf(tags);
  }

  /**
   * Parses the {@code notify.*} keys of a sink's parameters (other keys are {@code EventSinkSpec}'s).
   *
   * @throws ConfigException naming the key, the bad value and the fix
   */
  public static NotifySpec parse(Map<String, String> sinkParameters) {
    Map<String, String> conf = new TreeMap<>();
    for (Map.Entry<String, String> e : sinkParameters.entrySet()) {
      if (e.getKey().startsWith(PREFIX)) {
        conf.put(e.getKey(), e.getValue());
      }
    }
    ConfigReader r = new ConfigReader(null, conf).keys(KEYS).rejectUnknown();
    if (conf.isEmpty()) {
      return DISABLED;
    }
    String host = r.required(CONFIG_HOSTNAME, "notify.* keys are set " + conf.keySet() + ": name the host of the"
        + " Avro source that receives notifications, or remove the notify.* keys");
    int port = r.requiredInt(CONFIG_PORT, 1, 65_535, "set the Avro source's port");
    boolean transitions = r.bool(CONFIG_TRANSITIONS, true);
    List<String> tags = r.list(CONFIG_TAGS);
    if (r.has(CONFIG_TAGS) && tags.isEmpty()) {
      throw r.bad(CONFIG_TAGS, "lists no tag; list tags (a,b) or remove the key");
    }
    if (!transitions && tags.isEmpty()) {
      throw r.problem(CONFIG_TRANSITIONS, "key '" + CONFIG_TRANSITIONS + "' is false and '" + CONFIG_TAGS
          + "' is not set: nothing would be sent; set notify.tags or remove the notify.* keys");
    }
    int batch = r.intValue(CONFIG_BATCH_SIZE, DEFAULT_BATCH_SIZE, 1, 10_000);
    long connect = r.millis(CONFIG_CONNECT_TIMEOUT_MS, DEFAULT_CONNECT_TIMEOUT_MS, 1, 600_000);
    long request = r.millis(CONFIG_REQUEST_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS, 1, 600_000);
    return new NotifySpec(true, host, port, transitions, tags, batch, connect, request);
  }
}
