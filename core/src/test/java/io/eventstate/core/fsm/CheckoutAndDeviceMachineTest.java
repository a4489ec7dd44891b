package io.eventstate.core.fsm;

import static io.eventstate.core.fsm.TestSupport.HOUR;
import static io.eventstate.core.fsm.TestSupport.MINUTE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.eventstate.core.event.CanonicalEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CheckoutAndDeviceMachineTest {

  private static final long T0 = TestSupport.nanos("2022-08-01T10:00:00Z");

  private static List<String> paths(MachineDefinition def, CanonicalEvent... events) {
    List<String> out = new ArrayList<>();
    EntityState s = StateMachineEngine.initial(def);
    for (CanonicalEvent e : events) {
      s = StateMachineEngine.step(def, s, e).state();
      out.add(s.path());
    }
    return out;
  }

  private static CanonicalEvent user(String type, long t, String id, String... attrs) {
    return TestSupport.event("user", "u1", type, t, id, attrs);
  }

  @Test
  void checkoutHappyPath() {
    MachineDefinition def = TestSupport.machine("checkout.json");
    assertEquals(List.of("browsing", "cart", "cart", "checkout/shipping", "checkout/payment", "checkout/payment", "ordered"),
        paths(def, user("view_item", T0, "1"), user("add_to_cart", T0 + MINUTE, "2"),
            user("view_item", T0 + 2 * MINUTE, "3"), user("begin_checkout", T0 + 3 * MINUTE, "4"),
            user("shipping_submitted", T0 + 4 * MINUTE, "5"), user("payment_failed", T0 + 5 * MINUTE, "6"),
            user("place_order", T0 + 6 * MINUTE, "7", "amount", "49.90")));
  }

  @Test
  void checkoutGuardsAndAbandonment() {
    MachineDefinition def = TestSupport.machine("checkout.json");
    assertEquals(List.of("cart", "cart", "browsing"), paths(def, user("add_to_cart", T0, "1"),
        user("remove_from_cart", T0 + MINUTE, "2", "cart_size", "1"),
        user("remove_from_cart", T0 + 2 * MINUTE, "3", "cart_size", "0")));
    List<String> p = paths(def, user("add_to_cart", T0, "1"), user("begin_checkout", T0 + MINUTE, "2"),
        user("shipping_submitted", T0 + 2 * MINUTE, "3"), user("place_order", T0 + 3 * MINUTE, "4", "amount", "0"),
        user("add_to_cart", T0 + 3 * HOUR, "5"));
    assertEquals(List.of("cart", "checkout/shipping", "checkout/payment", "checkout/payment", "cart"), p,
        "a zero amount is not an order; an hour of silence abandons checkout, and a new add_to_cart re-opens the cart");
  }

  @Test
  void deviceGoesOfflineAfterFifteenSilentMinutes() {
    MachineDefinition def = TestSupport.machine("device.json");
    EntityState s = StateMachineEngine.initial(def);
    s = StateMachineEngine.step(def, s, TestSupport.event("device", "icspace22", "uplink", T0, "286",
        "battery_percent", "80")).state();
    s = StateMachineEngine.step(def, s, TestSupport.event("device", "icspace22", "uplink", T0 + 10 * MINUTE, "287",
        "battery_percent", "15")).state();
    assertEquals("online/low_battery", s.path());
    assertEquals("online/low_battery", StateMachineEngine.at(def, s, T0 + 24 * MINUTE).state().path());
    Step off = StateMachineEngine.at(def, s, T0 + 26 * MINUTE);
    assertEquals("offline", off.state().path());
    assertEquals(T0 + 25 * MINUTE, off.fired().get(0).atNanos());
    Step back = StateMachineEngine.step(def, s, TestSupport.event("device", "icspace22", "uplink", T0 + 40 * MINUTE, "288"));
    assertEquals(List.of("online/low_battery", "offline"), List.of(back.fired().get(0).from(), back.fired().get(0).to()));
    assertEquals("online/healthy", back.state().path());
    assertEquals(2, back.notifications().size());
  }
}
