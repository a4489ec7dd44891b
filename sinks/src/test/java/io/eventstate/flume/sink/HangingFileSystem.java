package io.eventstate.flume.sink;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.util.concurrent.CountDownLatch;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local file system under the scheme {@code hang:}, whose {@code create} blocks while {@link #hang} is set, as a
 * file system that stops answering does (registered by {@code landing-hang.xml} in the test resources).
 */
public class HangingFileSystem extends RawLocalFileSystem {

  /** While set, every {@code create} waits until interrupted. */
  static volatile boolean hang;
  /** Counted down each time a {@code create} starts hanging. */
  static volatile CountDownLatch hanging = new CountDownLatch(1);

  @Override
  public URI getUri() {
    return URI.create("hang:///");
  }

  @Override
  public String getScheme() {
    return "hang";
  }

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
      short replication, long blockSize, Progressable progress) throws IOException {
    maybeHang();
    return super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
  }

  @Override
  public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication, long blockSize,
      Progressable progress) throws IOException {
    maybeHang();
    return super.create(f, overwrite, bufferSize, replication, blockSize, progress);
  }

  private static void maybeHang() throws IOException {
    if (!hang) {
      return;
    }
    hanging.countDown();
    try {
      Thread.sleep(Long.MAX_VALUE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while hanging");
    }
  }
}
