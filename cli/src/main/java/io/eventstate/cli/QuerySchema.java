package io.eventstate.cli;

import io.eventstate.core.state.DefinitionCatalog;
import io.eventstate.core.fsm.MachineDefinition;
import io.eventstate.core.rowkey.EventRowCodec;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.rowkey.TableSchema;
import io.eventstate.core.session.SessionSpec;
import io.eventstate.core.state.StateColumns;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The query side of the one schema definition: Hive external tables (read by Impala after
 * {@code INVALIDATE METADATA}) over the Eventstate HBase table, generated from {@link TableSchema}, the event
 * cells of {@link EventRowCodec}, the coprocessor's state and derived cells ({@code StateColumns}: family
 * {@code s} on the state row, family {@code d} on each event row) and the configured machine and session
 * definitions (one column per machine state, counter and session). {@code conf/hive/*.sql} are this text
 * ({@code ./eventstate ddl --write} regenerates them; QueryCommandsTest keeps them equal).
 *
 * <h2>Mapping rules</h2>
 * <ul>
 *   <li>The row key is a {@code STRING} ({@code :key}): Impala pushes range predicates on it down to HBase.</li>
 *   <li>Text cells are read as text; decimal numbers stored as text ({@code e:time_ns}, {@code s:last_ns}) are
 *       {@code BIGINT} columns with string storage.</li>
 *   <li>{@code #b} (binary storage) only on the 8-byte big-endian counters the coprocessor writes: Hive decodes
 *       a value of any other width to NULL without an error.</li>
 *   <li>Every external table maps the whole HBase table (event rows, state rows and dead letters alike); the
 *       views select the right kind of row.</li>
 * </ul>
 */
public final class QuerySchema {


  /** One Hive column: name, Hive type, HBase mapping entry ({@code :key} or {@code family:qualifier[#b]}). */
  public record Column(String name, String hiveType, String mapping, String comment) {
    /** Whether the value is an 8-byte big-endian binary number. */
    public boolean binary() {
      return mapping.endsWith("#b");
    }

    /** The HBase family of the column, or null for the row key. */
    public String family() {
      return mapping.equals(":key") ? null : mapping.substring(0, mapping.indexOf(':'));
    }

    /** The HBase qualifier of the column, or null for the row key. */
    public String qualifier() {
      if (mapping.equals(":key")) {
        return null;
      }
      String q = mapping.substring(mapping.indexOf(':') + 1);
      return q.endsWith("#b") ? q.substring(0, q.length() - 2) : q;
    }
  }

  /** One Hive external table over the HBase table. */
  public record HiveTable(String name, String comment, List<Column> columns) {
    public String columnsMapping() {
      return String.join(",", columns.stream().map(Column::mapping).toList());
    }
  }

  private final TableSchema schema;
  private final List<MachineDefinition> machines;
  private final List<SessionSpec> sessions;
  private final String prefix;

  public QuerySchema(TableSchema schema, DefinitionCatalog catalog) {
    this.schema = schema;
    this.machines = catalog.machines();
    this.sessions = catalog.sessions();
    this.prefix = hiveName(schema.tableName().replace(':', '_'));
  }

  public TableSchema schema() {
    return schema;
  }

  public String prefix() {
    return prefix;
  }

  /** A Hive identifier from a machine, session or table name: lower case, {@code -} and {@code .} as {@code _}. */
  static String hiveName(String name) {
    return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
  }

  /** Events: the event cells, and for each machine and session the state and session after the event. */
  public HiveTable eventsTable() {
    List<Column> c = new ArrayList<>();
    c.add(new Column("row_key", "STRING", ":key", "salt:type:id|time_ns|event_id"));
    c.add(e("event_id", "STRING", EventRowCodec.Q_EVENT_ID, "event id (configured field or hash of the raw body)"));
    c.add(e("entity_type", "STRING", EventRowCodec.Q_ENTITY_TYPE, null));
    c.add(e("entity_id", "STRING", EventRowCodec.Q_ENTITY_ID, null));
    c.add(e("event_type", "STRING", EventRowCodec.Q_EVENT_TYPE, null));
    c.add(e("time_ns", "BIGINT", EventRowCodec.Q_TIME_NS, "event time, nanoseconds since the epoch (exact)"));
    c.add(e("time_source", "STRING", EventRowCodec.Q_TIME_SOURCE, "event, header or arrival"));
    c.add(e("tags", "STRING", EventRowCodec.Q_TAGS, "comma-separated tags, NULL when none"));
    c.add(e("body", "STRING", EventRowCodec.Q_BODY, "the raw event, verbatim"));
    for (MachineDefinition m : machines) {
      c.add(new Column(hiveName(m.name()) + "_state", "STRING", d(StateColumns.machineState(m.name())),
          "state of machine " + m.name() + " after this event (entity types " + String.join(",", m.entityTypes()) + ")"));
    }
    for (SessionSpec s : sessions) {
      c.add(new Column(hiveName(s.name()) + "_session", "STRING", d(StateColumns.sessionId(s.name())),
          "session " + s.name() + " this event belongs to (entity types " + String.join(",", s.entityTypes()) + ")"));
    }
    c.add(new Column("late", "STRING", d(StateColumns.LATE), "1 when the event arrived behind the watermark"));
    c.add(new Column("too_late", "STRING", d(StateColumns.TOO_LATE), "1 when older than the allowed lateness (not applied)"));
    return new HiveTable(prefix + "_events", "Eventstate events with their derived state (HBase table "
        + schema.tableName() + "); event rows have event_id set", c);
  }

  /** Entity state: one row per entity (the state row), current state, counters and session of each machine. */
  public HiveTable stateTable() {
    List<Column> c = new ArrayList<>();
    c.add(new Column("row_key", "STRING", ":key", "salt:type:id|!state"));
    c.add(s("last_ns", "BIGINT", StateColumns.LAST_NS, false, "event time of the newest applied event (the watermark)"));
    c.add(s("events", "BIGINT", StateColumns.EVENTS, true, "events applied to the state"));
    c.add(s("too_late", "BIGINT", StateColumns.TOO_LATE, true, "events older than the allowed lateness, NULL until one"));
    for (MachineDefinition m : machines) {
      String n = hiveName(m.name());
      c.add(s(n + "_state", "STRING", StateColumns.machineState(m.name()), false,
          "current state of machine " + m.name()));
      c.add(s(n + "_counters", "STRING", StateColumns.machineCounters(m.name()), false,
          "counters of machine " + m.name() + ", NAME=VALUE,... (one column each in the entity_state view)"));
    }
    for (SessionSpec sp : sessions) {
      String n = hiveName(sp.name());
      c.add(s(n + "_session", "STRING", StateColumns.sessionId(sp.name()), false, "current session " + sp.name()));
      c.add(s(n + "_sessions", "BIGINT", StateColumns.sessionCount(sp.name()), true, "sessions so far"));
    }
    return new HiveTable(prefix + "_state", "Eventstate entity state rows (HBase table " + schema.tableName()
        + "); state rows have a row key ending in |!state", c);
  }

  private static Column e(String name, String type, String qualifier, String comment) {
    return new Column(name, type, TableSchema.FAMILY_EVENT + ":" + qualifier, comment);
  }

  private static String d(String qualifier) {
    return TableSchema.FAMILY_DERIVED + ":" + qualifier;
  }

  private static Column s(String name, String type, String qualifier, boolean binary, String comment) {
    return new Column(name, type, TableSchema.FAMILY_STATE + ":" + qualifier + (binary ? "#b" : ""), comment);
  }

  /** The generated files, file name to text: {@code events.sql}, {@code state.sql}, {@code sessions.sql}. */
  public Map<String, String> hiveFiles() {
    Map<String, String> files = new LinkedHashMap<>();
    HiveTable events = eventsTable();
    HiveTable state = stateTable();
    files.put("events.sql", header("events") + createTable(events) + "\n" + eventsView(events));
    files.put("state.sql", header("entity state") + createTable(state) + "\n" + stateView(state));
    files.put("sessions.sql", header("sessions") + sessionsView(events));
    return files;
  }

  /** All Hive DDL in one script, in dependency order. */
  public String hiveScript() {
    StringBuilder sb = new StringBuilder();
    hiveFiles().forEach((name, text) -> sb.append("-- ==== conf/hive/").append(name).append('\n').append(text).append('\n'));
    sb.append("-- ==== then, in impala-shell:\n-- INVALIDATE METADATA;\n");
    return sb.toString();
  }

  private String header(String what) {
    return "-- Eventstate " + what + ": Hive DDL over the HBase table '" + schema.tableName() + "'.\n"
        + "-- GENERATED by ./eventstate ddl (io.eventstate.cli.QuerySchema) from TableSchema, EventRowCodec, the\n"
        + "-- coprocessor's StateColumns and conf/machines; do not edit: ./eventstate ddl --write regenerates it.\n"
        + "-- Run in Hive (beeline -f), then in impala-shell: INVALIDATE METADATA;\n\n";
  }

  String createTable(HiveTable t) {
    StringBuilder sb = new StringBuilder();
    sb.append("CREATE EXTERNAL TABLE IF NOT EXISTS ").append(t.name()).append(" (\n");
    int width = t.columns().stream().mapToInt(c -> c.name().length()).max().orElse(1);
    for (int i = 0; i < t.columns().size(); i++) {
      Column c = t.columns().get(i);
      sb.append("  ").append(String.format("%-" + width + "s", c.name())).append(' ').append(c.hiveType());
      if (c.comment() != null) {
        sb.append(" COMMENT '").append(c.comment().replace("'", "")).append('\'');
      }
      sb.append(i + 1 < t.columns().size() ? ",\n" : "\n");
    }
    sb.append(")\nCOMMENT '").append(t.comment().replace("'", "")).append("'\n");
    sb.append("STORED BY 'org.apache.hadoop.hive.hbase.HBaseStorageHandler'\n");
    sb.append("WITH SERDEPROPERTIES (\n  'hbase.columns.mapping' = '").append(t.columnsMapping()).append("',\n");
    sb.append("  'hbase.table.default.storage.type' = 'string'\n)\n");
    sb.append("TBLPROPERTIES ('hbase.table.name' = '").append(schema.tableName()).append("');\n");
    return sb.toString();
  }

  private String eventsView(HiveTable events) {
    return "-- Event rows only (the table above also sees state rows and dead letters, with NULL event columns).\n"
        + "CREATE VIEW IF NOT EXISTS " + prefix + "_event_rows AS\nSELECT *\nFROM " + events.name()
        + "\nWHERE event_id IS NOT NULL;\n";
  }

  private String stateView(HiveTable state) {
    // The entity is not a cell of the state row: it is read back from the key "SS:TYPE:ID|!state", where % : | and
    // space are escaped as %25 %3A %7C %20 (RowKeyCodec). The view decodes those four with replace(), %25 last (in an
    // escaped key every % starts an escape, so no decoded text is decoded again), so that entity_id equals the
    // events' and the landed files' entity_id. Control characters and unpaired surrogates stay escaped (%XX, %uXXXX).
    // Each machine's counters are one text cell (NAME=VALUE,...): the view gives each counter its own BIGINT column,
    // NULL when the counter is zero (regexp_extract finds nothing, and '' casts to NULL in Hive and Impala alike).
    StringBuilder counters = new StringBuilder();
    for (MachineDefinition m : machines) {
      String n = hiveName(m.name());
      for (String counter : m.counterNames()) {
        if (counter.equals(MachineDefinition.COUNTER_EVENTS)) {
          continue; // the entity's events column
        }
        counters.append(",\n  CAST(regexp_extract(s.").append(n).append("_counters, '(^|,)").append(counterPattern(counter))
            .append("=(-?[0-9]+)', 2) AS BIGINT) AS ").append(n).append('_').append(hiveName(counter));
      }
    }
    return "-- One row per entity, with the entity read from the row key (its escapes of % : | and space decoded;\n"
        + "-- control characters stay %XX), and each counter of each machine in a column of its own (NULL when zero).\n"
        + "CREATE VIEW IF NOT EXISTS " + prefix + "_entity_state AS\nSELECT\n"
        + "  " + unescapeKeyPart("regexp_extract(row_key, '^[0-9a-f][0-9a-f]:([^:|]*):', 1)") + " AS entity_type,\n"
        + "  " + unescapeKeyPart("regexp_extract(row_key, '^[0-9a-f][0-9a-f]:[^:|]*:([^|]*)[|]', 1)")
        + " AS entity_id,\n"
        + "  s.*" + counters + "\nFROM " + state.name() + " s\nWHERE row_key LIKE '%|" + RowKeyCodec.STATE_SUFFIX
        + "';\n";
  }

  /**
   * SQL that decodes the escapes {@code RowKeyCodec} writes for {@code %}, {@code :}, {@code |} and space in a key
   * part, {@code %25} last; {@code replace} is the same function in Hive and Impala.
   */
  static String unescapeKeyPart(String sql) {
    String out = sql;
    for (char c : new char[] {' ', RowKeyCodec.SEPARATOR, RowKeyCodec.DELIMITER, '%'}) {
      out = "replace(" + out + ", '" + RowKeyCodec.escape(String.valueOf(c)) + "', '" + c + "')";
    }
    return out;
  }

  /**
   * A counter name as a regular expression matching its text in the counter cell ({@code StateColumns.encodeCounters}
   * escapes {@code % , =} as {@code %XX}), with no backslash or quote, which the SQL dialects escape differently.
   */
  static String counterPattern(String counter) {
    StringBuilder sb = new StringBuilder();
    for (char ch : counter.toCharArray()) {
      switch (ch) {
        case '%' -> sb.append("%25");
        case ',' -> sb.append("%2C");
        case '=' -> sb.append("%3D");
        case '\\', '\'', ']', '^' -> sb.append('.'); // any character: never in names the parser accepts
        default -> sb.append(Character.isLetterOrDigit(ch) || ch == '_' || ch == '/' || ch == '-' ? String.valueOf(ch)
            : "[" + ch + "]");
      }
    }
    return sb.toString();
  }

  private String sessionsView(HiveTable events) {
    StringBuilder sb = new StringBuilder();
    sb.append("-- Sessions, one row per session of each session definition, computed from the session id the\n")
        .append("-- coprocessor wrote on every event (d:sess.NAME.id). Times in nanoseconds since the epoch.\n")
        .append("CREATE VIEW IF NOT EXISTS ").append(prefix).append("_sessions AS\n");
    if (sessions.isEmpty()) {
      sb.append("SELECT CAST(NULL AS STRING) AS entity_type, CAST(NULL AS STRING) AS entity_id,\n")
          .append("  CAST(NULL AS STRING) AS session_kind, CAST(NULL AS STRING) AS session_id,\n")
          .append("  CAST(NULL AS BIGINT) AS start_ns, CAST(NULL AS BIGINT) AS end_ns, CAST(NULL AS BIGINT) AS events\n")
          .append("FROM ").append(events.name()).append(" WHERE 1 = 0;\n");
      return sb.toString();
    }
    for (int i = 0; i < sessions.size(); i++) {
      String col = hiveName(sessions.get(i).name()) + "_session";
      if (i > 0) {
        sb.append("UNION ALL\n");
      }
      sb.append("SELECT entity_type, entity_id, '").append(sessions.get(i).name()).append("' AS session_kind, ")
          .append(col).append(" AS session_id,\n")
          .append("  min(time_ns) AS start_ns, max(time_ns) AS end_ns, count(*) AS events\n")
          .append("FROM ").append(events.name()).append('\n')
          .append("WHERE ").append(col).append(" IS NOT NULL\n")
          .append("GROUP BY entity_type, entity_id, ").append(col).append('\n');
    }
    sb.setLength(sb.length() - 1);
    sb.append(";\n");
    return sb.toString();
  }
}
