package io.eventstate.core.notify;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

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

  public static final String PREFIX = "notify.";
  public static final String CONFIG_HOSTNAME = PREFIX + "hostname";
  public static final String CONFIG_PORT = PREFIX + "port";
  public static final String CONFIG_TRANSITIONS = PREFIX + "transitions";
  public static final String CONFIG_TAGS = PREFIX + "tags";
  public static final String CONFIG_BATCH_SIZE = PREFIX + "batchSize";
  public static final String CONFIG_CONNECT_TIMEOUT_MS = PREFIX + "connectTimeoutMs";
  public static final String CONFIG_REQUEST_TIMEOUT_MS = PREFIX + "requestTimeoutMs";

  public static final int DEFAULT_BATCH_SIZE = 100;
  public static final long DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
  public static final long DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

  /** Nothing is sent. */
  public static final NotifySpec DISABLED = new NotifySpec(false, null, 0, false, List.of(), DEFAULT_BATCH_SIZE,
      DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS);

  private static final Set<String> KNOWN = Set.of(CONFIG_HOSTNAME, CONFIG_PORT, CONFIG_TRANSITIONS, CONFIG_TAGS,
      CONFIG_BATCH_SIZE, CONFIG_CONNECT_TIMEOUT_MS, CONFIG_REQUEST_TIMEOUT_MS);

  public NotifySpec {
    tags = List.copyOf(tags);
  }

  /**
   * Parses the {@code notify.*} keys of a sink's parameters (other keys are ignored here).
   *
   * @throws IllegalArgumentException naming the key, the bad value and the fix
   */
  public static NotifySpec parse(Map<String, String> sinkParameters) {
    Map<String, String> conf = new TreeMap<>();
    for (Map.Entry<String, String> e : sinkParameters.entrySet()) {
      if (e.getKey().startsWith(PREFIX)) {
        if (!KNOWN.contains(e.getKey())) {
          throw new IllegalArgumentException("EventSink: unknown key " + e.getKey() + " (value '" + e.getValue()
              + "'); notification keys are " + new TreeSet<>(KNOWN));
        }
        conf.put(e.getKey(), e.getValue().trim());
      }
    }
    if (conf.isEmpty()) {
      return DISABLED;
    }
    String host = conf.get(CONFIG_HOSTNAME);
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("EventSink: key " + CONFIG_HOSTNAME + " is missing although notify.* keys are"
          + " set " + conf.keySet() + ": name the host of the Avro source that receives notifications, or remove"
          + " the notify.* keys");
    }
    String portText = conf.get(CONFIG_PORT);
    if (portText == null) {
      throw new IllegalArgumentException("EventSink: key " + CONFIG_PORT + " is missing: set the Avro source's port");
    }
    int port = (int) number(CONFIG_PORT, portText, 1, 65_535);
    boolean transitions = true;
    String t = conf.get(CONFIG_TRANSITIONS);
    if (t != null) {
      transitions = switch (t.toLowerCase(Locale.ROOT)) {
        case "true" -> true;
        case "false" -> false;
        default -> throw new IllegalArgumentException("EventSink: key " + CONFIG_TRANSITIONS + " value was set to '"
            + t + "', must be true or false");
      };
    }
    List<String> tags = new ArrayList<>();
    String tagText = conf.get(CONFIG_TAGS);
    if (tagText != null) {
      for (String tag : tagText.split(",")) {
        if (!tag.isBlank()) {
          tags.add(tag.trim());
        }
      }
      if (tags.isEmpty()) {
        throw new IllegalArgumentException("EventSink: key " + CONFIG_TAGS + " is empty: list tags or remove it");
      }
    }
    if (!transitions && tags.isEmpty()) {
      throw new IllegalArgumentException("EventSink: key " + CONFIG_TRANSITIONS + " is false and " + CONFIG_TAGS
          + " is not set: nothing would be sent; set notify.tags or remove the notify.* keys");
    }
    int batch = conf.containsKey(CONFIG_BATCH_SIZE) ? (int) number(CONFIG_BATCH_SIZE, conf.get(CONFIG_BATCH_SIZE), 1,
        10_000) : DEFAULT_BATCH_SIZE;
    long connect = conf.containsKey(CONFIG_CONNECT_TIMEOUT_MS)
        ? number(CONFIG_CONNECT_TIMEOUT_MS, conf.get(CONFIG_CONNECT_TIMEOUT_MS), 1, 600_000) : DEFAULT_CONNECT_TIMEOUT_MS;
    long request = conf.containsKey(CONFIG_REQUEST_TIMEOUT_MS)
        ? number(CONFIG_REQUEST_TIMEOUT_MS, conf.get(CONFIG_REQUEST_TIMEOUT_MS), 1, 600_000) : DEFAULT_REQUEST_TIMEOUT_MS;
    return new NotifySpec(true, host, port, transitions, tags, batch, connect, request);
  }

  private static long number(String key, String v, long min, long max) {
    try {
      long n = Long.parseLong(v);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("EventSink: key " + key + " value was set to '" + v + "', must be an integer from "
        + min + " to " + max);
  }
}
