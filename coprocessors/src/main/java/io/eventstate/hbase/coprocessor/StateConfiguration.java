package io.eventstate.hbase.coprocessor;

import io.eventstate.core.config.ConfigException;
import io.eventstate.core.state.EntityStateSpec;
import io.eventstate.core.state.FutureSkewGuard;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.hbase.client.CoprocessorDescriptor;
import org.apache.hadoop.hbase.client.TableDescriptor;
import org.apache.hadoop.hbase.util.Bytes;

/**
 * Reads the {@link EntityStateSpec} keys of a table descriptor: its table values, overridden by the properties of
 * the {@link EntityStateObserver} coprocessor entry (either place works; the HBase shell's {@code table_att} sets
 * table values, {@code CoprocessorDescriptorBuilder.setProperty} sets properties).
 */
final class StateConfiguration {

  private StateConfiguration() {
  }

  /** True if the descriptor loads the state observer (or a subclass named like it). */
  static boolean loadsObserver(TableDescriptor d) {
    for (CoprocessorDescriptor cp : d.getCoprocessorDescriptors()) {
      if (isObserver(cp)) {
        return true;
      }
    }
    return false;
  }

  static boolean isObserver(CoprocessorDescriptor cp) {
    return cp.getClassName().endsWith(EntityStateObserver.class.getSimpleName());
  }

  /** The spec keys of a descriptor; {@code className} picks the coprocessor entry whose properties apply. */
  static Map<String, String> keys(TableDescriptor d, String className) {
    TreeMap<String, String> out = new TreeMap<>();
    for (Map.Entry<org.apache.hadoop.hbase.util.Bytes, org.apache.hadoop.hbase.util.Bytes> v : d.getValues().entrySet()) {
      String k = Bytes.toString(v.getKey().get());
      if (k.startsWith(EntityStateSpec.PREFIX)) {
        out.put(k, Bytes.toString(v.getValue().get()));
      }
    }
    for (CoprocessorDescriptor cp : d.getCoprocessorDescriptors()) {
      if (className == null ? isObserver(cp) : cp.getClassName().equals(className)) {
        for (Map.Entry<String, String> p : cp.getProperties().entrySet()) {
          if (p.getKey().startsWith(EntityStateSpec.PREFIX)) {
            out.put(p.getKey(), p.getValue());
          }
        }
      }
    }
    return out;
  }

  /** The bound on event times ahead of the clock: a table value, overridden by the observer's property of that key. */
  static FutureSkewGuard guard(TableDescriptor d, String className) {
    String v = d.getValue(FutureSkewGuard.CONFIG_MAX_FUTURE_SKEW);
    for (CoprocessorDescriptor cp : d.getCoprocessorDescriptors()) {
      if (className == null ? isObserver(cp) : cp.getClassName().equals(className)) {
        v = cp.getProperties().getOrDefault(FutureSkewGuard.CONFIG_MAX_FUTURE_SKEW, v);
      }
    }
    try {
      return FutureSkewGuard.parse(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("table " + d.getTableName().getNameAsString() + ": " + e.getMessage(), e);
    }
  }

  /** Parses the descriptor's spec; the message names the table. */
  static EntityStateSpec parse(TableDescriptor d, String className) {
    try {
      return EntityStateSpec.parse(keys(d, className));
    } catch (ConfigException e) {
      throw e.in("table " + d.getTableName().getNameAsString());
    }
  }
}
