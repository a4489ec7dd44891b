package io.eventstate.core.fsm;

import io.eventstate.core.config.Locations;
import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.TimeSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.TreeMap;
import java.util.TreeSet;

/** Shared helpers: event building and locating conf/ and samples/. */
public final class TestSupport {

  /** Keys and values written in the properties-file syntax ({@code key = value} lines), as a modifiable map. */
  public static java.util.Map<String, String> props(String text) {
    java.util.Properties p = new java.util.Properties();
    try {
      p.load(new java.io.StringReader(text));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    java.util.Map<String, String> m = new java.util.HashMap<>();
    p.forEach((k, v) -> m.put((String) k, (String) v));
    return m;
  }

  private TestSupport() {
  }

  /** The repository root: the nearest ancestor of the working directory holding conf/machines. */
  public static Path repoRoot() {
    return Locations.repositoryRoot();
  }

  /** The sample data ({@link Locations#sampleData()}: the repository's samples/). */
  public static Path sampleData() {
    return Locations.sampleData();
  }

  public static MachineDefinition machine(String file) {
    try {
      return MachineDefinition.load(repoRoot().resolve("conf/machines").resolve(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An event; attributes as alternating key, value. */
  public static CanonicalEvent event(String entityType, String entityId, String type, long timeNanos, String id,
      String... attrs) {
    TreeMap<String, String> a = new TreeMap<>();
    for (int i = 0; i + 1 < attrs.length; i += 2) {
      if (attrs[i + 1] != null) {
        a.put(attrs[i], attrs[i + 1]);
      }
    }
    return new CanonicalEvent(id, entityType, entityId, type, timeNanos, TimeSource.EVENT, a, new TreeSet<>(),
        new byte[0]);
  }

  public static long nanos(String iso) {
    Instant i = Instant.parse(iso);
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  public static final long SECOND = 1_000_000_000L;
  public static final long MINUTE = 60 * SECOND;
  public static final long HOUR = 60 * MINUTE;
  public static final long DAY = 24 * HOUR;
}
