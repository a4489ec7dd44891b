package io.eventstate.cli;

import io.eventstate.core.rowkey.EventRowCodec;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.rowkey.TableSchema;
import io.eventstate.core.state.StateColumns;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.apache.hadoop.hbase.Cell;
import org.apache.hadoop.hbase.CellUtil;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.TableNotFoundException;
import org.apache.hadoop.hbase.client.Get;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.ResultScanner;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.client.Table;

/**
 * {@code ./eventstate state|events|sessions TYPE:ID [--table NAME] [--hbase-site FILE | --zk host:port] [--json]}:
 * one entity as stored. {@code state} reads its state row (family {@code s}: current state and counters of every
 * machine, sessions), {@code events} its event rows in event-time order with the state and session each event
 * led to (family {@code d}), {@code sessions} its sessions, computed from the session id on each event. A readable
 * table by default, one JSON object per line with {@code --json}. Counters (8-byte cells) print as numbers, the
 * binary engine states ({@code m.NAME}, {@code sess.NAME}) as their size. Without {@code --hbase-site}/{@code --zk}
 * the embedded demo data is read (see {@link HBaseAccess}).
 */
final class EntityQueryCommand {

  static final String USAGE = "state|events|sessions TYPE:ID [--table NAME] [--hbase-site FILE | --zk host:port] [--json]";

  private static final byte[] D = TableSchema.FAMILY_DERIVED.getBytes(StandardCharsets.UTF_8);
  private static final byte[] E = TableSchema.FAMILY_EVENT.getBytes(StandardCharsets.UTF_8);

  private EntityQueryCommand() {
  }

  static int run(String command, String[] args, PrintStream out, PrintStream err) {
    Options o = Options.parse(args, Set.of("table", "hbase-site", "zk"), Set.of("json"));
    if (o.positional().size() != 1) {
      throw new CliException("usage: ./eventstate " + USAGE.replace("state|events|sessions", command));
    }
    String entity = o.positional().get(0);
    int colon = entity.indexOf(':');
    if (colon <= 0 || colon == entity.length() - 1) {
      throw new CliException("entity '" + entity + "' must be TYPE:ID, e.g. package:EZ4000000004");
    }
    String type = entity.substring(0, colon);
    String id = entity.substring(colon + 1);
    String tableName = o.get("table", TableSchema.DEFAULT_TABLE);
    boolean json = o.has("json");
    try (HBaseAccess hbase = HBaseAccess.open(o.get("hbase-site"), o.get("zk"), err);
         Table table = hbase.connection().getTable(TableName.valueOf(tableName))) {
      Result state = table.get(new Get(RowKeyCodec.toBytes(RowKeyCodec.stateRowKey(type, id))));
      List<Result> events = command.equals("state") ? List.of() : events(table, type, id);
      if (state.isEmpty() && (command.equals("state") ? !hasEvents(table, type, id) : events.isEmpty())) {
        throw new CliException("unknown entity " + entity + ": no state row and no events in table " + tableName
            + " of " + hbase.where());
      }
      switch (command) {
        case "state" -> printState(entity, state, json, out);
        case "events" -> printEvents(entity, events, json, out);
        default -> printSessions(entity, events, json, out);
      }
      return 0;
    } catch (TableNotFoundException e) {
      throw new CliException("table " + tableName + " does not exist; create it (./eventstate ddl) or pass --table NAME");
    } catch (IOException | IllegalArgumentException e) {
      throw new CliException("HBase lookup failed: " + HBaseAccess.firstLine(e));
    }
  }

  private static Scan entityScan(String type, String id) {
    RowKeyCodec.KeyRange rows = RowKeyCodec.entityRange(type, id);
    return new Scan().withStartRow(rows.startBytes()).withStopRow(rows.stopBytes());
  }

  private static boolean hasEvents(Table table, String type, String id) throws IOException {
    try (ResultScanner s = table.getScanner(entityScan(type, id).setLimit(2))) {
      for (Result r : s) {
        if (RowKeyCodec.decode(RowKeyCodec.fromBytes(r.getRow())).kind() == RowKeyCodec.Kind.EVENT) {
          return true;
        }
      }
    }
    return false;
  }

  private static List<Result> events(Table table, String type, String id) throws IOException {
    List<Result> rows = new ArrayList<>();
    try (ResultScanner s = table.getScanner(entityScan(type, id))) {
      for (Result r : s) {
        if (RowKeyCodec.decode(RowKeyCodec.fromBytes(r.getRow())).kind() == RowKeyCodec.Kind.EVENT) {
          rows.add(r);
        }
      }
    }
    return rows;
  }

