package io.eventstate.flume.interceptor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.interceptor.Interceptor;
import org.apache.flume.source.http.HTTPBadRequestException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.eventstate.flume.testing.DataFeeds;

/**
 * R6 at the Flume layer: generated and mutated payloads (truncated, bit-flipped, invalid UTF-8, 10,000-deep
 * nesting, multi-MB strings, huge numbers, duplicate keys, arrays at the top) go through each feed's HTTP
 * handler and interceptor chain, built from conf/flume/eventstate.properties exactly as the agent builds
 * them. Nothing may throw; a payload is refused whole with a reason (HTTP 400) or each of its events comes
 * out valid, or invalid with a reason, never dropped, and a batch never grows. Fixed seed.
 */
class InterceptorChainFuzzTest {

  private static final long SEED = 0x5EEDF00DL;
  private static final int ROUNDS = 12_000;
  private static final String[] FEEDS = {"talk", "easypost_trackers", "otto", "lorawan", "eyevinn"};

  private static final Map<String, JsonHttpHandler> HANDLERS = new TreeMap<>();
  private static final Map<String, List<Interceptor>> CHAINS = new TreeMap<>();

  @BeforeAll
  static void build() throws Exception {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(DataFeeds.repositoryRoot().resolve("conf/flume/eventstate.properties"))) {
      p.load(r);
    }
    for (String feed : FEEDS) {
      String base = "a1.sources." + feed + ".";
      JsonHttpHandler h = new JsonHttpHandler();
      h.configure(new Context(DataFeeds.sub(p, base + "handler.")));
      HANDLERS.put(feed, h);
      CHAINS.put(feed, DataFeeds.buildChain(p, feed, "fuzz"));
    }
  }

  @AfterAll
  static void close() {
    CHAINS.values().forEach(c -> c.forEach(Interceptor::close));
  }

  private static List<byte[]> seeds() throws IOException {
    Path data = DataFeeds.sampleData();
    List<byte[]> out = new ArrayList<>();
    for (String f : List.of("seed/events.jsonl", "real/easypost/extracted/trackers.jsonl", "real/otto-sessions/train.jsonl",
        "real/wikimedia-recentchange/wikimedia.ndjson")) {
      for (String line : Files.readAllLines(data.resolve(f), StandardCharsets.UTF_8)) {
        out.add(line.getBytes(StandardCharsets.UTF_8));
      }
    }
    out.add(Files.readAllBytes(data.resolve("real/lorawan-uplinks/sensor-data-bridge/ttnv3_mqtt_message.json")));
    out.add(Files.readAllBytes(data.resolve("real/video-player-sessions-eyevinn/json/valid_sequences.json")));
    return out;
  }

  private static byte[] mutate(Random rnd, byte[] seed) {
    byte[] b = seed.clone();
    switch (rnd.nextInt(10)) {
      case 0: // truncated
        return Arrays.copyOf(b, rnd.nextInt(b.length + 1));
      case 1: // bit flips
        for (int i = 0, n = 1 + rnd.nextInt(8); i < n && b.length > 0; i++) {
          b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
        }
        return b;
      case 2: // invalid UTF-8 bytes spliced in
        if (b.length > 0) {
          b[rnd.nextInt(b.length)] = (byte) (0x80 | rnd.nextInt(0x40));
          b[rnd.nextInt(b.length)] = (byte) 0xC3;
        }
        return b;
      case 3: // deep nesting
        int depth = rnd.nextBoolean() ? 10_000 : 50 + rnd.nextInt(100);
        return ("{\"user_id\":\"u\",\"event_type\":\"x\",\"time_utc\":\"1\",\"d\":" + "[".repeat(depth) + "]".repeat(depth) + "}")
            .getBytes(StandardCharsets.UTF_8);
      case 4: // a multi-MB string
        return ("{\"user_id\":\"" + "x".repeat(1 << (20 + rnd.nextInt(2))) + "\",\"event_type\":\"a\",\"time_utc\":\"1457741907\"}")
            .getBytes(StandardCharsets.UTF_8);
      case 5: // huge numbers in the time and id fields
        return ("{\"user_id\":" + "9".repeat(1 + rnd.nextInt(400)) + ",\"session\":1e" + rnd.nextInt(100_000)
            + ",\"event_type\":\"a\",\"time_utc\":" + "1".repeat(1 + rnd.nextInt(60)) + "." + "9".repeat(rnd.nextInt(40))
            + ",\"ts\":" + rnd.nextLong() + "}").getBytes(StandardCharsets.UTF_8);
      case 6: // duplicate keys
        return ("{\"user_id\":\"a\",\"user_id\":\"b\",\"event_type\":\"x\",\"event_type\":null,\"time_utc\":\"1457741907.1\","
            + "\"time_utc\":\"garbage\"}").getBytes(StandardCharsets.UTF_8);
      case 7: // scalars, arrays and empty payloads at the top
        String[] tops = {"", " ", "null", "1", "\"s\"", "[]", "[[]]", "[{}, 1]", "{}", "[{}]", "\n\n", "{}\n{}\n[1]"};
        return tops[rnd.nextInt(tops.length)].getBytes(StandardCharsets.UTF_8);
      case 8: // random bytes
        byte[] r = new byte[rnd.nextInt(256)];
        rnd.nextBytes(r);
        return r;
      default: // the seed unchanged
        return b;
    }
  }

  @Test
  void noPayloadThrowsAndEveryEventIsValidOrHasAReason() throws IOException {
    Random rnd = new Random(SEED);
    List<byte[]> seeds = seeds();
    int refused = 0;
    int valid = 0;
    int invalid = 0;
    for (int round = 0; round < ROUNDS; round++) {
      String feed = FEEDS[rnd.nextInt(FEEDS.length)];
      byte[] payload = mutate(rnd, seeds.get(rnd.nextInt(seeds.size())));
      String what = "round " + round + " feed " + feed;
      List<Event> events;
      try {
        events = HANDLERS.get(feed).toEvents(payload, Map.of());
      } catch (HTTPBadRequestException e) {
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), what + ": a refusal names its reason");
        refused++;
        continue;
      } catch (Throwable t) {
        fail(what + ": the handler threw " + t, t);
        return;
      }
      List<Event> batch = events;
      int before = batch.size();
      try {
        for (Interceptor i : CHAINS.get(feed)) {
          batch = i.intercept(new ArrayList<>(batch));
          assertNotNull(batch, what);
          assertTrue(batch.size() <= before, what + ": a batch never grows");
        }
      } catch (AssertionError e) {
        throw e;
      } catch (Throwable t) {
        fail(what + ": an interceptor threw " + t, t);
      }
      assertEquals(before, batch.size(), what + ": the example agent drops nothing");
      for (Event e : batch) {
        String status = e.getHeaders().get("es.status");
        if ("valid".equals(status) || "gated".equals(status)) {
          valid++;
        } else {
          assertEquals("invalid", status, what);
          assertTrue(e.getHeaders().get("es.reason") != null && !e.getHeaders().get("es.reason").isEmpty(), what);
          invalid++;
        }
      }
    }
    assertTrue(refused > 0 && valid > 0 && invalid > 0, "the generator reaches every outcome: refused " + refused
        + ", valid " + valid + ", invalid " + invalid);
  }

}
