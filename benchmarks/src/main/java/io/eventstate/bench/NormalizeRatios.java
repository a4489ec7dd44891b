package io.eventstate.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * A load-robust cross-check of {@link NormalizeBenchmark}'s ratios: the contenders run in one JVM, interleaved
 * in short slices (A B C … A B C …), so that load from other processes hits them alike; the median of each
 * contender's slices is reported with the ratios that matter (normalize against a bare token walk, the chain
 * against Flume's regex interceptor). JMH remains the reference; this is for
 * shared machines. Run: {@code java -cp benchmarks/target/benchmarks.jar io.eventstate.bench.NormalizeRatios [rounds]}.
 */
public final class NormalizeRatios {

  private NormalizeRatios() {
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
    long sliceNanos = 200_000_000L;
    NormalizeBenchmark b = new NormalizeBenchmark();
    b.setup();
    Map<String, Callable<Object>> contenders = new LinkedHashMap<>();
    contenders.put("normalize", b::normalize);
    contenders.put("normalizeInterceptor", b::normalizeInterceptor);
    contenders.put("normalizeAndTag", b::normalizeAndTag);
    contenders.put("regexExtractor", b::regexExtractor);
    contenders.put("regexExtractorGreedy", b::regexExtractorGreedy);
    contenders.put("jacksonStreamingWalk", b::jacksonStreamingWalk);
    contenders.put("eventIdHash", b::eventIdHash);
    Map<String, List<Double>> rates = new LinkedHashMap<>();
    contenders.keySet().forEach(k -> rates.put(k, new ArrayList<>()));
    Object sink = null;
    for (int r = -5; r < rounds; r++) { // 5 warm-up rounds
      for (Map.Entry<String, Callable<Object>> c : contenders.entrySet()) {
        long ops = 0;
        long start = System.nanoTime();
        long end = start + sliceNanos;
        long now;
        do {
          for (int i = 0; i < 256; i++) {
            sink = c.getValue().call();
          }
          ops += 256;
        } while ((now = System.nanoTime()) < end);
        if (r >= 0) {
          rates.get(c.getKey()).add(ops * 1e9 / (now - start));
        }
      }
    }
    Map<String, Double> median = new LinkedHashMap<>();
    for (Map.Entry<String, List<Double>> e : rates.entrySet()) {
      double[] v = e.getValue().stream().mapToDouble(Double::doubleValue).toArray();
      Arrays.sort(v);
      median.put(e.getKey(), v[v.length / 2]);
      System.out.printf("%-22s %,12.0f ops/s (median of %d slices)%n", e.getKey(), v[v.length / 2], v.length);
    }
    System.out.printf("normalize / jacksonStreamingWalk            = %.2f   (target >= 0.5)%n", median.get("normalize") / median.get("jacksonStreamingWalk"));
    System.out.printf("normalize / regexExtractor                  = %.2f%n", median.get("normalize") / median.get("regexExtractor"));
    System.out.printf("normalizeInterceptor / regexExtractor       = %.2f%n", median.get("normalizeInterceptor") / median.get("regexExtractor"));
    System.out.printf("normalizeAndTag / regexExtractor            = %.2f   (target >= 1.0)%n", median.get("normalizeAndTag") / median.get("regexExtractor"));
    System.out.printf("normalizeInterceptor / regexExtractorGreedy = %.2f%n", median.get("normalizeInterceptor") / median.get("regexExtractorGreedy"));
    if (sink == null) {
      System.out.println();
    }
  }
}
