package io.eventstate.core.act;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

import io.eventstate.core.act.LookupTable.LookupException;

/**
 * Decorates event headers from a {@link LookupTable} loaded from {@link LookupSpec#file()}, and reloads the file
 * when it changes. There is no background thread: at most every {@code reloadIntervalSec} one calling thread
 * (the others do not wait) compares the file's modification time and size with the loaded ones and, if either
 * changed, parses the file and swaps the table in. A file that cannot be read, does not parse or exceeds a bound
 * is refused: the previous table stays in use and the refusal is reported to the {@link Listener} (counted and
 * logged by the interceptor). Lookups are lock-free reads of an immutable table.
 */
public final class LookupDecorator {

  /** What {@link #decorate} did to one event. */
  public enum Outcome {
    /** Columns were copied into headers. */
    DECORATED,
    /** The key header was present but the table has no entry for it. */
    MISSED,
    /** The event has no key header. */
    NO_KEY
  }

  /** Reload events, for counters and logs. */
  public interface Listener {
    void reloaded(LookupTable table);

    void refused(String reason);
  }

  private final LookupSpec spec;
  private final LongSupplier nanoClock;
  private final Listener listener;
  private final ReentrantLock reloadLock = new ReentrantLock();
  private final AtomicLong nextCheckNanos;
  private volatile LookupTable table;
  private long loadedMtime;
  private long loadedSize;

  /**
   * Loads the file once.
   *
   * @throws LookupException when the first load fails: a start-up error
   */
  public LookupDecorator(LookupSpec spec, LongSupplier nanoClock, Listener listener) throws LookupException {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.nanoClock = nanoClock;
    this.listener = listener;
    if (spec.waitForFile() && !Files.exists(spec.file())) {
      // ifMissing = wait: start empty; the reload check loads the file once it exists
      this.table = LookupTable.EMPTY;
      this.loadedMtime = Long.MIN_VALUE;
      this.loadedSize = -1;
    } else {
      Loaded first = load();
      this.table = first.table;
      this.loadedMtime = first.mtime;
      this.loadedSize = first.size;
    }
    this.nextCheckNanos = new AtomicLong(nanoClock.getAsLong() + interval());
  }

  private long interval() {
    return TimeUnit.SECONDS.toNanos(spec.reloadIntervalSec());
  }

  /** The table in use. */
  public LookupTable table() {
    return table;
  }

  private record Loaded(LookupTable table, long mtime, long size) {
  }

  private Loaded load() throws LookupException {
    try {
      BasicFileAttributes attrs = Files.readAttributes(spec.file(), BasicFileAttributes.class);
      if (!attrs.isRegularFile()) {
        throw new LookupException("lookup file " + spec.file() + " is not a regular file");
      }
      if (attrs.size() > spec.maxBytes()) {
        throw new LookupException("lookup file " + spec.file() + " is " + attrs.size() + " bytes, more than maxBytes = "
            + spec.maxBytes() + "; raise maxBytes or shrink the file");
      }
      byte[] bytes = Files.readAllBytes(spec.file());
      try {
        LookupTable t = LookupTable.parse(bytes, spec.format(), spec.keyColumn(), spec.columns(), spec.maxEntries(),
            spec.maxBytes());
        return new Loaded(t, attrs.lastModifiedTime().toMillis(), attrs.size());
      } catch (LookupException e) {
        throw new LookupException("lookup file " + spec.file() + ": " + e.getMessage());
      }
    } catch (IOException e) {
      throw new LookupException("lookup file " + spec.file() + " cannot be read: " + e);
    }
  }

  /** Checks the file now if the interval has passed (called on the event path; cheap otherwise). */
  public void maybeReload() {
    if (spec.reloadIntervalSec() == 0) {
      return;
    }
    long now = nanoClock.getAsLong();
    long next = nextCheckNanos.get();
    if (now - next < 0 || !nextCheckNanos.compareAndSet(next, now + interval())) {
      return;
    }
    if (!reloadLock.tryLock()) {
      return;
    }
    try {
      BasicFileAttributes attrs;
      try {
        attrs = Files.readAttributes(spec.file(), BasicFileAttributes.class);
      } catch (IOException e) {
        if (loadedSize == -1) {
          return; // still waiting for a file that never existed: nothing to report at every interval
        }
        loadedSize = -1;
        loadedMtime = Long.MIN_VALUE;
        listener.refused("lookup file " + spec.file() + " cannot be read (keeping the previous table): " + e);
        return;
      }
      if (attrs.lastModifiedTime().toMillis() == loadedMtime && attrs.size() == loadedSize) {
        return;
      }
      try {
        Loaded l = load();
        table = l.table;
        loadedMtime = l.mtime;
        loadedSize = l.size;
        listener.reloaded(l.table);
      } catch (LookupException e) {
        // Remember the refused version so one bad file is reported once, not at every interval.
        loadedMtime = attrs.lastModifiedTime().toMillis();
        loadedSize = attrs.size();
        listener.refused(e.getMessage() + " (keeping the previous table of " + table.size() + " entries)");
      }
    } finally {
      reloadLock.unlock();
    }
  }

  /** Decorates {@code headers} in place. */
  public Outcome decorate(Map<String, String> headers) {
    maybeReload();
    String key = headers.get(spec.keyHeader());
    if (key == null) {
      return Outcome.NO_KEY;
    }
    Map<String, String> values = table.get(key);
    if (values == null) {
      return Outcome.MISSED;
    }
    for (Map.Entry<String, String> v : values.entrySet()) {
      String h = spec.headerPrefix() + v.getKey();
      if (spec.overwrite()) {
        headers.put(h, v.getValue());
      } else {
        headers.putIfAbsent(h, v.getValue());
      }
    }
    return Outcome.DECORATED;
  }
}
