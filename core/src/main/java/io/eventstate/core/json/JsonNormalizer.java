package io.eventstate.core.json;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.TimeSource;

/**
 * Turns one raw JSON event into a {@link CanonicalEvent} as a {@link NormalizerSpec} says, or into a reason.
 *
 * <p>One pass over the raw bytes with a small validating scanner of its own (RFC 8259 JSON, strict UTF-8):
 * all configured pointers are merged into a tree and matched while walking, field names as raw bytes;
 * subtrees nobody asked for are validated but nothing in them is decoded, and no tree is built. The whole
 * document is checked, so malformed JSON anywhere is detected. It accepts exactly what Jackson accepts with
 * its default features, except that it also refuses overlong UTF-8, UTF-8-encoded surrogates and code
 * points above U+10FFFF (a differential test runs both over the fuzz corpus). It normalizes faster than a bare
 * Jackson token walk over the same bytes (1.1-1.2x) and about twice as fast as the Jackson-based walk it replaced
 * (docs/performance.md).
 *
 * <p>Rules worth knowing:
 * <ul>
 *   <li>The body must be one JSON object in UTF-8 (a BOM is allowed). A top-level array or scalar, an
 *       empty body, or anything after the object is invalid ({@code json}): split payloads first with
 *       {@link JsonPayloadSplitter}.</li>
 *   <li>Duplicate keys: <b>the first occurrence with a value wins</b> (later duplicates are ignored), for
 *       canonical fields and attributes alike.</li>
 *   <li>Numbers are taken as their text in the document ({@code 47636} → {@code "47636"},
 *       {@code 129.99} → {@code "129.99"}), booleans as {@code "true"}/{@code "false"}.</li>
 *   <li>Limits (body bytes, nesting depth, attribute count, numbers of more than 1000 digits as in Jackson's
 *       default read constraints) give reason class {@code limit}.</li>
 *   <li>{@link #normalize} never throws: any unexpected failure is reason class {@code internal}.</li>
 * </ul>
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class JsonNormalizer {

  static final byte KIND_STRING = 1;
  static final byte KIND_NUMBER = 2;
  static final byte KIND_BOOLEAN = 3;
  /** Numbers with more digits are over a limit (Jackson's default read constraint, kept). */
  static final int MAX_NUMBER_DIGITS = 1000;
  private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
  private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
  private static final byte[] NULL = {'n', 'u', 'l', 'l'};
  /** Little-endian 8-byte reads of a byte array, for scanning strings a word at a time. */
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;
  private static final long QUOTES = 0x2222222222222222L;
  private static final long BACKSLASHES = 0x5C5C5C5C5C5C5C5CL;
  private static final long SPACES = 0x2020202020202020L;
  /** ASCII bytes that go into a string unchanged: everything but control characters, quote and backslash. */
  private static final boolean[] PLAIN = new boolean[128];

  static {
    for (int c = 0x20; c < 128; c++) {
      PLAIN[c] = c != '"' && c != '\\';
    }
  }

  private final NormalizerSpec spec;
  private final PointerTrie.Node root;
  private final int slotCount;
  private final int idStart;
  private final int hashStart;
  private final int entityStart;
  private final int typeStart;
  private final int timeStart;
  private final int attrStart;
  private final String[] attrNames;
  private final int zoneStart;
  private final int zoneEnd;
  private final int[] derivedSlots;
  private final FieldSource[] derivedSources;
  private final int[][] derivedPointerSlots;
  private final ValueMap eventTypeMap;

  public JsonNormalizer(NormalizerSpec spec) {
    this.spec = Objects.requireNonNull(spec, "spec");
    PointerTrie trie = new PointerTrie();
    List<Object[]> pending = new ArrayList<>();
    int s = 0;
    idStart = s;
    for (String p : spec.eventIdPaths()) {
      source(trie, p, s++, pending);
    }
    hashStart = s;
    for (String p : spec.eventIdHash()) {
      source(trie, p, s++, pending);
    }
    entityStart = s;
    for (NormalizerSpec.EntityCandidate c : spec.entity()) {
      source(trie, c.pointer(), s++, pending);
    }
    typeStart = s;
    for (String p : spec.eventTypePaths()) {
      source(trie, p, s++, pending);
    }
    timeStart = s;
    for (String p : spec.timePaths()) {
      source(trie, p, s++, pending);
    }
    attrStart = s;
    attrNames = new String[spec.attributes().size()];
    for (int i = 0; i < attrNames.length; i++) {
      NormalizerSpec.NamedPointer a = spec.attributes().get(i);
      attrNames[i] = a.name();
      if (!source(trie, a.pointer(), s, pending)) {
        s++;
        continue;
      }
      PointerTrie.Node n = trie.add(a.pointer());
      s++;
      if (n.structPrefix == null) {
        n.structPrefix = a.name();
      }
    }
    zoneStart = s;
    for (String p : spec.timeZonePaths()) {
      source(trie, p, s++, pending);
    }
    zoneEnd = s;
    for (String p : spec.flatten()) {
      PointerTrie.Node n = trie.add(p);
      if (n.structPrefix == null) {
        n.structPrefix = PointerTrie.dottedName(p);
      }
    }
    // sources that are not one pointer (headers, templates) fill their slot after the walk, from slots of their own
    derivedSlots = new int[pending.size()];
    derivedSources = new FieldSource[pending.size()];
    derivedPointerSlots = new int[pending.size()][];
    for (int i = 0; i < pending.size(); i++) {
      derivedSlots[i] = (Integer) pending.get(i)[0];
      derivedSources[i] = (FieldSource) pending.get(i)[1];
      List<String> ptrs = derivedSources[i].pointers();
      derivedPointerSlots[i] = new int[ptrs.size()];
      for (int k = 0; k < ptrs.size(); k++) {
        derivedPointerSlots[i][k] = s;
        PointerTrie.addSlot(trie.add(ptrs.get(k)), s++);
      }
    }
    slotCount = s;
    root = trie.root;
    eventTypeMap = spec.valueMaps().get(ValueMap.EVENT_TYPE);
  }

  /** Registers a source: a plain pointer gets its trie slot now (returns true), anything else is derived later. */
  private static boolean source(PointerTrie trie, String src, int slot, List<Object[]> pending) {
    FieldSource fs = FieldSource.parse(src);
    if (fs.isPointer()) {
      PointerTrie.addSlot(trie.add(src), slot);
      return true;
    }
    pending.add(new Object[] {slot, fs});
    return false;
  }

  public NormalizerSpec spec() {
    return spec;
  }

  /**
   * Normalizes one raw event. Never throws.
   *
   * @param body          the raw bytes (kept verbatim in the event, not copied)
   * @param headers       the incoming Flume headers (only {@code timestamp} is read, for the header fallback); may be null
   * @param arrivalMillis the arrival time, for the arrival fallback
   */
  public NormalizeResult normalize(byte[] body, Map<String, String> headers, long arrivalMillis) {
    try {
      return doNormalize(body, headers, arrivalMillis);
    } catch (RuntimeException | StackOverflowError e) {
      return NormalizeResult.invalid(NormalizeResult.INTERNAL, e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  /**
   * Normalizes one raw event into one event per entity when {@link NormalizerSpec#fanout()} is set (else the one result
   * of {@link #normalize}). Each entity candidate with a value gives one event (the same type and id twice give one);
   * its event id is the MurmurHash3 x64-128 hex of the base id (configured or hashed, as without fan-out), the entity
   * type and the entity id, separated by U+001F, so each is deterministic and distinct. Never throws.
   */
  public List<NormalizeResult> normalizeAll(byte[] body, Map<String, String> headers, long arrivalMillis) {
    if (!spec.fanout()) {
      return List.of(normalize(body, headers, arrivalMillis));
    }
    try {
      NormalizeResult refused = precheck(body);
      if (refused != null) {
        return List.of(refused);
      }
      Walk w = new Walk(body);
      try {
        w.document();
      } catch (BadJson e) {
        String detail = e.offset < 0 ? e.getMessage() : e.getMessage() + " at " + where(body, e.offset);
        return List.of(NormalizeResult.invalid(e.limit ? NormalizeResult.LIMIT : NormalizeResult.JSON, detail));
      }
      derive(w, headers);
      List<NormalizeResult> out = new ArrayList<>();
      java.util.Set<String> seen = new java.util.HashSet<>();
      for (int i = entityStart; i < typeStart; i++) {
        if (w.values[i] == null) {
          continue;
        }
        if (!seen.add(spec.entity().get(i - entityStart).type() + '\u001f' + w.values[i])) {
          continue;
        }
        NormalizeResult r = assemble(body, headers, arrivalMillis, w, i);
        if (r.isValid()) {
          CanonicalEvent ev = r.event();
          byte[] k = (ev.eventId() + '\u001f' + ev.entityType() + '\u001f' + ev.entityId()).getBytes(StandardCharsets.UTF_8);
          r = NormalizeResult.valid(new CanonicalEvent(MurmurHash3.hash128Hex(k, 0, k.length), ev.entityType(),
              ev.entityId(), ev.eventType(), ev.eventTimeNanos(), ev.timeSource(), ev.attributes(), new TreeSet<>(),
              body));
        }
        out.add(r);
      }
      if (out.isEmpty()) {
        out.add(assemble(body, headers, arrivalMillis, w, -1));
      }
      return out;
    } catch (RuntimeException | StackOverflowError e) {
      return List.of(NormalizeResult.invalid(NormalizeResult.INTERNAL, e.getClass().getSimpleName() + ": " + e.getMessage()));
    }
  }

  /**
   * One call's walk: a validating recursive-descent scanner over the UTF-8 bytes (RFC 8259, strict UTF-8 per
   * RFC 3629), plus the captured values. Values nobody asked for are validated but never decoded; field names
   * are matched against the pointer trie as raw bytes.
   */
  private final class Walk extends Captures {
    final byte[] b;
    final int end;
    final int maxDepth;
    /** The cursor: the next unread byte. */
    int pos;
    int depth;
    /** Set by {@link #scanString}: the string just scanned has escapes. */
    boolean escaped;

    Walk(byte[] body) {
      super(slotCount, spec);
      b = body;
      end = body.length;
      maxDepth = spec.maxDepth();
    }

    /** Walks the body: one object, optional BOM and whitespace around it. */
    void document() throws BadJson {
      int i = 0;
      if (end >= 3 && b[0] == (byte) 0xEF && b[1] == (byte) 0xBB && b[2] == (byte) 0xBF) {
        i = 3;
      }
      i = ws(i);
      if (i >= end) {
        throw new BadJson("empty body", -1, false);
      }
      pos = i;
      if (b[i] != '{') {
        if (b[i] != '[') {
          skipValue(); // a scalar: a broken one is a syntax error first
        }
        throw new BadJson("top-level value is " + describeValue(b[i]) + ", must be an object (split arrays and NDJSON "
            + "payloads before normalizing)", -1, false);
      }
      object(root, root.structPrefix);
      i = ws(pos);
      if (i < end) {
        throw new BadJson("content after the top-level object (one event per body)", i, false);
      }
    }

    int ws(int i) {
      byte[] b = this.b;
      while (i < end) {
        byte c = b[i];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
          break;
        }
        i++;
      }
      return i;
    }

    /** A value at {@code pos} that some pointer or flatten prefix wants. */
    void value(PointerTrie.Node node, String prefix) throws BadJson {
      if (pos >= end) {
        throw new BadJson("end of input where a value was expected", pos, false);
      }
      byte c = b[pos];
      switch (c) {
        case '{':
          object(node, prefix != null ? prefix : node.structPrefix);
          return;
        case '[':
          array(node, prefix != null ? prefix : node.structPrefix);
          return;
        case '"': {
          int close = scanString(pos + 1);
          String text = escaped ? unescape(pos + 1, close) : new String(b, pos + 1, close - pos - 1, StandardCharsets.UTF_8);
          pos = close + 1;
          capture(text, KIND_STRING, node, prefix);
          return;
        }
        case 't':
          pos = literal(pos, TRUE);
          capture("true", KIND_BOOLEAN, node, prefix);
          return;
        case 'f':
          pos = literal(pos, FALSE);
          capture("false", KIND_BOOLEAN, node, prefix);
          return;
        case 'n':
          pos = literal(pos, NULL);
          return;
        default:
          if (c == '-' || (c >= '0' && c <= '9')) {
            int e = scanNumber(pos);
            String text = new String(b, pos, e - pos, StandardCharsets.ISO_8859_1);
            pos = e;
            capture(text, KIND_NUMBER, node, prefix);
            return;
          }
          throw new BadJson("unexpected " + describeByte(c) + " where a value was expected", pos, false);
      }
    }

    /** An object at {@code pos}; {@code own} is the flatten prefix of its members, or null. */
    private void object(PointerTrie.Node node, String own) throws BadJson {
      enter();
      int i = ws(pos + 1);
      if (i < end && b[i] == '}') {
        pos = i + 1;
        depth--;
        return;
      }
      while (true) {
        if (i >= end || b[i] != '"') {
          throw new BadJson(i >= end ? "end of input inside an object" : "expected a field name in double quotes, found "
              + describeByte(b[i]), i, false);
        }
        int close = scanString(i + 1);
        PointerTrie.Node child;
        String name = null;
        if (escaped) {
          name = unescape(i + 1, close);
          child = node == null ? null : node.field(name);
        } else {
          child = node == null ? null : node.field(b, i + 1, close - i - 1);
          if (own != null) {
            name = new String(b, i + 1, close - i - 1, StandardCharsets.UTF_8);
          }
        }
        i = ws(close + 1);
        if (i >= end || b[i] != ':') {
          throw new BadJson("expected ':' after a field name", i, false);
        }
        pos = ws(i + 1);
        if (child == null && own == null) {
          skipValue();
        } else {
          value(child, own == null ? null : own + '.' + name);
        }
        i = ws(pos);
        if (i < end && b[i] == ',') {
          i = ws(i + 1);
          continue;
        }
        if (i < end && b[i] == '}') {
          pos = i + 1;
          depth--;
          return;
        }
        throw new BadJson(i >= end ? "end of input inside an object" : "expected ',' or '}' after a field value, found "
            + describeByte(b[i]), i, false);
      }
    }

    private void array(PointerTrie.Node node, String own) throws BadJson {
      enter();
      int i = ws(pos + 1);
      if (i < end && b[i] == ']') {
        pos = i + 1;
        depth--;
        return;
      }
      int index = 0;
      while (true) {
        pos = i;
        PointerTrie.Node child = node == null ? null : node.index(index);
        if (child == null && own == null) {
          skipValue();
        } else {
          value(child, own == null ? null : own + '.' + index);
        }
        index++;
        i = ws(pos);
        if (i < end && b[i] == ',') {
          i = ws(i + 1);
          continue;
        }
        if (i < end && b[i] == ']') {
          pos = i + 1;
          depth--;
          return;
        }
        throw new BadJson(i >= end ? "end of input inside an array" : "expected ',' or ']' after an array element, found "
            + describeByte(b[i]), i, false);
      }
    }

    /**
     * Validates the value at {@code pos} and moves past it, decoding nothing. Its container loops mirror
     * {@link #object} and {@link #array} on purpose: skipping takes one stack frame per nesting level (going through
     * them takes two, and {@code limits.maxDepth} may be 1000), and nothing in them looks up a node or a name.
     */
    private void skipValue() throws BadJson {
      if (pos >= end) {
        throw new BadJson("end of input where a value was expected", pos, false);
      }
      byte c = b[pos];
      switch (c) {
        case '{': {
          enter();
          int i = ws(pos + 1);
          if (i < end && b[i] == '}') {
            pos = i + 1;
            depth--;
            return;
          }
          while (true) {
            if (i >= end || b[i] != '"') {
              throw new BadJson(i >= end ? "end of input inside an object" : "expected a field name in double quotes, "
                  + "found " + describeByte(b[i]), i, false);
            }
            i = ws(scanString(i + 1) + 1);
            if (i >= end || b[i] != ':') {
              throw new BadJson("expected ':' after a field name", i, false);
            }
            pos = ws(i + 1);
            skipValue();
            i = ws(pos);
            if (i < end && b[i] == ',') {
              i = ws(i + 1);
              continue;
            }
            if (i < end && b[i] == '}') {
              pos = i + 1;
              depth--;
              return;
            }
            throw new BadJson(i >= end ? "end of input inside an object" : "expected ',' or '}' after a field value, "
                + "found " + describeByte(b[i]), i, false);
          }
        }
        case '[': {
          enter();
          int i = ws(pos + 1);
          if (i < end && b[i] == ']') {
            pos = i + 1;
            depth--;
            return;
          }
          while (true) {
            pos = i;
            skipValue();
            i = ws(pos);
            if (i < end && b[i] == ',') {
              i = ws(i + 1);
              continue;
            }
            if (i < end && b[i] == ']') {
              pos = i + 1;
              depth--;
              return;
            }
            throw new BadJson(i >= end ? "end of input inside an array" : "expected ',' or ']' after an array element, "
                + "found " + describeByte(b[i]), i, false);
          }
        }
        case '"':
          pos = scanString(pos + 1) + 1;
          return;
        case 't':
          pos = literal(pos, TRUE);
          return;
        case 'f':
          pos = literal(pos, FALSE);
          return;
        case 'n':
          pos = literal(pos, NULL);
          return;
        default:
          if (c == '-' || (c >= '0' && c <= '9')) {
            pos = scanNumber(pos);
            return;
          }
          throw new BadJson("unexpected " + describeByte(c) + " where a value was expected", pos, false);
      }
    }

    private void enter() throws BadJson {
      if (++depth > maxDepth) {
        throw new BadJson("nesting depth " + depth + " is over limits.maxDepth=" + maxDepth, pos, true);
      }
    }

    /**
     * Scans a string whose opening quote is at {@code i - 1}: validates escapes, control characters and UTF-8,
     * sets {@link #escaped}, and returns the index of the closing quote.
     */
    private int scanString(int i) throws BadJson {
      byte[] b = this.b;
      int end = this.end;
      boolean esc = false;
      while (true) {
        // eight bytes at a time while none of them is special (quote, backslash, control or non-ASCII)
        while (i <= end - 8) {
          long w = (long) LONGS.get(b, i);
          long q = w ^ QUOTES;
          long s = w ^ BACKSLASHES;
          long special = (((q - ONES) & ~q) | ((s - ONES) & ~s) | ((w - SPACES) & ~w) | w) & HIGHS;
          if (special != 0) {
            i += Long.numberOfTrailingZeros(special) >>> 3; // the lowest flag is exact
            break;
          }
          i += 8;
        }
        if (i >= end) {
          throw new BadJson("end of input inside a string", i, false);
        }
        int c = b[i];
        if (c >= 0) {
          if (PLAIN[c]) {
            i++;
          } else if (c == '"') {
            escaped = esc;
            return i;
          } else if (c == '\\') {
            esc = true;
            i = escape(i);
          } else {
            throw new BadJson("control character " + describeByte((byte) c) + " in a string must be escaped", i, false);
          }
        } else {
          i = utf8(i);
        }
      }
    }

    /** Validates the escape at {@code b[i] == '\\'}; returns the index after it. */
    private int escape(int i) throws BadJson {
      if (i + 1 >= end) {
        throw new BadJson("end of input inside an escape", i, false);
      }
      switch (b[i + 1]) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
          return i + 2;
        case 'u':
          if (i + 5 >= end) {
            throw new BadJson("end of input inside a \\u escape", i, false);
          }
          for (int k = i + 2; k < i + 6; k++) {
            if (hex(b[k]) < 0) {
              throw new BadJson("\\u escape needs 4 hex digits, found " + describeByte(b[k]), k, false);
            }
          }
          return i + 6;
        default:
          throw new BadJson("unrecognized escape after '\\': " + describeByte(b[i + 1]), i, false);
      }
    }

    /** Validates the UTF-8 sequence starting with the non-ASCII byte {@code b[i]}; returns the index after it. */
    private int utf8(int i) throws BadJson {
      int c = b[i] & 0xFF;
      int n;
      int min = 0x80;
      int max = 0xBF;
      if (c >= 0xC2 && c <= 0xDF) {
        n = 1;
      } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2;
        if (c == 0xE0) {
          min = 0xA0; // overlong
        } else if (c == 0xED) {
          max = 0x9F; // UTF-16 surrogates
        }
      } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3;
        if (c == 0xF0) {
          min = 0x90; // overlong
        } else if (c == 0xF4) {
          max = 0x8F; // above U+10FFFF
        }
      } else {
        throw new BadJson("invalid UTF-8 start byte " + hexByte(c), i, false);
      }
      if (i + n >= end) {
        throw new BadJson("truncated UTF-8 sequence", i, false);
      }
      int c1 = b[i + 1] & 0xFF;
      if (c1 < min || c1 > max) {
        throw new BadJson("invalid UTF-8 byte " + hexByte(c1) + " after " + hexByte(c), i + 1, false);
      }
      for (int k = 2; k <= n; k++) {
        int ck = b[i + k] & 0xFF;
        if ((ck & 0xC0) != 0x80) {
          throw new BadJson("invalid UTF-8 byte " + hexByte(ck) + " in a sequence starting with " + hexByte(c), i + k, false);
        }
      }
      return i + n + 1;
    }

    /** Decodes the already validated string content {@code b[from..close)} that has escapes. */
    private String unescape(int from, int close) {
      StringBuilder sb = new StringBuilder(close - from);
      int i = from;
      while (i < close) {
        int c = b[i];
        if (c == '\\') {
          byte e = b[i + 1];
          switch (e) {
            case 'b':
              sb.append('\b');
              break;
            case 'f':
              sb.append('\f');
              break;
            case 'n':
              sb.append('\n');
              break;
            case 'r':
              sb.append('\r');
              break;
            case 't':
              sb.append('\t');
              break;
            case 'u':
              sb.append((char) ((hex(b[i + 2]) << 12) | (hex(b[i + 3]) << 8) | (hex(b[i + 4]) << 4) | hex(b[i + 5])));
              i += 4;
              break;
            default: // '"', '\\', '/'
              sb.append((char) e);
          }
          i += 2;
        } else if (c >= 0) {
          sb.append((char) c);
          i++;
        } else {
          int lead = c & 0xFF;
          int n = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
          sb.append(new String(b, i, n, StandardCharsets.UTF_8));
          i += n;
        }
      }
      return sb.toString();
    }

    /** Validates a number at {@code i} (RFC 8259 grammar); returns the index after it. */
    private int scanNumber(int i) throws BadJson {
      byte[] b = this.b;
      int start = i;
      if (b[i] == '-') {
        i++;
      }
      if (i >= end || !digit(b[i])) {
        throw new BadJson("a number needs a digit after '-'", i, false);
      }
      int from = i;
      if (b[i] == '0') {
        i++;
        if (i < end && digit(b[i])) {
          throw new BadJson("leading zeros are not allowed in numbers", i, false);
        }
      } else {
        while (i < end && digit(b[i])) {
          i++;
        }
      }
      int digits = i - from;
      if (i < end && b[i] == '.') {
        i++;
        if (i >= end || !digit(b[i])) {
          throw new BadJson("decimal point not followed by a digit", i, false);
        }
        from = i;
        while (i < end && digit(b[i])) {
          i++;
        }
        digits += i - from;
      }
      if (i < end && (b[i] == 'e' || b[i] == 'E')) {
        i++;
        if (i < end && (b[i] == '+' || b[i] == '-')) {
          i++;
        }
        if (i >= end || !digit(b[i])) {
          throw new BadJson("exponent has no digits", i, false);
        }
        from = i;
        while (i < end && digit(b[i])) {
          i++;
        }
        digits += i - from;
      }
      if (digits > MAX_NUMBER_DIGITS) {
        throw new BadJson("number of " + digits + " digits is over the limit of " + MAX_NUMBER_DIGITS, start, true);
      }
      return i;
    }

    private int literal(int i, byte[] word) throws BadJson {
      if (i + word.length > end || !Arrays.equals(b, i, i + word.length, word, 0, word.length)) {
        int to = i;
        while (to < end && to < i + 20 && ((b[to] >= 'a' && b[to] <= 'z') || (b[to] >= 'A' && b[to] <= 'Z'))) {
          to++;
        }
        throw new BadJson("unrecognized token '" + new String(b, i, Math.max(1, to - i), StandardCharsets.ISO_8859_1)
            + "' (expected '" + new String(word, StandardCharsets.US_ASCII) + "')", i, false);
      }
      return i + word.length;
    }

  }

  /**
   * What one walk captured: per slot the first non-empty value and its kind, and the flattened attributes. Shared with
   * the tests' Jackson-based walk, which feeds the same captures to {@link #assemble}.
   */
  static class Captures {
    final String[] values;
    final byte[] kinds;
    private final int maxAttributes;
    private final boolean emptyAsMissing;
    List<String> flat;
    /** Whether the derived sources (headers, templates) were filled in. */
    boolean derived;

    Captures(int slots, NormalizerSpec spec) {
      values = new String[slots];
      kinds = new byte[slots];
      maxAttributes = spec.maxAttributes();
      emptyAsMissing = spec.emptyAsMissing();
    }

    /** A scalar value at a trie node (or null) and/or under a flatten prefix (or null). */
    final void capture(String text, byte kind, PointerTrie.Node node, String prefix) throws BadJson {
      if (text.isEmpty() && emptyAsMissing) {
        return;
      }
      if (node != null) {
        for (int slot : node.slots) {
          if (values[slot] == null) {
            values[slot] = text;
            kinds[slot] = kind;
          }
        }
      }
      if (prefix != null) {
        if (flat == null) {
          flat = new ArrayList<>();
        }
        flat.add(prefix);
        flat.add(text);
        if (flat.size() / 2 > maxAttributes) {
          throw new BadJson("more than limits.maxAttributes=" + maxAttributes + " attributes", -1, true);
        }
      }
    }
  }

  /** Malformed JSON or a limit, found inside the walk; no stack trace, it is an expected outcome. */
  static final class BadJson extends Exception {
    private static final long serialVersionUID = 1L;
    /** Byte offset of the problem, or -1. */
    final int offset;
    final boolean limit;

    BadJson(String reason, int offset, boolean limit) {
      super(reason, null, false, false);
      this.offset = offset;
      this.limit = limit;
    }
  }

  private static boolean digit(byte c) {
    return c >= '0' && c <= '9';
  }

  private static int hex(byte c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  private static String hexByte(int c) {
    return String.format("0x%02x", c & 0xFF);
  }

  private static String describeByte(byte c) {
    return c > 0x20 && c < 0x7F ? "'" + (char) c + "'" : "byte " + hexByte(c);
  }

  private static String describeValue(byte first) {
    switch (first) {
      case '[':
        return "an array";
      case '"':
        return "a string";
      case 't':
      case 'f':
        return "a boolean";
      case 'n':
        return "null";
      default:
        return "a number";
    }
  }

  /** {@code line L, column C (byte B)} of a byte offset, lines and columns counted from 1. */
  private static String where(byte[] body, int offset) {
    int line = 1;
    int lineStart = 0;
    for (int i = 0; i < offset && i < body.length; i++) {
      if (body[i] == '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    return "line " + line + ", column " + (offset - lineStart + 1) + " (byte " + offset + ")";
  }

  private NormalizeResult doNormalize(byte[] body, Map<String, String> headers, long arrivalMillis) {
    NormalizeResult refused = precheck(body);
    if (refused != null) {
      return refused;
    }
    Walk w = new Walk(body);
    try {
      w.document();
    } catch (BadJson e) {
      String detail = e.offset < 0 ? e.getMessage() : e.getMessage() + " at " + where(body, e.offset);
      return NormalizeResult.invalid(e.limit ? NormalizeResult.LIMIT : NormalizeResult.JSON, detail);
    }
    return assemble(body, headers, arrivalMillis, w);
  }

  /** The checks before any walk (no body, over the size limit, not UTF-8 at the start): a reason, or null. */
  NormalizeResult precheck(byte[] body) {
    if (body == null) {
      return NormalizeResult.invalid(NormalizeResult.JSON, "no body");
    }
    if (body.length > spec.maxBodyBytes()) {
      return NormalizeResult.invalid(NormalizeResult.LIMIT, "body of " + body.length + " bytes is over limits.maxBodyBytes="
          + spec.maxBodyBytes());
    }
    // JSON text in UTF-8 never has a NUL byte; Jackson would take one near the start for UTF-16/32.
    for (int i = 0; i < Math.min(4, body.length); i++) {
      if (body[i] == 0) {
        return NormalizeResult.invalid(NormalizeResult.JSON, "body is not UTF-8 (NUL byte at offset " + i + ")");
      }
    }
    return null;
  }

  /** Empty captures for one walk over this normalizer's pointer trie ({@link #root()}). */
  Captures captures() {
    return new Captures(slotCount, spec);
  }

  /** The configured pointers merged into one trie. */
  PointerTrie.Node root() {
    return root;
  }

  private int first(Captures w, int from, int to) {
    for (int i = from; i < to; i++) {
      if (w.values[i] != null) {
        return i;
      }
    }
    return -1;
  }

  /** The canonical event, or the reason, from what a walk captured. */
  NormalizeResult assemble(byte[] body, Map<String, String> headers, long arrivalMillis, Captures w) {
    return assemble(body, headers, arrivalMillis, w, -1);
  }

  /** Fills the slots of sources that are not one pointer: headers and templates. */
  private void derive(Captures w, Map<String, String> headers) {
    if (w.derived) {
      return;
    }
    w.derived = true;
    for (int i = 0; i < derivedSlots.length; i++) {
      int[] ps = derivedPointerSlots[i];
      String[] pv = new String[ps.length];
      for (int k = 0; k < ps.length; k++) {
        pv[k] = w.values[ps[k]];
      }
      String v = derivedSources[i].evaluate(pv, headers, spec.emptyAsMissing());
      if (v != null) {
        w.values[derivedSlots[i]] = v;
        w.kinds[derivedSlots[i]] = KIND_STRING;
      }
    }
  }

  /** The event of entity candidate slot {@code entitySlot}, or of the first candidate with a value when it is -1. */
  NormalizeResult assemble(byte[] body, Map<String, String> headers, long arrivalMillis, Captures w, int entitySlot) {
    derive(w, headers);
    int e = entitySlot >= 0 ? entitySlot : first(w, entityStart, typeStart);
    if (e < 0) {
      return NormalizeResult.invalid(NormalizeResult.MISSING_FIELD, "no entity id at " + candidates(entityStart, typeStart));
    }
    String entityId = w.values[e];
    if (entityId.isEmpty()) {
      return NormalizeResult.invalid(NormalizeResult.MISSING_FIELD, "entity id at "
          + spec.entity().get(e - entityStart).pointer() + " is an empty string");
    }
    String entityType = spec.entity().get(e - entityStart).type();
    if (entityId.length() > spec.maxEntityIdLength()) {
      return tooLong("entity id", entityId, NormalizerSpec.CONFIG_MAX_ENTITY_ID_LENGTH, spec.maxEntityIdLength());
    }
    if (entityType.length() > spec.maxEntityTypeLength()) {
      return tooLong("entity type", entityType, NormalizerSpec.CONFIG_MAX_ENTITY_TYPE_LENGTH, spec.maxEntityTypeLength());
    }

    int ty = first(w, typeStart, timeStart);
    String eventType = ty >= 0 ? w.values[ty] : spec.eventTypeDefault();
    if (eventType == null || eventType.isEmpty()) {
      return NormalizeResult.invalid(NormalizeResult.MISSING_FIELD, "no event type at " + spec.eventTypePaths()
          + (eventType == null ? "" : " (empty string)") + " and no eventType.default");
    }
    if (eventTypeMap != null && ty >= 0) {
      String mapped = eventTypeMap.apply(eventType);
      if (mapped == null) {
        return NormalizeResult.invalid(NormalizeResult.UNMAPPED, "event type " + TimeFormat.quote(shorten(eventType))
            + " at " + spec.eventTypePaths().get(ty - typeStart) + " is not in eventType.map (eventType.map.unmapped="
            + "deadletter): add it to the map, or set eventType.map.unmapped to keep or default");
      }
      eventType = mapped;
    }
    if (eventType.length() > spec.maxEventTypeLength()) {
      return tooLong("event type", eventType, NormalizerSpec.CONFIG_MAX_EVENT_TYPE_LENGTH, spec.maxEventTypeLength());
    }

    long nanos;
    TimeSource source;
    int tm = first(w, timeStart, attrStart);
    if (tm >= 0) {
      if (w.kinds[tm] == KIND_BOOLEAN) {
        return NormalizeResult.invalid(NormalizeResult.TIME, "time at " + spec.timePaths().get(tm - timeStart)
            + " is a boolean");
      }
      java.time.ZoneId zone = spec.timeZone();
      int zs = first(w, zoneStart, zoneEnd);
      if (zs >= 0) {
        try {
          zone = java.time.ZoneId.of(w.values[zs].trim());
        } catch (java.time.DateTimeException ex) {
          return NormalizeResult.invalid(NormalizeResult.TIME, "zone " + TimeFormat.quote(shorten(w.values[zs])) + " at "
              + spec.timeZonePaths().get(zs - zoneStart) + " is not a zone (e.g. Europe/Berlin, UTC, +02:00)");
        }
      }
      try {
        nanos = spec.timeFormat().toNanos(w.values[tm], w.kinds[tm] == KIND_NUMBER, zone);
      } catch (InvalidTimeException ex) {
        return NormalizeResult.invalid(NormalizeResult.TIME, ex.getMessage() + " at " + spec.timePaths().get(tm - timeStart)
            + " (time.format " + spec.timeFormat().label() + ")");
      }
      if (nanos < spec.timeMinNanos()) {
        return NormalizeResult.invalid(NormalizeResult.TIME, "time " + TimeFormat.quote(w.values[tm]) + " at "
            + spec.timePaths().get(tm - timeStart) + " is before time.min (" + spec.timeMinNanos() + " ns)");
      }
      source = TimeSource.EVENT;
    } else {
      switch (spec.timeFallback()) {
        case HEADER: {
          Long headerMillis = headerMillis(headers);
          if (headerMillis != null) {
            nanos = headerMillis * 1_000_000L;
            source = TimeSource.HEADER;
            break;
          }
          nanos = arrivalNanos(arrivalMillis);
          source = TimeSource.ARRIVAL;
          break;
        }
        case ARRIVAL:
          nanos = arrivalNanos(arrivalMillis);
          source = TimeSource.ARRIVAL;
          break;
        default:
          return NormalizeResult.invalid(NormalizeResult.MISSING_FIELD, "no time at " + spec.timePaths()
              + " and time.fallback=none");
      }
    }

    if (source != TimeSource.ARRIVAL) {
      long limit = saturatedAdd(arrivalMillis > Long.MAX_VALUE / 1_000_000L ? Long.MAX_VALUE : arrivalMillis * 1_000_000L,
          spec.maxFutureSkewNanos());
      if (nanos > limit) {
        String at = tm >= 0 ? "time " + TimeFormat.quote(w.values[tm]) + " at " + spec.timePaths().get(tm - timeStart)
            : "time of Flume's timestamp header";
        return NormalizeResult.invalid(NormalizeResult.TIME_FUTURE, at + " is " + io.eventstate.core.fsm.Durations.format(
            nanos - arrivalMillis * 1_000_000L) + " ahead of arrival (" + java.time.Instant.ofEpochMilli(arrivalMillis)
            + "), over time.maxFutureSkew=" + io.eventstate.core.fsm.Durations.format(spec.maxFutureSkewNanos()));
      }
    }

    String eventId;
    int id = first(w, idStart, hashStart);
    if (id >= 0 && !w.values[id].isEmpty()) {
      eventId = w.values[id];
    } else if (hashStart < entityStart) {
      StringBuilder sb = new StringBuilder();
      for (int i = hashStart; i < entityStart; i++) {
        // unit separator between fields, NUL for a missing one: ("a","bc") and ("ab","c") hash differently
        sb.append(w.values[i] == null ? "\u0000" : w.values[i]).append('\u001f');
      }
      byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
      eventId = MurmurHash3.hash128Hex(b, 0, b.length);
    } else {
      eventId = MurmurHash3.hash128Hex(body, 0, body.length);
    }
    if (eventId.length() > spec.maxEventIdLength()) {
      return tooLong("event id", eventId, NormalizerSpec.CONFIG_MAX_EVENT_ID_LENGTH, spec.maxEventIdLength());
    }

    TreeMap<String, String> attrs = new TreeMap<>();
    for (int i = 0; i < attrNames.length; i++) {
      String v = w.values[attrStart + i];
      if (v != null) {
        attrs.putIfAbsent(attrNames[i], v);
      }
    }
    if (w.flat != null) {
      for (int i = 0; i < w.flat.size(); i += 2) {
        attrs.putIfAbsent(w.flat.get(i), w.flat.get(i + 1));
      }
    }
    if (!spec.valueMaps().isEmpty()) {
      for (Map.Entry<String, ValueMap> m : spec.valueMaps().entrySet()) {
        if (!m.getKey().startsWith(ValueMap.ATTRIBUTE)) {
          continue;
        }
        String name = m.getKey().substring(ValueMap.ATTRIBUTE.length());
        String v = attrs.get(name);
        if (v == null) {
          continue;
        }
        String mapped = m.getValue().apply(v);
        if (mapped == null) {
          return NormalizeResult.invalid(NormalizeResult.UNMAPPED, "attribute " + name + " value "
              + TimeFormat.quote(shorten(v)) + " is not in " + m.getValue().key() + " (" + m.getValue().key()
              + ".unmapped=deadletter): add it to the map, or set the policy to keep or default");
        }
        attrs.put(name, mapped);
      }
    }
    int maxValue = spec.maxAttributeValueBytes();
    for (Map.Entry<String, String> a : attrs.entrySet()) {
      String v = a.getValue();
      // a char is at most 3 UTF-8 bytes: only a value that might be over the limit is measured
      if ((long) v.length() * 3 > maxValue) {
        long bytes = utf8Length(v);
        if (bytes > maxValue) {
          return NormalizeResult.invalid(NormalizeResult.LIMIT, "attribute " + TimeFormat.quote(shorten(a.getKey()))
              + " has a value of " + bytes + " bytes, over " + NormalizerSpec.CONFIG_MAX_ATTRIBUTE_VALUE_BYTES + "="
              + maxValue);
        }
      }
    }
    if (attrs.size() > spec.maxAttributes()) {
      return NormalizeResult.invalid(NormalizeResult.LIMIT, attrs.size() + " attributes, over limits.maxAttributes="
          + spec.maxAttributes());
    }
    return NormalizeResult.valid(new CanonicalEvent(eventId, entityType, entityId, eventType, nanos, source, attrs,
        new TreeSet<>(), body));
  }

  private static NormalizeResult tooLong(String what, String value, String key, int limit) {
    return NormalizeResult.invalid(NormalizeResult.LIMIT, what + " " + TimeFormat.quote(shorten(value)) + " has "
        + value.length() + " characters, over " + key + "=" + limit);
  }

  /** The first 40 characters of a value, for a reason. */
  private static String shorten(String v) {
    return v.length() <= 40 ? v : v.substring(0, 40) + "…";
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  private static long utf8Length(String s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  private static long arrivalNanos(long arrivalMillis) {
    return Math.multiplyExact(arrivalMillis, 1_000_000L);
  }

  private static Long headerMillis(Map<String, String> headers) {
    if (headers == null) {
      return null;
    }
    String v = headers.get("timestamp");
    if (v == null) {
      return null;
    }
    try {
      long ms = Long.parseLong(v.trim());
      // the header is milliseconds; anything outside 1970..2262 in nanoseconds is not a usable time
      return ms >= 0 && ms <= Long.MAX_VALUE / 1_000_000L ? ms : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private String candidates(int from, int to) {
    List<String> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(spec.entity().get(i - from).pointer());
    }
    return out.toString();
  }
}
