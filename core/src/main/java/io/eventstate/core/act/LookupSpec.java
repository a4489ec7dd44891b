package io.eventstate.core.act;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

import io.eventstate.core.config.ConfigException;
import io.eventstate.core.config.ConfigReader;

/**
 * Configuration of the lookup decorator ({@code io.eventstate.flume.interceptor.LookupInterceptor}): which file,
 * which key, which columns become which headers, how often the file is checked for changes, and the memory bound.
 *
 * <table>
 *   <caption>Lookup keys</caption>
 *   <tr><th>Property</th><th>Default</th><th>Description</th></tr>
 *   <tr><td>{@code file}</td><td>(required)</td><td>path of the CSV or JSON lookup file; it must load at start-up</td></tr>
 *   <tr><td>{@code format}</td><td>from the file name</td><td>{@code csv} or {@code json} ({@code .csv} / {@code .json})</td></tr>
 *   <tr><td>{@code key}</td><td>{@code entityId}</td><td>the event field looked up: {@code entityId}, {@code eventType},
 *       any canonical field, {@code attr.<name>} or {@code header.<name>} (as in tagging rules)</td></tr>
 *   <tr><td>{@code keyColumn}</td><td>first CSV column</td><td>the file's key column (required for a JSON array)</td></tr>
 *   <tr><td>{@code columns}</td><td>all</td><td>comma-separated columns to copy; the others are not kept in memory</td></tr>
 *   <tr><td>{@code headerPrefix}</td><td>{@code es.attr.}</td><td>prefix of the headers written: with the default the
 *       values become attributes, which the sink stores and tagging rules read as {@code attr.<column>}</td></tr>
 *   <tr><td>{@code overwrite}</td><td>{@code false}</td><td>{@code true} replaces a header the event already has;
 *       by default the event's own value wins</td></tr>
 *   <tr><td>{@code reloadIntervalSec}</td><td>30</td><td>at most this often, the next event checks the file's
 *       modification time and size and reloads it if either changed; 0 never reloads</td></tr>
 *   <tr><td>{@code maxEntries}</td><td>100000</td><td>a file with more keys is refused</td></tr>
 *   <tr><td>{@code maxBytes}</td><td>16777216</td><td>a larger file is refused (before it is read); bytes, or with
 *       a unit: {@code 16MiB}</td></tr>
 *   <tr><td>{@code ifMissing}</td><td>{@code fail}</td><td>{@code fail}: a file missing at start-up fails the
 *       component; {@code wait}: start with an empty table (events pass undecorated, counted as missed) and load the
 *       file when it appears. A file that exists is always validated at start-up.</td></tr>
 *   <tr><td>{@code name}</td><td>{@code lookup}</td><td>counter group name ({@code INTERCEPTOR.<name>})</td></tr>
 * </table>
 * A relative {@code file} is resolved against the agent's working directory, as Flume does for every path.
 * Flume's {@code type} key is ignored; any other key is an error.
 */
