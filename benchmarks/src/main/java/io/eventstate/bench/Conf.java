package io.eventstate.bench;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/** A component's configuration written as in an agent properties file ({@code key = value} lines). */
final class Conf {

  private Conf() {
  }

  /** The keys and values of a text in the properties-file syntax, as a modifiable map. */
  static Map<String, String> map(String text) {
    Properties p = new Properties();
    try {
      p.load(new StringReader(text));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> m = new HashMap<>();
    p.forEach((k, v) -> m.put((String) k, (String) v));
    return m;
  }
}
