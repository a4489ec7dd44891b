package io.eventstate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command's plumbing, with Flume's stock interceptors so that it does not depend on ours. */
class NormalizeCommandTest {

  @TempDir
  Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private Path conf(String text) throws IOException {
    Path p = dir.resolve("agent.properties");
    Files.writeString(p, text);
    return p;
  }

  @Test
  void runsTheSourcesInterceptorChainOnEveryLine() throws IOException {
    Path conf = conf(String.join("\n",
        "a1.sources = s1 s2",
        "a1.sources.s1.type = spooldir",
        "a1.sources.s2.type = spooldir",
        "a1.sources.s2.interceptors = st",
        "a1.sources.s2.interceptors.st.type = static",
        "a1.sources.s2.interceptors.st.key = es.status",
        "a1.sources.s2.interceptors.st.value = valid",
        ""));
    Path input = dir.resolve("in.jsonl");
    Files.writeString(input, "{\"a\":1}\n\n{\"b\":2}\n");
    assertEquals(0, run("normalize", "--conf", conf.toString(), "--source", "s2", input.toString()), err.toString());
    String[] lines = out.toString(StandardCharsets.UTF_8).trim().split("\n");
    assertEquals(2, lines.length, out.toString());
    assertTrue(lines[0].contains("\"line\":1") && lines[0].contains("\"status\":\"valid\"") && lines[0].contains("\"body\":\"{\\\"a\\\":1}\""), lines[0]);
    assertTrue(lines[1].contains("\"line\":3"), lines[1]);
  }

  @Test
  void shouldRejectAMissingConfFileInOneLine() {
    assertEquals(2, run("normalize", "--conf", dir.resolve("nope.properties").toString()));
    String e = err.toString(StandardCharsets.UTF_8);
    assertTrue(e.startsWith("eventstate normalize: agent properties file not found:"), e);
    assertEquals(1, e.trim().split("\n").length, e);
  }

  @Test
  void shouldRejectAnUnknownSource() throws IOException {
    Path conf = conf("a1.sources = s1\na1.sources.s1.type = spooldir\n");
    assertEquals(2, run("normalize", "--conf", conf.toString(), "--source", "zz"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("has no source 'zz'; sources: [s1]"), err.toString());
  }

  @Test
  void shouldRejectAWrongAgentName() throws IOException {
    Path conf = conf("a1.sources = s1\n");
    assertEquals(2, run("normalize", "--conf", conf.toString(), "--agent", "b7"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("key b7.sources is missing or empty"), err.toString());
  }

  @Test
  void shouldRejectAnUnknownInterceptorClassNamingTheKey() throws IOException {
    Path conf = conf("a1.sources = s1\na1.sources.s1.interceptors = n\na1.sources.s1.interceptors.n.type = com.example.Nope$Builder\n");
    assertEquals(2, run("normalize", "--conf", conf.toString(), "-"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("key a1.sources.s1.interceptors.n.type = com.example.Nope$Builder: class not found"),
        err.toString());
  }

  @Test
  void shouldRejectAMissingInputFile() throws IOException {
    Path conf = conf("a1.sources = s1\n");
    assertEquals(2, run("normalize", "--conf", conf.toString(), dir.resolve("missing.jsonl").toString()));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("input file not found"), err.toString());
  }

  @Test
  void shouldRejectAnUnknownCommandAndOption() throws IOException {
    assertEquals(2, run("frobnicate"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown command 'frobnicate'"));
    assertEquals(2, run("normalize", "--bogus"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown option --bogus"));
  }

  /** The spooling-directory sources' own reading: raw bytes, an over-long line one dead letter, never chunks. */
  @Test
  void readsSpoolingDirectoryInputAsTheDeserializerDoes() throws IOException {
    Path conf = conf(String.join("\n",
        "a1.sources = s1",
        "a1.sources.s1.type = spooldir",
        "a1.sources.s1.deserializer = io.eventstate.flume.interceptor.JsonLineDeserializer$Builder",
        "a1.sources.s1.deserializer.maxLineLength = 80",
        "a1.sources.s1.interceptors = n",
        "a1.sources.s1.interceptors.n.type = io.eventstate.flume.interceptor.NormalizingInterceptor$Builder",
        "a1.sources.s1.interceptors.n.entity = user:/u",
        "a1.sources.s1.interceptors.n.eventType.default = x",
        "a1.sources.s1.interceptors.n.time.fallback = arrival",
        ""));
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    b.writeBytes("{\"u\":\"ok\"}\n".getBytes(StandardCharsets.UTF_8));
    b.writeBytes(new byte[] {'{', '"', 'u', '"', ':', '"', (byte) 0xE9, '"', '}', '\n'}); // Latin-1, not UTF-8
    b.writeBytes(("{\"pad\":\"" + "p".repeat(100) + "\",\"u\":\"smuggled\"}\n").getBytes(StandardCharsets.UTF_8));
    Path input = dir.resolve("in.jsonl");
    Files.write(input, b.toByteArray());
    assertEquals(0, run("normalize", "--conf", conf.toString(), input.toString()), err.toString());
    String[] lines = out.toString(StandardCharsets.UTF_8).trim().split("\n");
    assertEquals(3, lines.length, out.toString());
    assertTrue(lines[0].contains("\"status\":\"valid\""), lines[0]);
    assertTrue(lines[1].contains("\"status\":\"invalid\"") && lines[1].contains("\"reason\":\"json: ")
        && lines[1].contains("bodyBase64"), "not replaced by U+FFFD: " + lines[1]);
    assertTrue(lines[2].contains("\"status\":\"invalid\"") && lines[2].contains("limit: line of 125 bytes at byte 21")
        && !lines[2].contains("\"es.entityId\""), lines[2]);
  }
}