public record LookupSpec(String name, Path file, Format format, String keyField, String keyHeader, String keyColumn,
    List<String> columns, String headerPrefix, boolean overwrite, long reloadIntervalSec, int maxEntries,
    long maxBytes, boolean waitForFile) {

  public static final String CONFIG_FILE = "file";
  public static final String CONFIG_FORMAT = "format";
  public static final String CONFIG_KEY = "key";
  public static final String CONFIG_KEY_COLUMN = "keyColumn";
  public static final String CONFIG_COLUMNS = "columns";
  public static final String CONFIG_HEADER_PREFIX = "headerPrefix";
  public static final String CONFIG_OVERWRITE = "overwrite";
  public static final String CONFIG_RELOAD_INTERVAL_SEC = "reloadIntervalSec";
  public static final String CONFIG_MAX_ENTRIES = "maxEntries";
  public static final String CONFIG_MAX_BYTES = "maxBytes";
  public static final String CONFIG_NAME = "name";
  public static final String CONFIG_IF_MISSING = "ifMissing";

  public static final String DEFAULT_KEY = "entityId";
  public static final String DEFAULT_HEADER_PREFIX = "es.attr.";
  public static final long DEFAULT_RELOAD_INTERVAL_SEC = 30;
  public static final int DEFAULT_MAX_ENTRIES = 100_000;
  public static final long DEFAULT_MAX_BYTES = 16L * 1024 * 1024;
  public static final String DEFAULT_NAME = "lookup";

  /** Every key {@link #parse(Map)} accepts (besides Flume's {@code type}). */
  public static final Set<String> KEYS = Set.of(CONFIG_FILE, CONFIG_FORMAT, CONFIG_KEY, CONFIG_KEY_COLUMN,
      CONFIG_COLUMNS, CONFIG_HEADER_PREFIX, CONFIG_OVERWRITE, CONFIG_RELOAD_INTERVAL_SEC, CONFIG_MAX_ENTRIES,
      CONFIG_MAX_BYTES, CONFIG_NAME, CONFIG_IF_MISSING);
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");

  /** Lookup file formats. */
  public enum Format {
    CSV, JSON
  }

  public LookupSpec {
    Objects.requireNonNull(file, "file");
    columns = List.copyOf(columns);
  }

  /**
   * Parses keys relative to the interceptor.
   *
   * @throws ConfigException naming the key, the bad value and the fix
   */
  public static LookupSpec parse(Map<String, String> config) {
    ConfigReader r = new ConfigReader(null, config).keys(KEYS).ignore("type").rejectUnknown();
    String name = r.text(CONFIG_NAME, DEFAULT_NAME);
    if (!NAME.matcher(name).matches()) {
      throw r.bad(CONFIG_NAME, "must be letters, digits, '_' or '-' (it names the JMX counter group)");
    }
    String fileText = r.required(CONFIG_FILE, "set it to the path of a .csv or .json lookup file, e.g."
        + " file = /etc/flume/lookup/plans.csv");
    Path file = Path.of(fileText);
    Format format;
    if (!r.has(CONFIG_FORMAT)) {
      String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
      if (lower.endsWith(".csv")) {
        format = Format.CSV;
      } else if (lower.endsWith(".json")) {
        format = Format.JSON;
      } else {
        throw r.bad(CONFIG_FILE, "the format cannot be told from the name; set format = csv or format = json");
      }
    } else {
      format = Format.valueOf(r.oneOf(CONFIG_FORMAT, null, List.of("csv", "json")).toUpperCase(Locale.ROOT));
    }
    String keyField = r.text(CONFIG_KEY, DEFAULT_KEY);
    String keyHeader = TaggingSpec.headerFor(keyField);
    if (keyHeader == null) {
      throw r.bad(CONFIG_KEY, "must be a canonical field (entityId, entityType, eventType, ...), "
          + "attr.<name> or header.<name>");
    }
    String keyColumn = r.raw(CONFIG_KEY_COLUMN);
    keyColumn = keyColumn == null || keyColumn.isBlank() ? null : keyColumn.trim();
    List<String> columns = r.list(CONFIG_COLUMNS);
    if (r.has(CONFIG_COLUMNS) && columns.isEmpty()) {
      throw r.bad(CONFIG_COLUMNS, "list at least one column, or remove the key to copy all columns");
    }
    String prefix = r.has(CONFIG_HEADER_PREFIX) ? r.raw(CONFIG_HEADER_PREFIX) : DEFAULT_HEADER_PREFIX;
    if (prefix.isEmpty() || prefix.contains(" ")) {
      throw r.bad(CONFIG_HEADER_PREFIX, "must be a non-empty header name prefix without spaces, e.g. es.attr.");
    }
    boolean overwrite = r.bool(CONFIG_OVERWRITE, false);
    long reload = r.longValue(CONFIG_RELOAD_INTERVAL_SEC, DEFAULT_RELOAD_INTERVAL_SEC, 0, 86_400);
    int maxEntries = r.intValue(CONFIG_MAX_ENTRIES, DEFAULT_MAX_ENTRIES, 1, 50_000_000);
    long maxBytes = r.sizeBytes(CONFIG_MAX_BYTES, DEFAULT_MAX_BYTES, 1, 1L << 31);
    boolean wait = r.oneOf(CONFIG_IF_MISSING, "fail", List.of("fail", "wait")).equals("wait");
    if (wait && reload == 0) {
      throw r.bad(CONFIG_IF_MISSING, "needs reloadIntervalSec > 0, or the file would never be loaded");
    }
    return new LookupSpec(name, file, format, keyField, keyHeader, keyColumn, columns, prefix, overwrite, reload,
        maxEntries, maxBytes, wait);
  }
}
