package io.eventstate.core.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class DefinitionDiffTest {

  @Test
  void namesAddedRemovedAndChangedDefinitionsAndTheStatesThatGoOrCome() {
    EntityStateSpec v1 = EntityRebuildTest.spec(EntityRebuildTest.pkg(), EntityRebuildTest.SESSIONS_V1,
        EntityRebuildTest.OTHER_SESSIONS);
    EntityStateSpec v2 = EntityRebuildTest.spec(EntityRebuildTest.pkgV2(), EntityRebuildTest.SESSIONS_V2);
    List<String> lines = DefinitionDiff.between(v1, v2).lines();
    assertEquals(3, lines.size(), lines.toString());
    assertTrue(lines.get(0).startsWith("machine package: changed ("), lines.get(0));
    assertTrue(lines.get(0).endsWith("; states renamed: tracking/lost -> tracking/stalled"), lines.get(0));
    assertTrue(lines.contains("sessions trips: removed (its cells are deleted by a rebuild)"), lines.toString());
    assertTrue(lines.get(2).startsWith("sessions visits: changed ("), lines.toString());
    assertTrue(DefinitionDiff.between(v2, v2).same());
    List<String> back = DefinitionDiff.between(v2, v1).lines();
    assertTrue(back.contains("sessions trips: added (" + v1.sessions().stream()
        .filter(s -> s.name().equals("trips")).findFirst().orElseThrow().version() + ")"), back.toString());
  }

  @Test
  void aStateRemovedWithoutAReplacementIsNamedRemoved() {
    String pkg = EntityRebuildTest.pkg();
    String v2 = pkg.replace("\"target\": \"lost\"", "\"target\": \"delivered\"").replace(",\n        \"lost\": {}", "");
    List<String> lines = DefinitionDiff.between(EntityRebuildTest.spec(pkg), EntityRebuildTest.spec(v2)).lines();
    assertEquals(1, lines.size(), lines.toString());
    assertTrue(lines.get(0).endsWith("; states removed: tracking/lost"), lines.get(0));
  }
}
