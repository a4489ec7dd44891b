package io.eventstate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.hbase.coprocessor.RebuildProtocol;
import io.eventstate.hbase.coprocessor.StateRebuildClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rebuild and definitions commands' checks before they reach HBase, and the report's format. */
class RebuildCommandTest {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private void assertOneLineError(int code, String command, String contains) {
    String e = err.toString(StandardCharsets.UTF_8);
    assertEquals(2, code, e);
    assertTrue(e.startsWith("eventstate " + command + ": "), e);
    assertTrue(e.contains(contains), e);
    assertEquals(1, e.trim().split("\n").length, e);
  }

  @Test
  void rebuildOptionsAreCheckedBeforeHBaseIsReached() {
    assertOneLineError(run("rebuild"), "rebuild", "usage: ./eventstate rebuild --table NAME");
    err.reset();
    assertOneLineError(run("rebuild", "--table", "t", "--entity", ":x"), "rebuild", "must be TYPE or TYPE:ID");
    err.reset();
    assertOneLineError(run("rebuild", "--table", "t", "--lateness", "3x"), "rebuild", "--lateness 3x: write a whole");
    err.reset();
    assertOneLineError(run("rebuild", "--table", "t", "--force"), "rebuild", "unknown option --force");
  }

  @Test
  void definitionsApplyRefusesInvalidDefinitionsNamingTheProblem(@TempDir Path dir) throws Exception {
    Path machines = Files.createDirectories(dir.resolve("machines"));
    Files.writeString(machines.resolve("door.json"), "{\"kind\":\"machine\",\"name\":\"door\",\"entity_types\":"
        + "[\"door\"],\"initial\":\"open\",\"states\":{\"open\":{\"on\":[{\"event\":\"close\",\"target\":\"shut\"}]}}}");
    int code = run("definitions", "apply", "--table", "t", "--conf", dir.toString());
    String e = err.toString(StandardCharsets.UTF_8);
    assertEquals(2, code, e);
    assertTrue(e.startsWith("eventstate definitions: invalid definitions in " + machines), e);
    assertTrue(e.contains("shut"), e);
    err.reset();
    assertOneLineError(run("definitions", "--table", "t"), "definitions", "usage: ./eventstate definitions apply");
  }

  @Test
  void theReportNamesEachChangeWithItsCountAndFirstEntities() {
    StateRebuildClient.Report r = new StateRebuildClient.Report(8, 3, 120, 4567, 7, 40, 2,
        List.of(new RebuildProtocol.Change("package", "tracking/lost", "tracking/stalled", 5, List.of("a|!state",
            "b|!state"))), 2.0);
    assertEquals("rebuilt T: 8 regions (3 resumed from the checkpoint), 120 entities, 4,567 events in 2.0 s (2,284 events/s)\n"
        + "changed: 7 entities (40 cells written, 2 deleted)\n"
        + "  package: tracking/lost -> tracking/stalled  5 entities, e.g. a|!state, b|!state\n",
        RebuildCommand.report("T", false, r));
    assertTrue(RebuildCommand.report("T", true, r).startsWith("verified T: "));
    assertTrue(RebuildCommand.report("T", true, r).contains("would change: 7 entities\n"));
  }
}
