package io.eventstate.core.act;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * An immutable lookup table: key → (column → value), parsed from a CSV or JSON file's bytes, with bounds checked
 * before anything is kept. Values are text; JSON numbers and booleans keep their literal text, nested values are
 * refused.
 *
 * <h2>Formats</h2>
 * <ul>
 *   <li>CSV (RFC 4180: comma separated, {@code "} quotes, {@code ""} inside quotes, CRLF or LF): the first line
 *       names the columns; the key column is {@code keyColumn} or else the first column. Empty value cells are
 *       left out of the entry.</li>
 *   <li>JSON: either an object whose property names are the keys and whose values are objects of scalar
 *       columns, {@code {"u1": {"plan": "gold"}}}, or an array of such objects each holding the key in
 *       {@code keyColumn}, {@code [{"id": "u1", "plan": "gold"}]}. {@code null} values are left out.</li>
 * </ul>
 * A key that occurs twice is an error (which row wins would otherwise depend on the file order).
 */
public final class LookupTable {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** An empty table. */
  public static final LookupTable EMPTY = new LookupTable(Map.of(), 0);

  private final Map<String, Map<String, String>> rows;
  private final long sourceBytes;

  private LookupTable(Map<String, Map<String, String>> rows, long sourceBytes) {
    this.rows = rows;
    this.sourceBytes = sourceBytes;
  }

  /** The columns of {@code key}, or null when the table has no such key. */
  public Map<String, String> get(String key) {
    return rows.get(key);
  }

  /** Number of keys. */
  public int size() {
    return rows.size();
  }

  /** Size of the file it was parsed from. */
  public long sourceBytes() {
    return sourceBytes;
  }

  /** The keys, for tests and diagnostics. */
  public Set<String> keys() {
    return rows.keySet();
  }

  /**
   * Parses a table.
   *
   * @param bytes      the file's content (UTF-8)
   * @param format     the format
   * @param keyColumn  the key column, or null: the first CSV column; required for a JSON array
   * @param columns    the columns to keep, or empty for all but the key column
   * @param maxEntries refuse a table with more keys
   * @param maxBytes   refuse a file larger than this
   * @throws LookupException saying what is wrong and where
   */
  public static LookupTable parse(byte[] bytes, LookupSpec.Format format, String keyColumn, List<String> columns,
      int maxEntries, long maxBytes) throws LookupException {
    if (bytes.length > maxBytes) {
      throw new LookupException("file is " + bytes.length + " bytes, more than maxBytes = " + maxBytes
          + "; raise maxBytes or shrink the file");
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new LookupException("file is not valid UTF-8: " + e.getMessage());
    }
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    Map<String, Map<String, String>> rows = format == LookupSpec.Format.CSV
        ? parseCsv(text, keyColumn, columns, maxEntries)
        : parseJson(text, keyColumn, columns, maxEntries);
    return new LookupTable(Collections.unmodifiableMap(rows), bytes.length);
  }

  private static Map<String, Map<String, String>> parseCsv(String text, String keyColumn, List<String> columns,
      int maxEntries) throws LookupException {
    List<Integer> lines = new ArrayList<>();
    List<List<String>> records = csvRecords(text, lines);
    if (records.isEmpty()) {
      throw new LookupException("CSV file is empty: the first line must name the columns, e.g. entityId,plan,region");
    }
    List<String> header = records.get(0);
    int keyIndex = keyColumn == null ? 0 : header.indexOf(keyColumn);
    if (keyIndex < 0) {
      throw new LookupException("CSV header " + header + " has no key column '" + keyColumn
          + "'; set keyColumn to one of the header's names");
    }
    for (String c : columns) {
      if (!header.contains(c)) {
        throw new LookupException("CSV header " + header + " has no column '" + c + "' listed in columns");
      }
    }
    Map<String, Map<String, String>> rows = new HashMap<>();
    for (int r = 1; r < records.size(); r++) {
      List<String> rec = records.get(r);
      if (rec.size() == 1 && rec.get(0).isEmpty()) {
        continue; // blank line
      }
      if (rec.size() != header.size()) {
        throw new LookupException("CSV line " + lines.get(r) + " has " + rec.size() + " fields, the header has "
            + header.size() + "; quote a field that holds a comma");
      }
      String key = rec.get(keyIndex);
      Map<String, String> values = new LinkedHashMap<>();
      for (int i = 0; i < header.size(); i++) {
        String col = header.get(i);
        if (i != keyIndex && (columns.isEmpty() || columns.contains(col)) && !rec.get(i).isEmpty()) {
          values.put(col, rec.get(i));
        }
      }
      put(rows, key, values, "CSV line " + lines.get(r), maxEntries);
    }
    return rows;
  }

  private static void put(Map<String, Map<String, String>> rows, String key, Map<String, String> values, String where,
      int maxEntries) throws LookupException {
    if (key == null || key.isEmpty()) {
      throw new LookupException(where + " has an empty key");
    }
    if (rows.putIfAbsent(key, Collections.unmodifiableMap(values)) != null) {
      throw new LookupException(where + ": key '" + key + "' occurs twice; keep one entry per key");
    }
    if (rows.size() > maxEntries) {
      throw new LookupException("more than maxEntries = " + maxEntries + " keys; raise maxEntries or shrink the file");
    }
  }

  /** RFC 4180 records; the line each record starts on is added to {@code startLines}. */
  static List<List<String>> csvRecords(String text, List<Integer> startLines) throws LookupException {
    List<List<String>> out = new ArrayList<>();
    int start = 1;
    List<String> rec = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    boolean wasQuoted = false;
    int line = 1;
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (quoted) {
        if (c == '"') {
          if (i + 1 < n && text.charAt(i + 1) == '"') {
            field.append('"');
            i++;
          } else {
            quoted = false;
          }
        } else {
          if (c == '\n') {
            line++;
          }
          field.append(c);
        }
      } else if (c == '"') {
        if (field.length() > 0 || wasQuoted) {
          throw new LookupException("CSV line " + line + ": a quote inside an unquoted field; quote the whole field"
              + " and double the quote");
        }
        quoted = true;
        wasQuoted = true;
      } else if (c == ',') {
        rec.add(field.toString());
        field.setLength(0);
        wasQuoted = false;
      } else if (c == '\n' || c == '\r') {
        if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') {
          i++;
        }
        rec.add(field.toString());
        field.setLength(0);
        wasQuoted = false;
        out.add(rec);
        startLines.add(start);
        rec = new ArrayList<>();
        line++;
        start = line;
      } else {
        if (wasQuoted) {
          throw new LookupException("CSV line " + line + ": text after a closing quote");
        }
        field.append(c);
      }
    }
    if (quoted) {
      throw new LookupException("CSV: a quoted field opened on or before line " + line + " is never closed");
    }
    if (field.length() > 0 || !rec.isEmpty() || wasQuoted) {
      rec.add(field.toString());
      out.add(rec);
      startLines.add(start);
    }
    return out;
  }

  private static Map<String, Map<String, String>> parseJson(String text, String keyColumn, List<String> columns,
      int maxEntries) throws LookupException {
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (IOException e) {
      throw new LookupException("JSON does not parse: " + e.getMessage());
    }
    Map<String, Map<String, String>> rows = new HashMap<>();
    if (root != null && root.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
        Map.Entry<String, JsonNode> e = it.next();
        put(rows, e.getKey(), values(e.getValue(), null, columns, "$." + e.getKey()), "$." + e.getKey(), maxEntries);
      }
    } else if (root != null && root.isArray()) {
      if (keyColumn == null) {
        throw new LookupException("a JSON array needs keyColumn: the property holding each entry's key");
      }
      for (int i = 0; i < root.size(); i++) {
        JsonNode k = root.get(i).get(keyColumn);
        String where = "$[" + i + "]";
        if (k == null || !k.isValueNode() || k.isNull()) {
          throw new LookupException(where + " has no scalar key property '" + keyColumn + "'");
        }
        put(rows, k.asText(), values(root.get(i), keyColumn, columns, where), where, maxEntries);
      }
    } else {
      throw new LookupException("JSON must be an object of objects or an array of objects");
    }
    return rows;
  }

  private static Map<String, String> values(JsonNode node, String keyColumn, List<String> columns, String where)
      throws LookupException {
    if (!node.isObject()) {
      throw new LookupException(where + " is not an object of columns");
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals(keyColumn) || (!columns.isEmpty() && !columns.contains(e.getKey()))) {
        continue;
      }
      JsonNode v = e.getValue();
      if (v.isNull()) {
        continue;
      }
      if (!v.isValueNode()) {
        throw new LookupException(where + "." + e.getKey() + " is not a scalar; lookup values are flat text");
      }
      values.put(e.getKey(), v.asText());
    }
    return values;
  }

  /** Why a table could not be loaded. */
  public static final class LookupException extends Exception {
    private static final long serialVersionUID = 1L;

    public LookupException(String message) {
      super(message);
    }
  }
}
