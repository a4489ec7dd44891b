package io.eventstate.cli;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Tests that run commands with their own {@code eventstate.home} (the {@code .eventstate/} state), one per test. */
abstract class WithEventstateHome {

  @TempDir
  Path home;

  @BeforeEach
  void setHome() {
    System.setProperty("eventstate.home", home.toString());
  }

  @AfterEach
  void clearHome() {
    System.clearProperty("eventstate.home");
  }
}
