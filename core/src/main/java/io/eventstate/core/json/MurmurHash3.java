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
  @SuppressWarnings("fallthrough") // the tail switch falls through by design of the algorithm
  public static long[] hash128(byte[] data, int offset, int length, long seed) {
    long h1 = seed;
    long h2 = seed;
    int nblocks = length >>> 4;
    int p = offset;
    for (int i = 0; i < nblocks; i++, p += 16) {
      long k1 = (long) LONG_LE.get(data, p);
      long k2 = (long) LONG_LE.get(data, p + 8);

      k1 *= C1;
      k1 = Long.rotateLeft(k1, 31);
      k1 *= C2;
      h1 ^= k1;
      h1 = Long.rotateLeft(h1, 27);
      h1 += h2;
      h1 = h1 * 5 + 0x52dce729;

      k2 *= C2;
      k2 = Long.rotateLeft(k2, 33);
      k2 *= C1;
      h2 ^= k2;
      h2 = Long.rotateLeft(h2, 31);
      h2 += h1;
      h2 = h2 * 5 + 0x38495ab5;
    }

    long k1 = 0;
    long k2 = 0;
    int tail = p;
    switch (length & 15) {
      case 15: k2 ^= (data[tail + 14] & 0xffL) << 48; // fall through
      case 14: k2 ^= (data[tail + 13] & 0xffL) << 40; // fall through
      case 13: k2 ^= (data[tail + 12] & 0xffL) << 32; // fall through
      case 12: k2 ^= (data[tail + 11] & 0xffL) << 24; // fall through
      case 11: k2 ^= (data[tail + 10] & 0xffL) << 16; // fall through
      case 10: k2 ^= (data[tail + 9] & 0xffL) << 8; // fall through
      case 9:
        k2 ^= data[tail + 8] & 0xffL;
        k2 *= C2;
        k2 = Long.rotateLeft(k2, 33);
        k2 *= C1;
        h2 ^= k2;
        // fall through
      case 8: k1 ^= (data[tail + 7] & 0xffL) << 56; // fall through
      case 7: k1 ^= (data[tail + 6] & 0xffL) << 48; // fall through
      case 6: k1 ^= (data[tail + 5] & 0xffL) << 40; // fall through
      case 5: k1 ^= (data[tail + 4] & 0xffL) << 32; // fall through
      case 4: k1 ^= (data[tail + 3] & 0xffL) << 24; // fall through
      case 3: k1 ^= (data[tail + 2] & 0xffL) << 16; // fall through
      case 2: k1 ^= (data[tail + 1] & 0xffL) << 8; // fall through
      case 1:
        k1 ^= data[tail] & 0xffL;
        k1 *= C1;
        k1 = Long.rotateLeft(k1, 31);
        k1 *= C2;
        h1 ^= k1;
        break;
      default:
        break;
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
