package io.eventstate.core.fsm;

import static io.eventstate.core.fsm.TestSupport.SECOND;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class EntityStateTest {

  @Test
  void byteLayoutIsTheDocumentedVersionOne() {
    TreeMap<String, Long> c = new TreeMap<>();
    c.put("events", 3L);
    c.put("zero", 0L);
    EntityState s = new EntityState("a/b", new long[] {10L, 20L}, 30L, List.of("x", "yz"), Counters.of(c));
    ByteBuffer b = ByteBuffer.allocate(200);
    b.put((byte) 1);
    b.putShort((short) 3).put("a/b".getBytes(StandardCharsets.UTF_8));
    b.put((byte) 2).putLong(10L).putLong(20L);
    b.putLong(30L);
    b.put((byte) 2).putShort((short) 1).put((byte) 'x').putShort((short) 2).put("yz".getBytes(StandardCharsets.UTF_8));
    b.putShort((short) 1).putShort((short) 6).put("events".getBytes(StandardCharsets.UTF_8)).putLong(3L);
    byte[] expected = new byte[b.position()];
    b.flip().get(expected);
    assertArrayEquals(expected, s.toBytes(), "zero counters are not written");
    assertEquals(s, EntityState.fromBytes(expected));
  }

  @Test
  void roundTripsUtf8AndTheNoTimeSentinel() {
    MachineDefinition def = TestSupport.machine("package.json");
    EntityState init = StateMachineEngine.initial(def);
    assertEquals(init, EntityState.fromBytes(init.toBytes()));
    EntityState s = StateMachineEngine.step(def, init, TestSupport.event("package", "p", "pre_transit", 5 * SECOND,
        "évt-ü-1")).state();
    EntityState back = EntityState.fromBytes(s.toBytes());
    assertEquals(s, back);
    assertEquals("évt-ü-1", back.lastEventId());
  }

  @Test
  void aBusyPackageStateFitsEasilyInACell() {
    MachineDefinition def = TestSupport.machine("package.json");
    EntityState s = StateMachineEngine.initial(def);
    String[] types = {"pre_transit", "in_transit", "in_transit", "out_for_delivery", "return_to_sender", "in_transit"};
    for (int i = 0; i < types.length; i++) {
      s = StateMachineEngine.step(def, s, TestSupport.event("package", "p", types[i], (i + 1) * SECOND,
          "evt_36940ed69d634b92bfec36570554993" + i, "status_detail", "arrived_at_facility")).state();
    }
    int size = s.toBytes().length;
    assertTrue(size < 1024, "state is " + size + " bytes");
  }

  @Test
  void shouldRejectOtherVersionsAndCorruptCells() {
    IllegalArgumentException v = assertThrows(IllegalArgumentException.class, () -> EntityState.fromBytes(new byte[] {2, 0}));
    assertTrue(v.getMessage().contains("version 2 is not supported"), v.getMessage());
    byte[] ok = new EntityState("a", new long[] {1}, 1, List.of("i"), Counters.of(new TreeMap<>())).toBytes();
    byte[] truncated = java.util.Arrays.copyOf(ok, ok.length - 3);
    assertTrue(assertThrows(IllegalArgumentException.class, () -> EntityState.fromBytes(truncated)).getMessage()
        .startsWith("corrupt entity state cell"));
    byte[] longer = java.util.Arrays.copyOf(ok, ok.length + 1);
    assertThrows(IllegalArgumentException.class, () -> EntityState.fromBytes(longer));
    assertThrows(IllegalArgumentException.class, () -> EntityState.fromBytes(new byte[0]));
  }

  @Test
  void countersDroppedFromTheDefinitionDisappearAtTheNextEvent() {
    MachineDefinition def = TestSupport.machine("toaster.json");
    TreeMap<String, Long> c = new TreeMap<>();
    c.put("events", 4L);
    c.put("event.retired_type", 2L);
    EntityState old = new EntityState("idle", new long[] {SECOND}, SECOND, List.of("a"), Counters.of(c));
    EntityState decoded = EntityState.fromBytes(old.toBytes(), def);
    assertEquals(4, decoded.counter("events"));
    assertEquals(0, decoded.counter("event.retired_type"), "decoding into the definition's layout drops it at once");
    EntityState next = StateMachineEngine.step(def, old, TestSupport.event("toaster", "t", "lever_down", 2 * SECOND, "b"))
        .state();
    assertEquals(5, next.counter("events"));
    assertEquals(0, next.counter("event.retired_type"));
  }

  @Test
  void aStoredStateTheDefinitionNoLongerHasRestartsInTheInitialState() {
    MachineDefinition def = TestSupport.machine("toaster.json");
    EntityState old = new EntityState("gone", new long[] {SECOND}, SECOND, List.of("a"), Counters.of(new TreeMap<>()));
    Step st = StateMachineEngine.step(def, old, TestSupport.event("toaster", "t", "lever_down", 2 * SECOND, "b"));
    assertEquals("toasting/heating", st.state().path());
  }
}
