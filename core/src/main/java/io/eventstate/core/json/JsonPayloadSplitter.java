package io.eventstate.core.json;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonTokenId;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;

/**
 * Splits one payload (an HTTP request body, a file) into raw events, each a JSON object's bytes.
 *
 * <p>Accepted payloads: one JSON object; a JSON array of objects; or NDJSON / concatenated objects
 * (objects separated by whitespace or newlines). Without {@code explode.path} every object is returned
 * byte for byte. With it, the array at that path in each object is exploded: each element becomes one
 * event, written as compact JSON with the configured parent fields ({@code explode.copy}) added after its own
 * fields; numbers keep their exact text. An object whose explode path is absent or not an array is passed through
 * whole, so nothing disappears silently; an empty array gives no event and is counted in
 * {@link Result#emptyArrays()}. Explosion may go through several levels ({@code /data/trackings[]/checkpoints}),
 * and {@code explode.copy} may take fields of every parent level ({@code slug:/data/trackings[]/slug}).
 *
 * <p>All or nothing: a malformed payload (bad JSON anywhere, a top-level value or array element that is not
 * an object, an exploded element that is not an object, a limit exceeded) gives a {@link Result} with a
 * reason and no events. {@link #split} never throws.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class JsonPayloadSplitter {

  /**
   * The events of a payload, or the reason the whole payload is rejected.
   *
   * @param events the raw events (empty when rejected)
   * @param reason null when accepted
   */
  public record Result(List<byte[]> events, String reason, int emptyArrays) {
    public Result {
      events = List.copyOf(events);
    }

    public Result(List<byte[]> events, String reason) {
      this(events, reason, 0);
    }

    public boolean isOk() {
      return reason == null;
    }

    static Result error(String reason) {
      String r = reason.length() > NormalizeResult.MAX_REASON_CHARS
          ? reason.substring(0, NormalizeResult.MAX_REASON_CHARS - 1) + "…" : reason;
      return new Result(List.of(), r);
    }
  }

  /** A payload rejected whole; no stack trace, it is an expected outcome. */
  private static final class Reject extends Exception {
    private static final long serialVersionUID = 1L;

    Reject(String reason) {
      super(reason, null, false, false);
    }
  }

  private final SplitterSpec spec;
  private final JsonFactory factory;
  /** Per explosion level: the trie of that level's copy pointers and its array. */
  private final PointerTrie.Node[] roots;
  private final PointerTrie.Node[] explodeNodes;
  private final String[][] copyNames;
  private final int levels;

  public JsonPayloadSplitter(SplitterSpec spec) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(spec.maxDepth()).build())
        .build();
    List<String> lv = spec.levels();
    levels = lv.size();
    roots = new PointerTrie.Node[levels];
    explodeNodes = new PointerTrie.Node[levels];
    copyNames = new String[levels][];
    for (int l = 0; l < levels; l++) {
      PointerTrie trie = new PointerTrie();
      List<String> names = new ArrayList<>();
      for (NormalizerSpec.NamedPointer c : spec.copy()) {
        if (SplitterSpec.levelOf(c.pointer()) == l) {
          PointerTrie.addSlot(trie.add(SplitterSpec.inLevel(c.pointer())), names.size());
          names.add(c.name());
        }
      }
      copyNames[l] = names.toArray(new String[0]);
      explodeNodes[l] = trie.add(lv.get(l));
      roots[l] = trie.root;
    }
  }

  public SplitterSpec spec() {
    return spec;
  }

  /** Splits a payload; never throws. */
  public Result split(byte[] payload) {
    try {
      return doSplit(payload);
    } catch (Reject e) {
      return Result.error(e.getMessage());
    } catch (StreamConstraintsException e) {
      return Result.error("payload over a parser limit: " + e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      return Result.error("malformed JSON: " + e.getOriginalMessage() + " at line " + e.getLocation().getLineNr()
          + ", column " + e.getLocation().getColumnNr());
    } catch (IOException e) {
      return Result.error("malformed payload: " + e.getMessage());
    } catch (RuntimeException | StackOverflowError e) {
      return Result.error("internal: " + e);
    }
  }

  private Result doSplit(byte[] payload) throws IOException, Reject {
    if (payload == null) {
      throw new Reject("no payload");
    }
    if (payload.length > spec.maxPayloadBytes()) {
      throw new Reject("payload of " + payload.length + " bytes is over limits.maxPayloadBytes=" + spec.maxPayloadBytes());
    }
    for (int i = 0; i < Math.min(4, payload.length); i++) {
      if (payload[i] == 0) {
        throw new Reject("payload is not UTF-8 (NUL byte at offset " + i + ")");
      }
    }
    List<byte[]> out = new ArrayList<>();
    int[] empty = new int[1];
    try (JsonParser p = factory.createParser(payload)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new Reject("empty payload");
      }
      if (t == JsonToken.START_ARRAY) {
        int i = 0;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
          if (t != JsonToken.START_OBJECT) {
            throw new Reject("element " + i + " of the top-level array is " + describe(t) + ", every element must be an object");
          }
          handleObject(p, payload, out, empty);
          i++;
        }
        if (p.nextToken() != null) {
          throw new Reject("content after the top-level array at line " + p.currentTokenLocation().getLineNr());
        }
        if (i == 0) {
          // refused like an empty body: a client that sends [] sends nothing, and must hear so (400, counted)
          throw new Reject("empty payload: the top-level array has no events");
        }
      } else {
        int i = 0;
        do {
          if (t != JsonToken.START_OBJECT) {
            throw new Reject("top-level value " + i + " is " + describe(t)
                + ", must be an object (one object, an array of objects, or NDJSON)");
          }
          handleObject(p, payload, out, empty);
          i++;
        } while ((t = p.nextToken()) != null);
      }
    }
    return new Result(out, null, empty[0]);
  }

  /** Per-object capture: slices of copied values and of exploded elements. */
  private static final class Capture {
    final int[] copyStart;
    final int[] copyEnd;
    final List<int[]> elements = new ArrayList<>();
    boolean exploded;

    Capture(int copies) {
      copyStart = new int[copies];
      copyEnd = new int[copies];
      Arrays.fill(copyStart, -1);
    }
  }

  /** A parent value copied into exploded elements: its name and its bytes. */
  private record Copy(String name, byte[] src, int start, int end) {
  }

  private void handleObject(JsonParser p, byte[] payload, List<byte[]> out, int[] empty) throws IOException, Reject {
    int start = (int) p.currentTokenLocation().getByteOffset();
    p.skipChildren();
    byte[] object = Arrays.copyOfRange(payload, start, (int) p.currentLocation().getByteOffset());
    if (levels == 0) {
      add(out, object);
      return;
    }
    explode(object, 0, List.of(), out, empty);
  }

  /**
   * Explodes level {@code level} of one object: each element of its array goes one level deeper, or becomes an event
   * at the last level. An empty array gives no event and is counted; an absent array (or not an array) passes the
   * object through: whole at the top level, with the parents' copies below it.
   */
  private void explode(byte[] object, int level, List<Copy> inherited, List<byte[]> out, int[] empty)
      throws IOException, Reject {
    Capture c = new Capture(copyNames[level].length);
    try (JsonParser p = factory.createParser(object)) {
      walk(p, p.nextToken(), roots[level], c, explodeNodes[level], level);
    }
    List<Copy> copies = new ArrayList<>();
    for (int i = 0; i < copyNames[level].length; i++) {
      if (c.copyStart[i] >= 0) {
        copies.add(new Copy(copyNames[level][i], object, c.copyStart[i], c.copyEnd[i]));
      }
    }
    copies.addAll(inherited); // the nearest parent's value wins over a farther one of the same name
    if (!c.exploded) {
      add(out, level == 0 ? object : writeElement(object, new int[] {0, object.length}, inherited));
      return;
    }
    if (c.elements.isEmpty()) {
      empty[0]++;
      return;
    }
    for (int[] el : c.elements) {
      if (level + 1 < levels) {
        explode(Arrays.copyOfRange(object, el[0], el[1]), level + 1, copies, out, empty);
      } else {
        add(out, writeElement(object, el, copies));
      }
    }
  }

  private void add(List<byte[]> out, byte[] event) throws Reject {
    if (out.size() >= spec.maxEvents()) {
      throw new Reject("payload gives more than limits.maxEvents=" + spec.maxEvents() + " events");
    }
    out.add(event);
  }

  private void walk(JsonParser p, JsonToken t, PointerTrie.Node node, Capture c, PointerTrie.Node explodeNode, int level)
      throws IOException, Reject {
    int start = (int) p.currentTokenLocation().getByteOffset();
    if (node == explodeNode && t == JsonToken.START_ARRAY) {
      c.exploded = true;
      int i = 0;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        if (t != JsonToken.START_OBJECT) {
          throw new Reject("element " + i + " of " + spec.levels().get(level) + " is " + describe(t)
              + ", explode.path must point to an array of objects");
        }
        int s = (int) p.currentTokenLocation().getByteOffset();
        p.skipChildren();
        c.elements.add(new int[] {s, (int) p.currentLocation().getByteOffset()});
        i++;
      }
    } else if (t == JsonToken.START_OBJECT) {
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        PointerTrie.Node child = node.field(p.currentName());
        t = p.nextToken();
        if (child == null) {
          if (t.isStructStart()) {
            p.skipChildren();
          }
        } else {
          walk(p, t, child, c, explodeNode, level);
        }
      }
    } else if (t == JsonToken.START_ARRAY) {
      int i = 0;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        PointerTrie.Node child = node.index(i++);
        if (child == null) {
          if (t.isStructStart()) {
            p.skipChildren();
          }
        } else {
          walk(p, t, child, c, explodeNode, level);
        }
      }
    } else {
      // a scalar: make the parser consume it so that the location below is its end
      p.finishToken();
    }
    if (node.slots.length > 0) {
      int end = (int) p.currentLocation().getByteOffset();
      for (int slot : node.slots) {
        if (c.copyStart[slot] < 0) {
          c.copyStart[slot] = start;
          c.copyEnd[slot] = end;
        }
      }
    }
  }

  private byte[] writeElement(byte[] payload, int[] el, List<Copy> copies) throws IOException {
    ByteArrayBuilder buf = new ByteArrayBuilder(el[1] - el[0] + 64);
    try (JsonGenerator g = factory.createGenerator(buf)) {
      Set<String> own = new HashSet<>();
      g.writeStartObject();
      try (JsonParser ep = factory.createParser(payload, el[0], el[1] - el[0])) {
        ep.nextToken();
        while (ep.nextToken() == JsonToken.FIELD_NAME) {
          String name = ep.currentName();
          own.add(name);
          g.writeFieldName(name);
          copyExact(ep, ep.nextToken(), g);
        }
      }
      for (Copy c : copies) {
        if (!own.add(c.name())) {
          continue;
        }
        g.writeFieldName(c.name());
        try (JsonParser cp = factory.createParser(c.src(), c.start(), c.end() - c.start())) {
          copyExact(cp, cp.nextToken(), g);
        }
      }
      g.writeEndObject();
    }
    return buf.toByteArray();
  }

  /** Copies the current value; numbers as their exact text (never through a double). */
  static void copyExact(JsonParser p, JsonToken t, JsonGenerator g) throws IOException {
    switch (t.id()) {
      case JsonTokenId.ID_START_OBJECT:
        g.writeStartObject();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          g.writeFieldName(p.currentName());
          copyExact(p, p.nextToken(), g);
        }
        g.writeEndObject();
        return;
      case JsonTokenId.ID_START_ARRAY:
        g.writeStartArray();
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
          copyExact(p, e, g);
        }
        g.writeEndArray();
        return;
      case JsonTokenId.ID_STRING:
        g.writeString(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
        return;
      case JsonTokenId.ID_NUMBER_INT:
      case JsonTokenId.ID_NUMBER_FLOAT:
        g.writeNumber(p.getText());
        return;
      case JsonTokenId.ID_TRUE:
        g.writeBoolean(true);
        return;
      case JsonTokenId.ID_FALSE:
        g.writeBoolean(false);
        return;
      default:
        g.writeNull();
        return;
    }
  }

  private static String describe(JsonToken t) {
    switch (t) {
      case START_ARRAY:
        return "an array";
      case START_OBJECT:
        return "an object";
      case VALUE_STRING:
        return "a string";
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        return "a number";
      case VALUE_TRUE:
      case VALUE_FALSE:
        return "a boolean";
      case VALUE_NULL:
        return "null";
      default:
        return t.toString();
    }
  }
}
