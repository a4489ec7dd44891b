package io.eventstate.bench;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;

/** The benchmarks' common baseline: Jackson's streaming parser reading every token of a payload, nothing else. */
final class JacksonWalk {

  private JacksonWalk() {
  }

  /** The number of tokens in {@code body}. */
  static int tokens(JsonFactory factory, byte[] body) throws IOException {
    int tokens = 0;
    try (JsonParser p = factory.createParser(body)) {
      while (p.nextToken() != null) {
        tokens++;
      }
    }
    return tokens;
  }
}
