package io.eventstate.core.act;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.eventstate.core.act.LookupTable.LookupException;

class LookupDecoratorTest {

  @TempDir
  Path dir;

  private final AtomicLong clock = new AtomicLong(1_000);
  private final List<String> refused = new ArrayList<>();
  private final List<Integer> reloaded = new ArrayList<>();

  private final LookupDecorator.Listener listener = new LookupDecorator.Listener() {
    @Override
    public void reloaded(LookupTable table) {
      reloaded.add(table.size());
    }

    @Override
    public void refused(String reason) {
      refused.add(reason);
    }
  };

  private Path write(String name, String text, long mtimeMillis) throws Exception {
    Path p = dir.resolve(name);
    Files.writeString(p, text, StandardCharsets.UTF_8);
    Files.setLastModifiedTime(p, FileTime.fromMillis(mtimeMillis));
    return p;
  }

  private LookupSpec spec(Path file, String... kv) {
    Map<String, String> m = new HashMap<>();
    m.put("file", file.toString());
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return LookupSpec.parse(m);
  }

  private static Map<String, String> headers(String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void csvWithQuotesDecoratesByEntityIdAndKeepsTheEventsOwnValues() throws Exception {
    Path f = write("plans.csv", "entityId,plan,region,note\r\nu1,gold,eu,\"a, \"\"quoted\"\" note\"\nu2,silver,,x\n", 1000);
    LookupDecorator d = new LookupDecorator(spec(f), clock::get, listener);
    Map<String, String> h = headers("es.entityId", "u1", "es.attr.region", "us");
    assertEquals(LookupDecorator.Outcome.DECORATED, d.decorate(h));
    assertEquals("gold", h.get("es.attr.plan"));
    assertEquals("us", h.get("es.attr.region"), "the event's own value wins without overwrite");
    assertEquals("a, \"quoted\" note", h.get("es.attr.note"));
    Map<String, String> h2 = headers("es.entityId", "u2");
    d.decorate(h2);
    assertNull(h2.get("es.attr.region"), "empty cells are left out");
    assertEquals(LookupDecorator.Outcome.MISSED, d.decorate(headers("es.entityId", "u9")));
    assertEquals(LookupDecorator.Outcome.NO_KEY, d.decorate(headers("es.eventType", "x")));
  }

  @Test
  void jsonObjectAndArrayFormsWithColumnsPrefixAndOverwrite() throws Exception {
    Path obj = write("plans.json", "{\"u1\": {\"plan\": \"gold\", \"seats\": 5, \"x\": null}}", 1000);
    LookupDecorator d = new LookupDecorator(spec(obj, "headerPrefix", "plan.", "overwrite", "true", "columns", "seats"),
        clock::get, listener);
    Map<String, String> h = headers("es.entityId", "u1", "plan.seats", "1");
    d.decorate(h);
    assertEquals("5", h.get("plan.seats"));
    assertNull(h.get("plan.plan"));
    Path arr = write("users.json", "[{\"id\": \"a\", \"tier\": \"t1\"}, {\"id\": \"b\", \"tier\": \"t2\"}]", 1000);
    LookupDecorator d2 = new LookupDecorator(spec(arr, "keyColumn", "id", "key", "attr.user"), clock::get, listener);
    Map<String, String> h2 = headers("es.attr.user", "b");
    d2.decorate(h2);
    assertEquals("t2", h2.get("es.attr.tier"));
  }

  @Test
  void reloadsAChangedFileOnlyAfterTheIntervalAndKeepsThePreviousTableWhenTheNewOneIsTooLarge() throws Exception {
    Path f = write("plans.csv", "id,plan\nu1,gold\n", 1000);
    LookupDecorator d = new LookupDecorator(spec(f, "reloadIntervalSec", "10", "maxEntries", "2"), clock::get, listener);
    write("plans.csv", "id,plan\nu1,platinum\nu2,silver\n", 2000);
    Map<String, String> h = headers("es.entityId", "u1");
    d.decorate(h);
    assertEquals("gold", h.get("es.attr.plan"), "not checked before the interval");
    clock.addAndGet(TimeUnit.SECONDS.toNanos(10));
    h = headers("es.entityId", "u1");
    d.decorate(h);
    assertEquals("platinum", h.get("es.attr.plan"));
    assertEquals(List.of(2), reloaded);

    write("plans.csv", "id,plan\nu1,x\nu2,y\nu3,z\n", 3000);
    clock.addAndGet(TimeUnit.SECONDS.toNanos(10));
    h = headers("es.entityId", "u1");
    d.decorate(h);
    assertEquals("platinum", h.get("es.attr.plan"), "a file over maxEntries is refused; the old table stays");
    assertEquals(1, refused.size());
    assertTrue(refused.get(0).contains("maxEntries = 2"), refused.get(0));
    clock.addAndGet(TimeUnit.SECONDS.toNanos(10));
    d.decorate(headers("es.entityId", "u1"));
    assertEquals(1, refused.size(), "the same refused file is reported once");

    write("plans.csv", "id,plan\n" + "u1,ok\n", 4000);
    clock.addAndGet(TimeUnit.SECONDS.toNanos(10));
    h = headers("es.entityId", "u1");
    d.decorate(h);
    assertEquals("ok", h.get("es.attr.plan"));
  }

  @Test
  void aFileOverMaxBytesIsRefusedAtStartAndOnReload() throws Exception {
    Path f = write("plans.csv", "id,plan\nu1,gold\n", 1000);
    LookupException e = assertThrows(LookupException.class,
        () -> new LookupDecorator(spec(f, "maxBytes", "5"), clock::get, listener));
    assertTrue(e.getMessage().contains("maxBytes = 5"), e.getMessage());
    LookupDecorator d = new LookupDecorator(spec(f, "maxBytes", "40", "reloadIntervalSec", "1"), clock::get, listener);
    write("plans.csv", "id,plan\nu1,gold\nu2,silver-silver-silver-silver\n", 2000);
    clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
    d.decorate(headers("es.entityId", "u1"));
    assertEquals(1, d.table().size());
    assertTrue(refused.get(0).contains("more than maxBytes = 40"), refused.get(0));
  }

  @Test
  void ifMissingWaitStartsEmptyAndLoadsTheFileWhenItAppears() throws Exception {
    Path f = dir.resolve("later.csv");
    LookupDecorator d = new LookupDecorator(spec(f, "ifMissing", "wait", "reloadIntervalSec", "5"), clock::get, listener);
    assertEquals(LookupDecorator.Outcome.MISSED, d.decorate(headers("es.entityId", "u1")));
    clock.addAndGet(TimeUnit.SECONDS.toNanos(5));
    d.decorate(headers("es.entityId", "u1"));
    assertEquals(List.of(), refused, "waiting for a file is not reported at every interval");
    write("later.csv", "id,plan\nu1,gold\n", 5000);
    clock.addAndGet(TimeUnit.SECONDS.toNanos(5));
    Map<String, String> h = headers("es.entityId", "u1");
    assertEquals(LookupDecorator.Outcome.DECORATED, d.decorate(h));
    assertEquals("gold", h.get("es.attr.plan"));
    assertThrows(IllegalArgumentException.class, () -> spec(f, "ifMissing", "wait", "reloadIntervalSec", "0"));
    assertThrows(IllegalArgumentException.class, () -> spec(f, "ifMissing", "later"));
  }

  @Test
  void malformedFilesAreRefusedWithWhereAndWhy() throws Exception {
    assertThrows(LookupException.class, () -> new LookupDecorator(spec(write("a.csv", "id,plan\nu1\n", 1)), clock::get, listener));
    assertThrows(LookupException.class, () -> new LookupDecorator(spec(write("b.csv", "id,plan\nu1,\"open\n", 1)), clock::get, listener));
    LookupException dup = assertThrows(LookupException.class,
        () -> new LookupDecorator(spec(write("c.csv", "id,plan\nu1,a\nu1,b\n", 1)), clock::get, listener));
    assertTrue(dup.getMessage().contains("occurs twice"), dup.getMessage());
    assertThrows(LookupException.class, () -> new LookupDecorator(spec(write("d.json", "[{\"id\":1}]", 1)), clock::get, listener));
    assertThrows(LookupException.class, () -> new LookupDecorator(spec(write("e.json", "{\"u\": {\"a\": [1]}}", 1)), clock::get, listener));
    assertThrows(LookupException.class, () -> new LookupDecorator(spec(dir.resolve("missing.csv")), clock::get, listener));
  }

  @Test
  void shouldRejectBadKeysNamingKeyValueAndFix() {
    Path f = dir.resolve("x.csv");
    assertMessage(() -> spec(f, "keyy", "a"), "unknown key 'keyy'");
    assertMessage(() -> spec(f, "key", "nonsense"), "key 'key' value was set to 'nonsense'");
    assertMessage(() -> spec(dir.resolve("x.txt")), "set format = csv or format = json");
    assertMessage(() -> spec(f, "format", "xml"), "must be csv or json");
    assertMessage(() -> spec(f, "maxEntries", "0"), "key 'maxEntries' value was set to '0'");
    assertMessage(() -> spec(f, "overwrite", "yes"), "must be true or false");
    assertMessage(() -> LookupSpec.parse(Map.of()), "key 'file' is missing");
  }

  private static void assertMessage(org.junit.jupiter.api.function.Executable call, String part) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertTrue(e.getMessage().contains(part), e.getMessage());
  }
}
