package io.eventstate.flume.interceptor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.testing.InProcessAgent;
import io.eventstate.testing.RecordingSink;
import java.util.Set;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Agent tests whose sinks are {@link RecordingSink}s: a work directory, the agent file of a test resource. */
abstract class RecordingAgentTest {

  static final String JSON = "application/json; charset=UTF-8";

  @TempDir
  Path work;

  Path conf;

  /** The agent file under {@code /flume/} of the test resources. */
  abstract String agentResource();

  @BeforeEach
  void setUpAgent() throws Exception {
    conf = Path.of(getClass().getResource("/flume/" + agentResource()).toURI());
    RecordingSink.clearAll();
  }

  /**
   * With {@code key = value} the http source's interceptor cannot be built: a strict start fails naming the source;
   * returns the agent started leniently, which runs without that source.
   */
  InProcessAgent startedWithoutTheBrokenSource(String key, String value) throws Exception {
    InProcessAgent.Builder builder = InProcessAgent.fromFile(conf, "a1").workDir(work).override(key, value);
    IllegalStateException e = assertThrows(IllegalStateException.class, builder::start);
    assertTrue(e.getMessage().contains("source http"), e.getMessage());
    InProcessAgent agent = builder.lenient().start();
    assertEquals(Set.of("source http"), agent.removedComponents());
    return agent;
  }

}
