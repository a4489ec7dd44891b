package io.eventstate.core.json;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * MurmurHash3, x64 128-bit variant (Austin Appleby's public-domain algorithm), written from the algorithm
 * description: 16-byte little-endian blocks mixed into two 64-bit lanes, a tail of up to 15 bytes, then the
 * 64-bit finalizer {@code fmix64} on both lanes.
 *
 * <p>Used for the default event id (a deterministic hash of the raw body): it is not cryptographic, but it
 * is fast (several GB/s) and 128 bits make accidental collisions negligible for event ids.
 */
public final class MurmurHash3 {

  private static final long C1 = 0x87c37b91114253d5L;
  private static final long C2 = 0x4cf5ad432745937fL;
  private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private MurmurHash3() {
  }

  /** The 128-bit hash of {@code data[offset, offset+length)} with seed 0, as 32 lower-case hex digits. */
  public static String hash128Hex(byte[] data, int offset, int length) {
    long[] h = hash128(data, offset, length, 0L);
    char[] out = new char[32];
    writeHex(h[0], out, 0);
    writeHex(h[1], out, 16);
    return new String(out);
  }

  /** The 128-bit hash as two longs {@code {h1, h2}}. */
  public static long[] hash128(byte[] data, int offset, int length, long seed) {
    long h1 = seed;
    long h2 = seed;
    int nblocks = length >>> 4;
    int p = offset;
    for (int i = 0; i < nblocks; i++, p += 16) {
      long k1 = (long) LONG_LE.get(data, p);
      long k2 = (long) LONG_LE.get(data, p + 8);

      h1 = (Long.rotateLeft(h1 ^ mixK1(k1), 27) + h2) * 5 + 0x52dce729;
      h2 = (Long.rotateLeft(h2 ^ mixK2(k2), 31) + h1) * 5 + 0x38495ab5;
    }

    // The tail (length mod 16 bytes), little-endian: bytes 8.. into k2, bytes 0..7 into k1.
    int rest = length & 15;
    long k2 = 0;
    for (int j = rest - 1; j >= 8; j--) {
      k2 = (k2 << 8) | (data[p + j] & 0xffL);
    }
    if (rest > 8) {
      h2 ^= mixK2(k2);
    }
    long k1 = 0;
    for (int j = Math.min(rest, 8) - 1; j >= 0; j--) {
      k1 = (k1 << 8) | (data[p + j] & 0xffL);
    }
    if (rest > 0) {
      h1 ^= mixK1(k1);
    }

    h1 ^= length;
    h2 ^= length;
    h1 += h2;
    h2 += h1;
    h1 = fmix64(h1);
    h2 = fmix64(h2);
    h1 += h2;
    h2 += h1;
    return new long[] {h1, h2};
  }

  private static long mixK1(long k1) {
    return Long.rotateLeft(k1 * C1, 31) * C2;
  }

  private static long mixK2(long k2) {
    return Long.rotateLeft(k2 * C2, 33) * C1;
  }

  private static long fmix64(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }

  private static void writeHex(long v, char[] out, int at) {
    for (int i = 15; i >= 0; i--) {
      out[at + i] = HEX[(int) (v & 0xf)];
      v >>>= 4;
    }
  }
}
