package org.apache.hadoop.hbase.trace;

/**
 * Only for the HBase shell JVM of {@code io.eventstate.query.HBaseShell}: hbase-shell 2.4.17 (the newest on Maven
 * Central) imports this class at start-up for its {@code trace} command, and HBase 2.5 removed it when tracing moved
 * to OpenTelemetry. The shell's {@code trace} command is not supported with this stand-in.
 */
public final class SpanReceiverHost {

  private SpanReceiverHost() {
  }

  /** The {@code trace} command's entry point; tracing through the 2.4 shell is not available on HBase 2.6. */
  public static SpanReceiverHost getInstance(Object configuration) {
    throw new UnsupportedOperationException("the trace command of hbase-shell 2.4 does not work with HBase 2.6");
  }
}
