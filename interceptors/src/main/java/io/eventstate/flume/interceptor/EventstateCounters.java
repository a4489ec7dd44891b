package io.eventstate.flume.interceptor;

import java.util.Arrays;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.ReflectionException;

import org.apache.flume.instrumentation.MonitoredCounterGroup;

/**
 * A named group of counters registered with Flume's monitoring, so it shows in JMX and in
 * {@code -Dflume.monitoring.type=http} output under {@code INTERCEPTOR.<name>}.
 *
 * <p>Flume only exposes counters declared up front, so every counter a component may touch is passed to
 * the constructor; incrementing an undeclared name is a programming error caught by the tests.
 *
 * <p>{@link MonitoredCounterGroup#start()} registers {@code this} with the platform MBean server, which only
 * accepts compliant MBeans (Flume's own groups implement a fixed {@code ...MBean} interface). Our counter
 * names vary per component, so the group is a read-only {@link DynamicMBean}: one {@code long} attribute per
 * counter plus {@code StartTime}, {@code StopTime} and {@code Type}, which is what Flume's JMX and HTTP
 * monitoring read. Without it registration fails with only an error in the log.
 */
public class EventstateCounters extends MonitoredCounterGroup implements DynamicMBean {

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

  @Override
  public Object getAttribute(String attribute) throws AttributeNotFoundException {
    switch (attribute) {
      case "StartTime":
        return getStartTime();
      case "StopTime":
        return getStopTime();
      case "Type":
        return getType();
      default:
        if (Arrays.binarySearch(names, attribute) < 0) {
          throw new AttributeNotFoundException("no counter " + attribute + " in group " + groupName);
        }
        return super.get(attribute);
    }
  }

  @Override
  public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
    throw new AttributeNotFoundException("counters are read-only: " + attribute.getName());
  }

  @Override
  public AttributeList getAttributes(String[] attributes) {
    AttributeList out = new AttributeList();
    for (String a : attributes) {
      try {
        out.add(new Attribute(a, getAttribute(a)));
      } catch (AttributeNotFoundException e) {
        // JMX semantics: unknown attributes are left out of the list
      }
    }
    return out;
  }

  @Override
  public AttributeList setAttributes(AttributeList attributes) {
    return new AttributeList();
  }

  @Override
  public Object invoke(String actionName, Object[] params, String[] signature) throws ReflectionException {
    throw new ReflectionException(new NoSuchMethodException(actionName), "counter groups have no operations");
  }

  @Override
  public MBeanInfo getMBeanInfo() {
    MBeanAttributeInfo[] attrs = new MBeanAttributeInfo[names.length + 3];
    for (int i = 0; i < names.length; i++) {
      attrs[i] = new MBeanAttributeInfo(names[i], "long", "counter " + names[i], true, false, false);
    }
    attrs[names.length] = new MBeanAttributeInfo("StartTime", "long", "start time, ms since the epoch", true, false, false);
    attrs[names.length + 1] = new MBeanAttributeInfo("StopTime", "long", "stop time, ms since the epoch", true, false, false);
    attrs[names.length + 2] = new MBeanAttributeInfo("Type", "java.lang.String", "component type", true, false, false);
    return new MBeanInfo(getClass().getName(), "Eventstate counter group " + groupName, attrs, null, null, null);
  }
}
