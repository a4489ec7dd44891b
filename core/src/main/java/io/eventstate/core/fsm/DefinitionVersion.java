package io.eventstate.core.fsm;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The version of a definition: a content hash of its JSON, the same whatever the order of keys or the white space of
 * the file, different as soon as anything in it changes. The state a definition produced records it, so that a state
 * can be told apart from one an older definition produced.
 */
public final class DefinitionVersion {

  /** Hex digits kept of the SHA-256: 64 bits, plenty to tell the versions of one definition apart. */
  public static final int LENGTH = 16;

  private DefinitionVersion() {
  }

  /** The version of a parsed definition. */
  public static String of(JsonNode root) {
    StringBuilder canonical = new StringBuilder();
    write(root, canonical);
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash).substring(0, LENGTH);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** JSON with object keys sorted and no white space. */
  private static void write(JsonNode n, StringBuilder sb) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      sb.append("null");
    } else if (n.isObject()) {
      TreeMap<String, JsonNode> sorted = new TreeMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        sorted.put(e.getKey(), e.getValue());
      }
      sb.append('{');
      boolean first = true;
      for (Map.Entry<String, JsonNode> e : sorted.entrySet()) {
        sb.append(first ? "" : ",");
        first = false;
        sb.append(com.fasterxml.jackson.databind.node.TextNode.valueOf(e.getKey()).toString()).append(':');
        write(e.getValue(), sb);
      }
      sb.append('}');
    } else if (n.isArray()) {
      sb.append('[');
      for (int i = 0; i < n.size(); i++) {
        sb.append(i == 0 ? "" : ",");
        write(n.get(i), sb);
      }
      sb.append(']');
    } else {
      sb.append(n.toString()); // numbers as written, strings quoted and escaped, booleans
    }
  }
}
