package io.eventstate.flume.interceptor;

import java.util.Arrays;

import org.apache.flume.instrumentation.MonitoredCounterGroup;

/**
 * A named group of counters registered with Flume's monitoring, so it shows in JMX and in
 * {@code -Dflume.monitoring.type=http} output under {@code INTERCEPTOR.<name>}.
 *
 * <p>Flume only exposes counters declared up front, so every counter a component may touch is passed to
 * the constructor; incrementing an undeclared name is a programming error caught by the tests.
 */
public class EventstateCounters extends MonitoredCounterGroup {

  private final String groupName;
  private final String[] names;

  public EventstateCounters(Type type, String name, String... counterNames) {
    super(type, name, counterNames);
    this.groupName = name;
    this.names = counterNames.clone();
    Arrays.sort(this.names);
  }

  /** Creates an interceptor counter group. */
  public static EventstateCounters forInterceptor(String name, String... counterNames) {
    return new EventstateCounters(Type.INTERCEPTOR, name, counterNames);
  }

  public long increment(String counter) {
    check(counter);
    return super.increment(counter);
  }

  public long add(String counter, long delta) {
    check(counter);
    return super.addAndGet(counter, delta);
  }

  public long get(String counter) {
    check(counter);
    return super.get(counter);
  }

  private void check(String counter) {
    if (Arrays.binarySearch(names, counter) < 0) {
      throw new IllegalArgumentException("undeclared counter " + counter + " in group " + getType() + "." + groupName);
    }
  }
}
