package io.eventstate.hbase.coprocessor;

import java.util.Optional;
import org.apache.hadoop.hbase.DoNotRetryIOException;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.RegionInfo;
import org.apache.hadoop.hbase.client.TableDescriptor;
import org.apache.hadoop.hbase.coprocessor.MasterCoprocessor;
import org.apache.hadoop.hbase.coprocessor.MasterCoprocessorEnvironment;
import org.apache.hadoop.hbase.coprocessor.MasterObserver;
import org.apache.hadoop.hbase.coprocessor.ObserverContext;

/**
 * Refuses a {@code create} or {@code alter} whose state configuration is invalid, before any region opens: the
 * client gets a {@link DoNotRetryIOException} naming the table, the key, the problem and the fix. A table is
 * checked when it loads {@link EntityStateObserver} or has any {@code eventstate.state.*} value.
 *
 * <p>Load it on the master, in {@code hbase-site.xml}: {@code hbase.coprocessor.master.classes =
 * io.eventstate.hbase.coprocessor.EntityStateMasterObserver}, with the shaded coprocessor jar in the master's
 * {@code lib/} directory (a master observer cannot be loaded from a table's jar path). Without it the
 * RegionObserver still never aborts a server: it refuses writes with the same message instead.
 */
public class EntityStateMasterObserver implements MasterCoprocessor, MasterObserver {

  @Override
  public Optional<MasterObserver> getMasterObserver() {
    return Optional.of(this);
  }

  @Override
  public void preCreateTable(ObserverContext<MasterCoprocessorEnvironment> ctx, TableDescriptor desc,
      RegionInfo[] regions) throws DoNotRetryIOException {
    check(desc);
  }

  @Override
  public TableDescriptor preModifyTable(ObserverContext<MasterCoprocessorEnvironment> ctx, TableName tableName,
      TableDescriptor currentDescriptor, TableDescriptor newDescriptor) throws DoNotRetryIOException {
    check(newDescriptor);
    return newDescriptor;
  }

  static void check(TableDescriptor desc) throws DoNotRetryIOException {
    if (!StateConfiguration.loadsObserver(desc) && StateConfiguration.keys(desc, null).isEmpty()) {
      return;
    }
    try {
      StateConfiguration.parse(desc, null);
      StateConfiguration.guard(desc, null);
    } catch (RuntimeException e) {
      throw new DoNotRetryIOException("Eventstate refused the table descriptor: " + e.getMessage());
    }
  }
}
