package io.eventstate.core.act;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.state.Notification;

/**
 * Where a notification lands, decided from the event alone, so that landing it twice is landing it once: the
 * landing id is the notification's stable id ({@link Notification#HEADER_ID}); an event that is not a notification
 * (an alert on the streaming path) lands under its event id ({@code es.eventId}), and an event with neither under a
 * hash of its body. The record is named after a SHA-256 of the landing id.
 */
public final class Landing {

  private static final ObjectMapper JSON = new ObjectMapper();

  private Landing() {
  }

  /** The landing id of an event: {@code <notify id>}, {@code event:<eventId>} or {@code body:<sha-256>}. */
  public static String id(Map<String, String> headers, byte[] body) {
    String id = headers.get(Notification.HEADER_ID);
    if (id != null && !id.isEmpty()) {
      return id;
    }
    String eventId = headers.get(EventHeaders.EVENT_ID);
    if (eventId != null && !eventId.isEmpty()) {
      return "event:" + eventId;
    }
    return "body:" + sha256(body);
  }

  /** The record's name: {@code <first two hex digits>/<sha-256 of the landing id>.json}. */
  public static String path(String landingId) {
    String h = sha256(landingId.getBytes(StandardCharsets.UTF_8));
    return h.substring(0, 2) + "/" + h + ".json";
  }

  /** The record: one JSON object with the landing id, the headers (sorted) and the body as UTF-8 text. */
  public static byte[] record(String landingId, Map<String, String> headers, byte[] body) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", landingId);
    ObjectNode h = o.putObject("headers");
    new TreeMap<>(headers).forEach(h::put);
    o.put("body", new String(body, StandardCharsets.UTF_8));
    try {
      return (JSON.writeValueAsString(o) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
