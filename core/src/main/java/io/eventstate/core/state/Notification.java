package io.eventstate.core.state;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.eventstate.core.event.EventHeaders;

/**
 * A notification fed forward as a new Flume event: a state-machine transition marked {@code "notify": true}
 * (computed by the coprocessor, kept on the event row as {@code d:notify}) or an event tagged with a notify topic
 * (a tagging rule, sent by the sink).
 *
 * <p>The id is stable: the same transition caused by the same event always has the same id, whichever delivery or
 * replay sends it, so a consumer dedupes on {@link #HEADER_ID}. Its form is
 * {@code <entityType>:<entityId>|<machine>|<from>><to>|<trigger>|<eventId>} for a transition and
 * {@code <entityType>:<entityId>|tag:<topic>|<eventId>} for a rule; {@code %} and {@code |} inside a part are
 * percent-escaped.
 *
 * @param kind      {@code transition} or {@code rule}
 * @param machine   the machine (transition), or null
 * @param from      the state path before (transition), or null
 * @param to        the state path after (transition), or null
 * @param trigger   the event type or the timeout label (transition), or null
 * @param topic     the notify topic (rule), or null
 */
public record Notification(String id, String kind, String entityType, String entityId, String eventId,
    long eventTimeNanos, String machine, String from, String to, String trigger, String topic) {

  public static final String KIND_TRANSITION = "transition";
  public static final String KIND_RULE = "rule";

  /** Header prefix of notification events. */
  public static final String HEADER_PREFIX = EventHeaders.PREFIX + "notify.";
  /** The stable notification id: dedupe on it. */
  public static final String HEADER_ID = HEADER_PREFIX + "id";
  public static final String HEADER_KIND = HEADER_PREFIX + "kind";
  public static final String HEADER_MACHINE = HEADER_PREFIX + "machine";
  public static final String HEADER_FROM = HEADER_PREFIX + "from";
  public static final String HEADER_TO = HEADER_PREFIX + "to";
  public static final String HEADER_TRIGGER = HEADER_PREFIX + "trigger";
  public static final String HEADER_TOPIC = HEADER_PREFIX + "topic";
  /** The causing event's id ({@code es.notify.eventId}); the canonical {@code es.eventId} is not set. */
  public static final String HEADER_EVENT_ID = HEADER_PREFIX + "eventId";

  private static final ObjectMapper JSON = new ObjectMapper();

  public Notification {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(kind, "kind");
  }

  /** A transition notification. */
  public static Notification transition(String entityType, String entityId, String eventId, long eventTimeNanos,
      String machine, String from, String to, String trigger) {
    String id = esc(entityType) + ":" + esc(entityId) + "|" + esc(machine) + "|" + esc(from) + ">" + esc(to) + "|"
        + esc(trigger) + "|" + esc(eventId);
    return new Notification(id, KIND_TRANSITION, entityType, entityId, eventId, eventTimeNanos, machine, from, to,
        trigger, null);
  }

  /** A rule (tag topic) notification. */
  public static Notification rule(String entityType, String entityId, String eventId, long eventTimeNanos,
      String topic) {
    String id = esc(entityType) + ":" + esc(entityId) + "|tag:" + esc(topic) + "|" + esc(eventId);
    return new Notification(id, KIND_RULE, entityType, entityId, eventId, eventTimeNanos, null, null, null, null,
        topic);
  }

  private static String esc(String s) {
    return s == null ? "" : s.replace("%", "%25").replace("|", "%7C");
  }

  /** The Flume headers of the notification event. */
  public Map<String, String> headers() {
    Map<String, String> h = new LinkedHashMap<>();
    h.put(HEADER_ID, id);
    h.put(HEADER_KIND, kind);
    h.put(EventHeaders.ENTITY_TYPE, entityType);
    h.put(EventHeaders.ENTITY_ID, entityId);
    h.put(HEADER_EVENT_ID, eventId);
    h.put(EventHeaders.EVENT_TIME, Long.toString(eventTimeNanos));
    h.put(EventHeaders.FLUME_TIMESTAMP, Long.toString(Math.floorDiv(eventTimeNanos, 1_000_000L)));
    putIf(h, HEADER_MACHINE, machine);
    putIf(h, HEADER_FROM, from);
    putIf(h, HEADER_TO, to);
    putIf(h, HEADER_TRIGGER, trigger);
    putIf(h, HEADER_TOPIC, topic);
    return h;
  }

  private static void putIf(Map<String, String> h, String k, String v) {
    if (v != null) {
      h.put(k, v);
    }
  }

  private ObjectNode toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", id);
    o.put("kind", kind);
    o.put("entityType", entityType);
    o.put("entityId", entityId);
    o.put("eventId", eventId);
    o.put("eventTime", Long.toString(eventTimeNanos));
    if (machine != null) {
      o.put("machine", machine);
      o.put("from", from);
      o.put("to", to);
      o.put("trigger", trigger);
    }
    if (topic != null) {
      o.put("topic", topic);
    }
    return o;
  }

  /** The notification event's body: one JSON object, UTF-8. */
  public byte[] body() {
    try {
      return JSON.writeValueAsBytes(toJson());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The {@code d:notify} cell value: a JSON array. */
  public static byte[] encodeList(List<Notification> list) {
    ArrayNode a = JSON.createArrayNode();
    for (Notification n : list) {
      a.add(n.toJson());
    }
    try {
      return JSON.writeValueAsBytes(a);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Decodes a {@code d:notify} cell.
   *
   * @throws IllegalArgumentException when the bytes are not such a list
   */
  public static List<Notification> decodeList(byte[] bytes) {
    try {
      JsonNode a = JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
      if (a == null || !a.isArray()) {
        throw new IllegalArgumentException("a notify cell must hold a JSON array");
      }
      List<Notification> out = new ArrayList<>();
      for (JsonNode o : a) {
        out.add(new Notification(text(o, "id"), text(o, "kind"), text(o, "entityType"), text(o, "entityId"),
            text(o, "eventId"), Long.parseLong(text(o, "eventTime")), text(o, "machine"), text(o, "from"),
            text(o, "to"), text(o, "trigger"), text(o, "topic")));
      }
      return out;
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("undecodable notify cell: " + e.getMessage(), e);
    }
  }

  private static String text(JsonNode o, String f) {
    JsonNode v = o.get(f);
    return v == null || v.isNull() ? null : v.asText();
  }
}
