package io.eventstate.bench;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.TimeSource;
import io.eventstate.core.fsm.EntityState;
import io.eventstate.core.fsm.MachineDefinition;
import io.eventstate.core.fsm.StateMachineEngine;
import io.eventstate.core.session.SessionEngine;
import io.eventstate.core.session.SessionSpec;
import io.eventstate.core.session.SessionState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;

/**
 * Engine steps per second, single thread: the package machine (conf/machines/package.json) and sessions
 * (conf/machines/sessions.json: 30 min gap, 24 h max, Berlin midnight, campaign split). Events are generated up
 * front (a seeded Random), so only the engine is measured. Package: lifecycles of 9 scans each (pre_transit ×2,
 * in_transit with alternating status_detail ×4, out_for_delivery, delivered, one scan after delivery), one in
 * eight with an 8-day silence that fires the "lost" timeout; each lifecycle starts from the initial state (a new
 * entity). Sessions: one user, gaps of 0–45 minutes (a new session every ~3 events), a campaign on one event in
 * ten. {@code ...WithCodec} adds decoding the stored state and encoding the new one, as the coprocessor does.
 *
 * <p>Run from the repository root: {@code java -jar benchmarks/target/benchmarks.jar EngineBenchmark -f 1 -wi 3 -i 5}.
 */
public class EngineBenchmark extends SingleThreadThroughput {

  private static final int N = 1 << 14;
  private static final long SECOND = 1_000_000_000L;

  private MachineDefinition pkg;
  private SessionSpec sessions;
  private CanonicalEvent[] pkgEvents;
  private boolean[] pkgFirst;
  private CanonicalEvent[] sessionEvents;
  private EntityState pkgInitial;
  private EntityState pkgState;
  private byte[] pkgCell;
  private SessionState sessionState;
  private int pi;
  private int si;

  static Path conf(String file) {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path c = p.resolve("conf/machines").resolve(file);
      if (Files.exists(c)) {
        return c;
      }
    }
    throw new IllegalStateException("run from the repository root: conf/machines/" + file + " not found");
  }

  private static CanonicalEvent event(String type, String entityType, String entity, long t, String id, String... attrs) {
    TreeMap<String, String> a = new TreeMap<>();
    for (int i = 0; i + 1 < attrs.length; i += 2) {
      if (attrs[i + 1] != null) {
        a.put(attrs[i], attrs[i + 1]);
      }
    }
    return new CanonicalEvent(id, entityType, entity, type, t, TimeSource.EVENT, a, new TreeSet<>(), new byte[0]);
  }

  @Setup
  public void setup() throws IOException {
    pkg = MachineDefinition.load(conf("package.json"));
    sessions = SessionSpec.load(conf("sessions.json"));
    Random rnd = new Random(1);
    List<CanonicalEvent> pe = new ArrayList<>();
    List<Boolean> first = new ArrayList<>();
    String[] lifecycle = {"pre_transit", "pre_transit", "in_transit", "in_transit", "in_transit", "in_transit",
        "out_for_delivery", "delivered", "in_transit"};
    long t = 1_586_322_082L * SECOND;
    int lc = 0;
    while (pe.size() < N) {
      String entity = "trk_" + Long.toHexString(rnd.nextLong());
      for (int k = 0; k < lifecycle.length && pe.size() < N; k++) {
        t += (1 + rnd.nextInt(36_000)) * SECOND;
        if (k == 4 && lc % 8 == 0) {
          t += 8L * 86_400 * SECOND;
        }
        String detail = k % 2 == 0 ? "arrived_at_facility" : "departed_facility";
        pe.add(event(lifecycle[k], "package", entity, t, "evt_" + Long.toHexString(rnd.nextLong()) + k,
            "status_detail", detail, "message", "Arrived at Sort Facility"));
        first.add(k == 0);
      }
      lc++;
    }
    pkgEvents = pe.toArray(new CanonicalEvent[0]);
    pkgFirst = new boolean[N];
    for (int i = 0; i < N; i++) {
      pkgFirst[i] = first.get(i);
    }
    pkgInitial = StateMachineEngine.initial(pkg);
    pkgState = pkgInitial;
    pkgCell = pkgInitial.toBytes();

    List<CanonicalEvent> se = new ArrayList<>();
    long st = 1_659_304_800_000L * 1_000_000L;
    String[] types = {"clicks", "clicks", "clicks", "carts", "orders"};
    for (int i = 0; i < N; i++) {
      st += rnd.nextInt(45 * 60) * SECOND + rnd.nextInt(1000) * 1_000_000L;
      se.add(event(types[rnd.nextInt(types.length)], "user", "u-12899779", st, "otto-" + i,
          "aid", Integer.toString(rnd.nextInt(2_000_000)), "campaign", rnd.nextInt(10) == 0 ? "c" + rnd.nextInt(3) : null));
    }
    sessionEvents = se.toArray(new CanonicalEvent[0]);
    sessionState = SessionState.initial();
  }

  @Benchmark
  public EntityState packageStep() {
    int i = pi;
    EntityState s = pkgFirst[i] ? pkgInitial : pkgState;
    s = StateMachineEngine.step(pkg, s, pkgEvents[i]).state();
    pkgState = s;
    pi = (i + 1) & (N - 1);
    return s;
  }

  @Benchmark
  public byte[] packageStepWithCodec() {
    int i = pi;
    EntityState s = pkgFirst[i] ? pkgInitial : EntityState.fromBytes(pkgCell, pkg);
    byte[] cell = StateMachineEngine.step(pkg, s, pkgEvents[i]).state().toBytes();
    pkgCell = cell;
    pi = (i + 1) & (N - 1);
    return cell;
  }

  @Benchmark
  public SessionState sessionStep() {
    int i = si;
    SessionState s = i == 0 ? SessionState.initial() : sessionState;
    s = SessionEngine.step(sessions, s, sessionEvents[i]).state();
    sessionState = s;
    si = (i + 1) & (N - 1);
    return s;
  }
}
