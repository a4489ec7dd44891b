package io.eventstate.core.config;

import java.util.Collection;
import java.util.TreeSet;

/**
 * A configuration problem, found when a component is configured (never on the first event). Every message has one
 * shape, so that a user meets the same sentence whatever the component:
 * <pre>
 * COMPONENT: unknown key 'KEY' (value 'VALUE'); valid keys are [...]; check the spelling (keys are case-sensitive)
 * COMPONENT: key 'KEY' value was set to 'VALUE': WHAT IS WRONG AND THE FIX
 * COMPONENT: key 'KEY' is missing: THE FIX
 * </pre>
 * COMPONENT names the file or the component (e.g. {@code EventSink}, {@code conf/flume/mappings/talk.properties});
 * a spec that does not know it leaves it out, and the adapter that does adds it with {@link #in(String)}. Values
 * longer than {@value #MAX_VALUE_CHARS} characters are cut in messages.
 *
 * <p>It is an {@link IllegalArgumentException}, so callers that catch bad arguments keep working; the Flume adapters
 * turn it into Flume's {@code ConfigurationException}, the coprocessor into a {@code DoNotRetryIOException}.
 */
public final class ConfigException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  /** Longest value quoted in a message. */
  public static final int MAX_VALUE_CHARS = 200;

  private final String component;
  private final String key;
  private final String body;

  private ConfigException(String component, String key, String body, Throwable cause) {
    super(component == null || component.isEmpty() ? body : component + ": " + body, cause);
    this.component = component == null || component.isEmpty() ? null : component;
    this.key = key;
    this.body = body;
  }

  /** A key that the component does not declare. */
  public static ConfigException unknownKey(String component, String key, String value, Collection<String> validKeys) {
    return new ConfigException(component, key, unknownKeyText(key, value, validKeys), null);
  }

  /** The text of {@link #unknownKey} without the component, for problem lists that name the place themselves. */
  public static String unknownKeyText(String key, String value, Collection<String> validKeys) {
    return "unknown key '" + key + "' (value '" + cut(value) + "'); valid keys are " + new TreeSet<>(validKeys)
        + "; check the spelling (keys are case-sensitive)";
  }

  /** A value that is not acceptable; {@code problemAndFix} says why and what to write instead. */
  public static ConfigException badValue(String component, String key, String value, String problemAndFix) {
    return badValue(component, key, value, problemAndFix, null);
  }

  /** As {@link #badValue(String, String, String, String)}, keeping the cause. */
  public static ConfigException badValue(String component, String key, String value, String problemAndFix,
      Throwable cause) {
    return new ConfigException(component, key, badValueText(key, value, problemAndFix), cause);
  }

  /** The text of {@link #badValue} without the component. */
  public static String badValueText(String key, String value, String problemAndFix) {
    return "key '" + key + "' value was set to '" + cut(value) + "': " + problemAndFix;
  }

  /** A required key that is absent. */
  public static ConfigException missing(String component, String key, String fix) {
    return new ConfigException(component, key, "key '" + key + "' is missing: " + fix, null);
  }

  /**
   * A problem between keys (two keys that exclude each other, a rule without an action ...): {@code key} is the key
   * the message is about, {@code text} the whole sentence, which names the keys, the values and the fix.
   */
  public static ConfigException problem(String component, String key, String text) {
    return new ConfigException(component, key, text, null);
  }

  /** This problem, named as a problem of {@code where} (a file or component); unchanged if it names one already. */
  public ConfigException in(String where) {
    if (component != null || where == null || where.isEmpty()) {
      return this;
    }
    ConfigException e = new ConfigException(where, key, body, getCause());
    e.setStackTrace(getStackTrace());
    return e;
  }

  /** The file or component, or null when the thrower did not know it. */
  public String component() {
    return component;
  }

  /** The key the problem is about (may be null for a problem of the whole configuration). */
  public String key() {
    return key;
  }

  /** The message without the component. */
  public String problem() {
    return body;
  }

  static String cut(String value) {
    if (value == null) {
      return "";
    }
    return value.length() <= MAX_VALUE_CHARS ? value : value.substring(0, MAX_VALUE_CHARS - 3) + "...";
  }
}
