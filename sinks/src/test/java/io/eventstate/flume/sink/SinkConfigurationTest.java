package io.eventstate.flume.sink;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.apache.flume.Context;
import org.apache.flume.conf.ConfigurationException;
import org.junit.jupiter.api.Test;

/** The sink's and the state decorator's configuration problems reach Flume as ConfigurationExceptions naming them. */
class SinkConfigurationTest {

  @Test
  void shouldRejectAnUnknownSinkKeyNamingTheSink() {
    EventSink sink = new EventSink();
    sink.setName("hbase");
    String m = assertThrows(ConfigurationException.class, () -> sink.configure(new Context(Map.of(
        "type", EventSink.class.getName(), "channel", "c", "batchsize", "500")))).getMessage();
    assertTrue(m.startsWith("EventSink 'hbase': unknown key 'batchsize' (value '500'); valid keys are ["), m);
    m = assertThrows(ConfigurationException.class, () -> sink.configure(new Context(Map.of(
        "notify.hostname", "h", "notify.port", "99999")))).getMessage();
    assertTrue(m.startsWith("EventSink 'hbase': key 'notify.port' value was set to '99999': must be from 1 to 65535"), m);
  }

  @Test
  void shouldRejectABadStateDecoratorKeyNamingTheInterceptor() {
    StateDecoratingInterceptor.Builder b = new StateDecoratingInterceptor.Builder();
    String m = assertThrows(ConfigurationException.class,
        () -> b.configure(new Context(Map.of("machines", "package", "timeoutMs", "soon")))).getMessage();
    assertTrue(m.startsWith("StateDecoratingInterceptor: key 'timeoutMs' value was set to 'soon': "), m);
  }
}
