package io.eventstate.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/** One JSON line per record. */
final class Json {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {
  }

  static String write(Object o) {
    try {
      return MAPPER.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
