package io.eventstate.flume.interceptor;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.ReflectionException;

import org.apache.flume.instrumentation.MonitoredCounterGroup;

/**
 * A named group of counters registered with Flume's monitoring, so it shows in JMX as
 * {@code org.apache.flume.<type>:type=<name>} and in {@code -Dflume.monitoring.type=http} output under
 * {@code <TYPE>.<name>}.
 *
 * <p>Flume only exposes counters declared up front, so every counter a component may touch is passed to
 * the constructor; incrementing an undeclared name is a programming error caught by the tests.
 *
 * <p>Flume registers the group itself as the MBean ({@link MonitoredCounterGroup#start()}), and a plain
 * {@code MonitoredCounterGroup} subclass without a {@code ...MBean} interface is not a compliant MBean:
 * registration fails with only a log line. Flume's own groups each declare a fixed interface
 * ({@code SourceCounterMBean}); our counter names depend on the configuration (one per rule), so this
 * class is a {@link DynamicMBean}: every declared counter is a read-only {@code Long} attribute, next to
 * Flume's usual {@code StartTime}, {@code StopTime} and {@code Type}.
 */
public class EventstateCounters extends MonitoredCounterGroup implements DynamicMBean {

  private static final String START_TIME = "StartTime";
  private static final String STOP_TIME = "StopTime";
  private static final String TYPE = "Type";

  private final String groupName;
  private final String[] names;
  /*
   * The values live here, not in the parent's map: a hot path resolves its counters once ({@link #handle}) and
   * then pays one atomic add per event, instead of a name check and a map lookup. The parent still registers
   * the MBean and keeps the start and stop times; every read (JMX attributes, {@link #get}) comes from here.
   */
  private final Map<String, AtomicLong> values;

  public EventstateCounters(Type type, String name, String... counterNames) {
    super(type, name, counterNames);
    this.groupName = name;
    this.names = counterNames.clone();
    Arrays.sort(this.names);
    Map<String, AtomicLong> v = new HashMap<>();
    for (String c : counterNames) {
      v.put(c, new AtomicLong());
    }
    this.values = Map.copyOf(v);
  }

  /** Starts the group: registers it in JMX and zeroes every counter, as Flume's groups do. */
  @Override
  public void start() {
    super.start();
    for (AtomicLong a : values.values()) {
      a.set(0L);
    }
  }

  /** Creates an interceptor counter group. */
  public static EventstateCounters forInterceptor(String name, String... counterNames) {
    return new EventstateCounters(Type.INTERCEPTOR, name, counterNames);
  }

  @Override
  public long increment(String counter) {
    return handle(counter).incrementAndGet();
  }

  public long add(String counter, long delta) {
    return handle(counter).addAndGet(delta);
  }

  @Override
  public long get(String counter) {
    return handle(counter).get();
  }

  @Override
  protected void set(String counter, long value) {
    handle(counter).set(value);
  }

  @Override
  protected long addAndGet(String counter, long delta) {
    return handle(counter).addAndGet(delta);
  }

  /**
   * The live value of a declared counter, for hot paths: resolve once, then {@code incrementAndGet()} per event.
   * A group that is started again is zeroed in place, so a handle stays valid.
   *
   * @throws IllegalArgumentException for an undeclared counter
   */
  public AtomicLong handle(String counter) {
    AtomicLong a = values.get(counter);
    if (a == null) {
      throw new IllegalArgumentException("undeclared counter " + counter + " in group " + getType() + "." + groupName);
    }
    return a;
  }

  /** The group's name, as in its JMX object name. */
  public String groupName() {
    return groupName;
  }

  @Override
  public Object getAttribute(String attribute) throws AttributeNotFoundException {
    switch (attribute) {
      case START_TIME:
        return getStartTime();
      case STOP_TIME:
        return getStopTime();
      case TYPE:
        return getType();
      default:
        AtomicLong a = values.get(attribute);
        if (a == null) {
          throw new AttributeNotFoundException("no counter " + attribute + " in group " + getType() + "." + groupName);
        }
        return a.get();
    }
  }

  @Override
  public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
    throw new AttributeNotFoundException("counters are read-only: " + attribute.getName());
  }

  @Override
  public AttributeList getAttributes(String[] attributes) {
    AttributeList list = new AttributeList();
    for (String a : attributes) {
      try {
        list.add(new Attribute(a, getAttribute(a)));
      } catch (AttributeNotFoundException e) {
        // JMX semantics: unknown attributes are left out of the result.
      }
    }
    return list;
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
    attrs[0] = new MBeanAttributeInfo(START_TIME, "java.lang.Long", "start time, epoch millis", true, false, false);
    attrs[1] = new MBeanAttributeInfo(STOP_TIME, "java.lang.Long", "stop time, epoch millis", true, false, false);
    attrs[2] = new MBeanAttributeInfo(TYPE, "java.lang.String", "component type", true, false, false);
    for (int i = 0; i < names.length; i++) {
      attrs[i + 3] = new MBeanAttributeInfo(names[i], "java.lang.Long", "counter", true, false, false);
    }
    return new MBeanInfo(getClass().getName(), "Eventstate counters " + getType() + "." + groupName, attrs,
        null, null, null);
  }
}