  // ---- state ----

  private static void printState(String entity, Result state, boolean json, PrintStream out) {
    Map<String, Object> cells = new LinkedHashMap<>();
    for (Cell c : state.rawCells()) {
      String q = str(CellUtil.cloneQualifier(c));
      cells.put(str(CellUtil.cloneFamily(c)) + ":" + q, value(q, CellUtil.cloneValue(c)));
    }
    if (json) {
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("entity", entity);
      line.put("row", RowKeyCodec.fromBytes(state.getRow() == null ? new byte[0] : state.getRow()));
      line.put("cells", cells);
      out.println(Json.write(line));
      return;
    }
    out.println("entity  " + entity + (state.isEmpty() ? "  (no state row yet)" : "  (row " + RowKeyCodec.fromBytes(state.getRow()) + ")"));
    table(out, List.of("cell", "value"), cells.entrySet().stream()
        .map(e -> List.of(e.getKey(), String.valueOf(e.getValue()))).toList());
  }

  /**
   * Counters are 8-byte longs, a machine's counter cell is their text form (shown as name → value); the machines' and
   * sessions' full states are binary; the rest is text.
   */
  static Object value(String qualifier, byte[] v) {
    boolean counter = qualifier.equals(StateColumns.EVENTS) || qualifier.equals(StateColumns.TOO_LATE)
        || qualifier.contains(".c.") || qualifier.endsWith(".count") || qualifier.startsWith(StateColumns.DAY_PREFIX);
    if (counter && v.length == Long.BYTES) {
      return ByteBuffer.wrap(v).getLong();
    }
    if (qualifier.startsWith(StateColumns.MACHINE_PREFIX) && qualifier.endsWith(".c")) {
      try {
        return StateColumns.decodeCounters(v);
      } catch (IllegalArgumentException e) {
        return "(" + v.length + " bytes, unreadable counters: " + e.getMessage() + ")";
      }
    }
    if ((qualifier.startsWith("m.") || qualifier.startsWith("sess.")) && qualifier.indexOf('.', qualifier.indexOf('.') + 1) < 0) {
      return "(" + v.length + " bytes, engine state)";
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(v)).toString();
    } catch (CharacterCodingException e) {
      return "(" + v.length + " bytes)";
    }
  }

  // ---- events ----

  private static void printEvents(String entity, List<Result> events, boolean json, PrintStream out) {
    List<List<String>> rows = new ArrayList<>();
    for (Result r : events) {
      Map<String, Object> derived = derived(r);
      if (json) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("entity", entity);
        line.put("row", RowKeyCodec.fromBytes(r.getRow()));
        line.put("eventId", text(r, EventRowCodec.Q_EVENT_ID));
        line.put("eventType", text(r, EventRowCodec.Q_EVENT_TYPE));
        line.put("eventTime", text(r, EventRowCodec.Q_TIME_NS));
        line.put("tags", text(r, EventRowCodec.Q_TAGS));
        line.put("attributes", attributes(r));
        line.put("derived", derived);
        out.println(Json.write(line));
      } else {
        StringBuilder d = new StringBuilder();
        derived.forEach((k, v) -> d.append(d.length() == 0 ? "" : "  ").append(k).append('=').append(v));
        String tags = text(r, EventRowCodec.Q_TAGS);
        StringBuilder a = new StringBuilder();
        attributes(r).forEach((k, v) -> a.append(a.length() == 0 ? "" : "  ").append(k).append('=').append(v));
        rows.add(List.of(time(text(r, EventRowCodec.Q_TIME_NS)), nz(text(r, EventRowCodec.Q_EVENT_TYPE)),
            nz(text(r, EventRowCodec.Q_EVENT_ID)), tags == null ? "" : tags, a.toString(), d.toString()));
      }
    }
    if (!json) {
      out.println("entity  " + entity + "  (" + events.size() + " events)");
      table(out, List.of("time (UTC)", "type", "event id", "tags", "attributes", "derived"), rows);
    }
  }

  /** The stored attributes of an event (cells {@code e:a.NAME}), by name. */
  private static Map<String, String> attributes(Result r) {
    Map<String, String> m = new TreeMap<>();
    Map<byte[], byte[]> fam = r.getFamilyMap(E);
    if (fam != null) {
      fam.forEach((q, v) -> {
        String qs = str(q);
        if (qs.startsWith(EventRowCodec.Q_ATTRIBUTE_PREFIX)) {
          m.put(qs.substring(EventRowCodec.Q_ATTRIBUTE_PREFIX.length()), str(v));
        }
      });
    }
    return m;
  }

  /** The readable derived cells of an event: state and session per machine, late flags. */
  private static Map<String, Object> derived(Result r) {
    Map<String, Object> m = new TreeMap<>();
    Map<byte[], byte[]> fam = r.getFamilyMap(D);
    if (fam != null) {
      fam.forEach((q, v) -> {
        String qs = str(q);
        Object val = value(qs, v);
        if (!(val instanceof String s && s.startsWith("("))) {
          m.put(qs, val);
        }
      });
    }
    return m;
  }

  // ---- sessions ----

  private record SessionAgg(String kind, String id, long start, long end, int events) {
  }

  private static void printSessions(String entity, List<Result> events, boolean json, PrintStream out) {
    Map<String, SessionAgg> sessions = new LinkedHashMap<>();
    for (Result r : events) {
      long t = Long.parseLong(text(r, EventRowCodec.Q_TIME_NS));
      Map<byte[], byte[]> fam = r.getFamilyMap(D);
      if (fam == null) {
        continue;
      }
      fam.forEach((q, v) -> {
        String qs = str(q);
        if (qs.startsWith("sess.") && qs.endsWith(".id")) {
          String kind = qs.substring("sess.".length(), qs.length() - ".id".length());
          String id = str(v);
          sessions.merge(kind + "\u0000" + id, new SessionAgg(kind, id, t, t, 1),
              (a, b) -> new SessionAgg(a.kind, a.id, Math.min(a.start, b.start), Math.max(a.end, b.end), a.events + b.events));
        }
      });
    }
    if (sessions.isEmpty()) {
      throw new CliException("entity " + entity + " has " + events.size()
          + " events but no sessions: no session definition applies to its type, or the coprocessor is not loaded");
    }
    List<List<String>> rows = new ArrayList<>();
    for (SessionAgg s : sessions.values()) {
      long durationMs = (s.end - s.start) / 1_000_000L;
      if (json) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("entity", entity);
        line.put("session", s.kind);
        line.put("sessionId", s.id);
        line.put("start", Long.toString(s.start));
        line.put("end", Long.toString(s.end));
        line.put("durationMs", durationMs);
        line.put("events", s.events);
        out.println(Json.write(line));
      } else {
        rows.add(List.of(s.kind, s.id, time(Long.toString(s.start)), time(Long.toString(s.end)),
            java.time.Duration.ofMillis(durationMs).toString().substring(2).toLowerCase(java.util.Locale.ROOT),
            Integer.toString(s.events)));
      }
    }
    if (!json) {
      out.println("entity  " + entity + "  (" + sessions.size() + " sessions)");
      table(out, List.of("session", "id", "start (UTC)", "end (UTC)", "duration", "events"), rows);
    }
  }

  // ---- helpers ----

  private static String text(Result r, String qualifier) {
    byte[] v = r.getValue(E, qualifier.getBytes(StandardCharsets.UTF_8));
    return v == null ? null : str(v);
  }

  private static String str(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  static String time(String nanos) {
    if (nanos == null) {
      return "";
    }
    long ns = Long.parseLong(nanos);
    return Instant.ofEpochSecond(Math.floorDiv(ns, 1_000_000_000L), Math.floorMod(ns, 1_000_000_000L)).toString();
  }

  static void table(PrintStream out, List<String> header, List<List<String>> rows) {
    int[] w = new int[header.size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = header.get(i).length();
      for (List<String> r : rows) {
        w[i] = Math.max(w[i], r.get(i).length());
      }
    }
    StringBuilder sep = new StringBuilder();
    for (int i = 0; i < w.length; i++) {
      sep.append(i == 0 ? "" : "  ").append("-".repeat(w[i]));
    }
    out.println(line(header, w));
    out.println(sep);
    for (List<String> r : rows) {
      out.println(line(r, w));
    }
  }

  private static String line(List<String> cells, int[] w) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      String c = cells.get(i);
      sb.append(i == 0 ? "" : "  ").append(i + 1 == cells.size() ? c : String.format("%-" + w[i] + "s", c));
    }
    return sb.toString().stripTrailing();
  }
}
