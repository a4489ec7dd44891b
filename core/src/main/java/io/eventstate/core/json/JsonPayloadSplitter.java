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
  /** The parser's limit on a string's length (in chars, so never reached by a payload of fewer bytes). */
  private final int maxStringLength;

  public JsonPayloadSplitter(SplitterSpec spec) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(spec.maxDepth()).build())
        .build();
    maxStringLength = factory.streamReadConstraints().getMaxStringLength();
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

  /**
   * What one walk of an object at one explosion level found, as offsets into the payload: the object's extent, the
   * copied values, and the exploded elements (their own captures above the last level, their extents at it).
   */
  private static final class Capture {
    private static final Capture[] NO_CHILDREN = new Capture[0];

    final int level;
    final int start;
    int end;
    final int[] copyStart;
    /** The end of each copied value; -1 for a string, which is read up to its closing quote. */
    final int[] copyEnd;
    boolean exploded;
    int count;
    /** At the last level: start and end of each element. */
    int[] bounds = PointerTrie.NO_SLOTS;
    /** Above it: each element's capture. */
    Capture[] children = NO_CHILDREN;
    /**
     * What the walk would have stopped at, in document order, raised when this object is exploded: a reason
     * (String, an element that is not an object; nothing after it counts) or the offset of a string that may be
     * over the parser's string limit (Integer, checked then; only recorded for payloads longer than that limit).
     */
    List<Object> deferred;
    boolean rejected;

    Capture(int level, int start, int copies) {
      this.level = level;
      this.start = start;
      copyStart = new int[copies];
      copyEnd = new int[copies];
      Arrays.fill(copyStart, -1);
    }

    void element(int s, int e) {
      if (2 * count + 2 > bounds.length) {
        bounds = Arrays.copyOf(bounds, Math.max(8, 2 * bounds.length));
      }
      bounds[2 * count] = s;
      bounds[2 * count + 1] = e;
      count++;
    }

    void element(Capture child) {
      if (count == children.length) {
        children = Arrays.copyOf(children, Math.max(4, 2 * children.length));
      }
      children[count++] = child;
    }

    void defer(Object what) {
      if (deferred == null) {
        deferred = new ArrayList<>(2);
      }
      deferred.add(what);
    }

    void reject(String reason) {
      defer(reason);
      rejected = true;
    }
  }

  /** A parent value copied into exploded elements: its name and its place in the payload. */
  private record Copy(String name, int start, int end) {
  }

  private void handleObject(JsonParser p, byte[] payload, List<byte[]> out, int[] empty) throws IOException, Reject {
    int start = (int) p.currentTokenLocation().getByteOffset();
    if (levels == 0) {
      p.skipChildren();
      add(out, Arrays.copyOfRange(payload, start, (int) p.currentLocation().getByteOffset()));
      return;
    }
    // One pass over the object on the payload's own parser walks every level; nothing is rejected before the whole
    // object has been read, so that bad JSON anywhere in it is reported first.
    Capture c = new Capture(0, start, copyNames[0].length);
    walk(p, JsonToken.START_OBJECT, roots[0], c, payload.length > maxStringLength);
    c.end = (int) p.currentLocation().getByteOffset();
    explode(payload, c, List.of(), out, empty);
  }

  /**
   * Explodes one object at its level: each element of its array is exploded one level deeper, or becomes an event at
   * the last level. An empty array gives no event and is counted; an absent array (or not an array) passes the object
   * through: whole at the top level, with the parents' copies below it.
   */
  private void explode(byte[] payload, Capture c, List<Copy> inherited, List<byte[]> out, int[] empty)
      throws IOException, Reject {
    if (c.deferred != null) {
      raise(payload, c);
    }
    int level = c.level;
    List<Copy> copies = new ArrayList<>();
    for (int i = 0; i < copyNames[level].length; i++) {
      if (c.copyStart[i] >= 0) {
        copies.add(new Copy(copyNames[level][i], c.copyStart[i], c.copyEnd[i] < 0 ? c.end : c.copyEnd[i]));
      }
    }
    copies.addAll(inherited); // the nearest parent's value wins over a farther one of the same name
    if (!c.exploded) {
      add(out, level == 0 ? Arrays.copyOfRange(payload, c.start, c.end) : writeElement(payload, c.start, c.end, inherited));
      return;
    }
    if (c.count == 0) {
      empty[0]++;
      return;
    }
    if (level + 1 < levels) {
      for (int i = 0; i < c.count; i++) {
        explode(payload, c.children[i], copies, out, empty);
      }
    } else {
      for (int i = 0; i < c.count; i++) {
        add(out, writeElement(payload, c.bounds[2 * i], c.bounds[2 * i + 1], copies));
      }
    }
  }

  /** Raises what the walk of {@code c} deferred, in the order it met it. */
  private void raise(byte[] payload, Capture c) throws IOException, Reject {
    for (Object d : c.deferred) {
      if (d instanceof String reason) {
        throw new Reject(reason);
      }
      int at = (Integer) d;
      try (JsonParser sp = factory.createParser(payload, at, c.end - at)) {
        sp.nextToken();
        sp.finishToken(); // throws if the string is over the parser's string limit
      }
    }
  }

  private void add(List<byte[]> out, byte[] event) throws Reject {
    if (out.size() >= spec.maxEvents()) {
      throw new Reject("payload gives more than limits.maxEvents=" + spec.maxEvents() + " events");
    }
    out.add(event);
  }

  /**
   * Walks the value at {@code node} of an object at level {@code c.level}, recording copied values and exploded
   * elements in {@code c}; an exploded element above the last level is walked at once at the next level. Strings are
   * not decoded here (the parser still checks them when it skips them); {@code checkStrings} records the offset of
   * each one the walk meets, to check its length against the parser's limit when the object is exploded.
   */
  private void walk(JsonParser p, JsonToken t, PointerTrie.Node node, Capture c, boolean checkStrings)
      throws IOException {
    int start = (int) p.currentTokenLocation().getByteOffset();
    int end;
    int level = c.level;
    if (node == explodeNodes[level] && t == JsonToken.START_ARRAY) {
      c.exploded = true;
      int i = 0;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        if (c.rejected || t != JsonToken.START_OBJECT) {
          if (!c.rejected) {
            c.reject("element " + i + " of " + spec.levels().get(level) + " is " + describe(t)
                + ", explode.path must point to an array of objects");
          }
          if (t.isStructStart()) {
            p.skipChildren();
          }
          continue;
        }
        int s = (int) p.currentTokenLocation().getByteOffset();
        if (level + 1 < levels) {
          Capture child = new Capture(level + 1, s, copyNames[level + 1].length);
          walk(p, t, roots[level + 1], child, checkStrings);
          child.end = (int) p.currentLocation().getByteOffset();
          c.element(child);
        } else {
          p.skipChildren();
          c.element(s, (int) p.currentLocation().getByteOffset());
        }
        i++;
      }
      end = (int) p.currentLocation().getByteOffset();
    } else if (t == JsonToken.START_OBJECT) {
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        PointerTrie.Node child = node.field(p.currentName());
        t = p.nextToken();
        if (child == null) {
          if (t.isStructStart()) {
            p.skipChildren();
          }
        } else {
          walk(p, t, child, c, checkStrings);
        }
      }
      end = (int) p.currentLocation().getByteOffset();
    } else if (t == JsonToken.START_ARRAY) {
      int i = 0;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        PointerTrie.Node child = node.index(i++);
        if (child == null) {
          if (t.isStructStart()) {
            p.skipChildren();
          }
        } else {
          walk(p, t, child, c, checkStrings);
        }
      }
      end = (int) p.currentLocation().getByteOffset();
    } else if (t == JsonToken.VALUE_STRING) {
      // left to the parser's next token, which skips it; read later up to its closing quote
      end = -1;
      if (checkStrings && !c.rejected) {
        c.defer(start);
      }
    } else {
      // numbers and literals are complete: the location is their end
      end = (int) p.currentLocation().getByteOffset();
    }
    if (node.slots.length > 0) {
      for (int slot : node.slots) {
        if (c.copyStart[slot] < 0) {
          c.copyStart[slot] = start;
          c.copyEnd[slot] = end;
        }
      }
    }
  }

  private byte[] writeElement(byte[] payload, int start, int end, List<Copy> copies) throws IOException {
    ByteArrayBuilder buf = new ByteArrayBuilder(end - start + 64);
    try (JsonGenerator g = factory.createGenerator(buf)) {
      Set<String> own = new HashSet<>();
      g.writeStartObject();
      try (JsonParser ep = factory.createParser(payload, start, end - start)) {
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
        try (JsonParser cp = factory.createParser(payload, c.start(), c.end() - c.start())) {
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
