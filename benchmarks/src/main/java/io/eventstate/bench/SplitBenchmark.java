package io.eventstate.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Setup;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.eventstate.core.json.JsonPayloadSplitter;
import io.eventstate.core.json.SplitterSpec;

/**
 * Splitting an AfterShip-like "list trackings" response (pretty-printed, as the API returns it): 25 trackings of about
 * 35 fields, each with 6 checkpoints of 15 fields, 150 events in about 120 KB.
 * <ul>
 *   <li>{@code splitExplode}: {@link JsonPayloadSplitter} with the AfterShip mapping's explosion
 *       ({@code /data/trackings[]/checkpoints}, three fields of each tracking copied into its checkpoints);</li>
 *   <li>{@code splitWhole} (baseline): the same splitter without {@code explode.path} on the same bytes (one event,
 *       the payload's bytes copied as they are);</li>
 *   <li>{@code jacksonStreamingWalk}: a bare Jackson token walk over the bytes (the floor of any parse).</li>
 * </ul>
 * Run: {@code java -jar benchmarks/target/benchmarks.jar SplitBenchmark -f 1 -wi 3 -i 5}.
 */
@Fork(1)
public class SplitBenchmark extends SingleThreadThroughput {

  static final int TRACKINGS = 25;
  static final int CHECKPOINTS = 6;

  private byte[] body;
  private JsonPayloadSplitter explode;
  private JsonPayloadSplitter whole;
  private JsonFactory factory;

  /** The response: {"meta": ..., "data": {"page": 1, ..., "trackings": [...]}}, pretty-printed. */
  static byte[] response() throws IOException {
    List<Object> trackings = new ArrayList<>();
    String[] tags = {"InfoReceived", "InTransit", "InTransit", "OutForDelivery", "Exception", "Delivered"};
    String[] cities = {"MEMPHIS", "INDIANAPOLIS", "LOUISVILLE", "NEW YORK", "Köln", "São Paulo"};
    for (int t = 0; t < TRACKINGS; t++) {
      String number = String.valueOf(111111111111L + 7919L * t);
      String slug = t % 3 == 0 ? "fedex" : t % 3 == 1 ? "ups" : "dhl";
      List<Object> checkpoints = new ArrayList<>();
      for (int c = 0; c < CHECKPOINTS; c++) {
        Map<String, Object> cp = new LinkedHashMap<>();
        cp.put("slug", slug);
        cp.put("city", cities[(t + c) % cities.length]);
        cp.put("created_at", String.format("2018-08-0%dT0%d:13:04+00:00", 1 + c % 9, c % 10));
        cp.put("location", cities[(t + c) % cities.length] + ", TN 38118");
        cp.put("country_name", "USA");
        cp.put("message", c == 4 ? "Delivery exception \"Customer not available or business closed\"" : "Arrived at FedEx location");
        cp.put("country_iso3", "USA");
        cp.put("tag", tags[c % tags.length]);
        cp.put("subtag", tags[c % tags.length] + "_00" + (1 + c % 7));
        cp.put("subtag_message", "In Transit");
        cp.put("checkpoint_time", String.format("2018-07-3%dT1%d:33:00-04:00", c % 2, c));
        cp.put("coordinates", List.of(35.0421 + t * 0.01, -89.9773 - c * 0.01));
        cp.put("state", "TN");
        cp.put("zip", "38118");
        cp.put("raw_tag", "AR");
        checkpoints.add(cp);
      }
      Map<String, Object> tr = new LinkedHashMap<>();
      tr.put("id", String.format("5b7658cec7c33c0e007de3c%d", t % 10));
      tr.put("created_at", "2018-08-17T03:06:54+00:00");
      tr.put("updated_at", "2018-08-17T03:06:56+00:00");
      tr.put("last_updated_at", "2018-08-17T03:06:56+00:00");
      tr.put("tracking_number", number);
      tr.put("tracking_account_number", null);
      tr.put("tracking_postal_code", null);
      tr.put("tracking_ship_date", null);
      tr.put("slug", slug);
      tr.put("active", false);
      tr.put("android", List.of());
      tr.put("custom_fields", Map.of());
      tr.put("customer_name", null);
      tr.put("delivery_time", 3 + t % 5);
      tr.put("destination_country_iso3", "USA");
      tr.put("courier_destination_country_iso3", "USA");
      tr.put("emails", List.of());
      tr.put("expected_delivery", null);
      tr.put("ios", List.of());
      tr.put("note", null);
      tr.put("order_id", "ORD-" + (1000 + t));
      tr.put("order_id_path", null);
      tr.put("origin_country_iso3", "USA");
      tr.put("shipment_package_count", 1);
      tr.put("shipment_pickup_date", "2018-07-31T06:00:00");
      tr.put("shipment_delivery_date", "2018-08-01T17:19:47");
      tr.put("shipment_type", "FedEx Home Delivery");
      tr.put("shipment_weight", 1.5);
      tr.put("shipment_weight_unit", "kg");
      tr.put("signed_by", "Signature not required");
      tr.put("smses", List.of());
      tr.put("source", "api");
      tr.put("tag", "Delivered");
      tr.put("subtag", "Delivered_001");
      tr.put("subtag_message", "Delivered");
      tr.put("title", number);
      tr.put("tracked_count", 1);
      tr.put("last_mile_tracking_supported", null);
      tr.put("language", null);
      tr.put("unique_token", "deprecated");
      tr.put("checkpoints", checkpoints);
      trackings.add(tr);
    }
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("page", 1);
    data.put("limit", 100);
    data.put("count", TRACKINGS);
    data.put("keyword", "");
    data.put("slug", "");
    data.put("origin", List.of());
    data.put("destination", List.of());
    data.put("tag", "");
    data.put("fields", "");
    data.put("created_at_min", "2018-05-19T06:23:00+00:00");
    data.put("created_at_max", "2018-08-17T06:23:59+00:00");
    data.put("trackings", trackings);
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("meta", Map.of("code", 200));
    root.put("data", data);
    return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
  }

  @Setup
  public void setup() throws IOException {
    body = response();
    // the explosion of conf/flume/mappings/aftership.properties
    explode = new JsonPayloadSplitter(SplitterSpec.parse(Conf.map("""
        explode.path = /data/trackings[]/checkpoints
        explode.copy = tracking_number:/data/trackings[]/tracking_number, tracking_id:/data/trackings[]/id, \\
          tracking_tag:/data/trackings[]/tag
        """)));
    whole = new JsonPayloadSplitter(SplitterSpec.defaults());
    factory = new JsonFactory();
    // fail fast if a contender does not do its job
    JsonPayloadSplitter.Result r = explode.split(body);
    if (!r.isOk() || r.events().size() != TRACKINGS * CHECKPOINTS) {
      throw new IllegalStateException("explode broken: " + r.reason() + ", " + r.events().size() + " events");
    }
    JsonPayloadSplitter.Result w = whole.split(body);
    if (!w.isOk() || w.events().size() != 1 || w.events().get(0).length != body.length) {
      throw new IllegalStateException("whole broken: " + w.reason());
    }
  }

  @Benchmark
  public JsonPayloadSplitter.Result splitExplode() {
    return explode.split(body);
  }

  @Benchmark
  public JsonPayloadSplitter.Result splitWhole() {
    return whole.split(body);
  }

  @Benchmark
  public int jacksonStreamingWalk() throws IOException {
    return JacksonWalk.tokens(factory, body);
  }
}
