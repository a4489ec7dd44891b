package io.eventstate.testing;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Configuration in tests written as users write it, in the properties-file syntax ({@code key = value} lines), e.g.
 * a text block: {@code Props.map("""\n  table = events\n  batchSize = 500\n  """)}.
 */
public final class Props {

  private Props() {
  }

  /** The properties of a text in the properties-file syntax. */
  public static Properties properties(String text) {
    Properties p = new Properties();
    try {
      p.load(new StringReader(text));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }

  /** The same as a modifiable map. */
  public static Map<String, String> map(String text) {
    Map<String, String> m = new HashMap<>();
    properties(text).forEach((k, v) -> m.put((String) k, (String) v));
    return m;
  }
}
