package io.eventstate.query;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Main class of the JVM that {@link HiveCli} forks: runs Hive 3.1.3's own command line ({@code CliDriver}) with
 * the class path of a Hive installation ({@code query/hive-runtime}) in a class loader of its own.
 *
 * <pre>  java -cp test-classes io.eventstate.query.HiveLauncher HIVE_CLASSPATH_FILE [CliDriver arguments]</pre>
 *
 * Uses the JDK only. Hive 3.1.3 was built for Java 8, and two things stop it on Java 17; both are handled here,
 * nothing else of Hive is touched:
 * <ul>
 *   <li>{@code SessionState} casts its own class loader to {@link URLClassLoader}, which Java 9+'s application
 *       class loader is not: Hive is loaded through a {@code URLClassLoader};</li>
 *   <li>the Kryo serializer Hive registers for {@code ArrayList$SubList} (every query plan goes through Kryo) looks up
 *       the fields {@code parent} and {@code parentOffset}, which Java 9 renamed {@code root} and {@code offset}
 *       (with the same meaning for a sublist of an {@code ArrayList}); without them no MapReduce stage can start.
 *       The class {@code SerializationUtilities$ArrayListSubListSerializer} is loaded with those two field-name
 *       constants replaced (Hive 4 fixed the class itself).</li>
 * </ul>
 */
public final class HiveLauncher {

  private HiveLauncher() {
  }

  public static void main(String[] args) throws Throwable {
    String cp = Files.readString(Path.of(args[0]), StandardCharsets.UTF_8).strip();
    List<URL> urls = new ArrayList<>();
    for (String entry : cp.split(File.pathSeparator)) {
      if (!entry.isBlank()) {
        urls.add(Path.of(entry).toUri().toURL());
      }
    }
    URLClassLoader hive = new Java17HiveLoader(urls.toArray(URL[]::new));
    Thread.currentThread().setContextClassLoader(hive);
    Class<?> cli = hive.loadClass("org.apache.hadoop.hive.cli.CliDriver");
    try {
      cli.getMethod("main", String[].class).invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw e.getCause();
    }
  }

  /** Hive's class loader: parent-first over the platform loader, with the one class above patched. */
  static final class Java17HiveLoader extends URLClassLoader {
    static final String SUBLIST_SERIALIZER = "org.apache.hadoop.hive.ql.exec.SerializationUtilities$ArrayListSubListSerializer";

    Java17HiveLoader(URL[] urls) {
      super(urls, ClassLoader.getPlatformClassLoader());
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
      if (!name.equals(SUBLIST_SERIALIZER)) {
        return super.findClass(name);
      }
      try (java.io.InputStream in = getResourceAsStream(name.replace('.', '/') + ".class")) {
        if (in == null) {
          throw new ClassNotFoundException(name);
        }
        byte[] b = in.readAllBytes();
        b = replaceUtf8(b, "parentOffset", "offset");
        b = replaceUtf8(b, "parent", "root");
        return defineClass(name, b, 0, b.length);
      } catch (java.io.IOException e) {
        throw new ClassNotFoundException(name, e);
      }
    }

    /** Replaces one CONSTANT_Utf8 entry (tag 1, u2 length, bytes) of a class file; fails if it is not there once. */
    static byte[] replaceUtf8(byte[] cls, String from, String to) {
      byte[] f = utf8Entry(from);
      byte[] t = utf8Entry(to);
      int at = -1;
      for (int i = 0; i + f.length <= cls.length; i++) {
        if (Arrays.equals(cls, i, i + f.length, f, 0, f.length)) {
          if (at >= 0) {
            throw new IllegalStateException("constant '" + from + "' found twice");
          }
          at = i;
        }
      }
      if (at < 0) {
        throw new IllegalStateException("constant '" + from + "' not found: not Hive 3.1.3's class?");
      }
      byte[] out = new byte[cls.length - f.length + t.length];
      System.arraycopy(cls, 0, out, 0, at);
      System.arraycopy(t, 0, out, at, t.length);
      System.arraycopy(cls, at + f.length, out, at + t.length, cls.length - at - f.length);
      return out;
    }

    private static byte[] utf8Entry(String s) {
      byte[] text = s.getBytes(StandardCharsets.UTF_8);
      byte[] e = new byte[3 + text.length];
      e[0] = 1;
      e[1] = (byte) (text.length >> 8);
      e[2] = (byte) text.length;
      System.arraycopy(text, 0, e, 3, text.length);
      return e;
    }
  }
}
