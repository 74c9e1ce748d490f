package dev.berth.runtime.cgroups;

import java.util.List;
import java.util.Map;

/**
 * A snapshot of a cgroup's counters, in the units Docker's stats API uses: bytes and nanoseconds.
 * A limit of {@link #UNLIMITED} means none (v1 reports its own huge number as is); a pids limit of 0 means
 * none, as in Docker. {@code memoryStat} is memory.stat as the kernel names it.
 */
public record CgroupStats(
    long memoryUsage,
    long memoryMaxUsage,
    long memoryLimit,
    Map<String, Long> memoryStat,
    long cpuUsageNanos,
    long cpuUserNanos,
    long cpuSystemNanos,
    long pidsCurrent,
    long pidsLimit,
    List<Long> cpuPerCpuNanos,
    long cpuPeriods,
    long cpuThrottledPeriods,
    long cpuThrottledNanos,
    List<BlkioStat> ioServiceBytes,
    List<BlkioStat> ioServiced) {

  public static final long UNLIMITED = Long.MAX_VALUE;

  /** One block device counter, as Docker's blkio_stats lists them: op is "Read", "Write", "Sync", "Total"... */
  public record BlkioStat(long major, long minor, String op, long value) {}

  /** v1 blkio.throttle.io_service_bytes_recursive and friends: "8:0 Read 1234" lines ("Total 1234" is skipped). */
  static List<BlkioStat> parseV1Blkio(String text) {
    List<BlkioStat> out = new java.util.ArrayList<>();
    for (String line : text.split("\n")) {
      String[] f = line.strip().split("\\s+");
      if (f.length == 3 && f[0].contains(":")) {
        String[] mm = f[0].split(":");
        out.add(new BlkioStat(Long.parseLong(mm[0]), Long.parseLong(mm[1]), f[1], Long.parseLong(f[2])));
      }
    }
    return out;
  }

  /** v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 ..."; {@code read}/{@code write} pick the keys. */
  static List<BlkioStat> parseV2IoStat(String text, String read, String write) {
    List<BlkioStat> out = new java.util.ArrayList<>();
    for (String line : text.split("\n")) {
      String[] f = line.strip().split("\\s+");
      if (f.length < 2 || !f[0].contains(":")) {
        continue;
      }
      String[] mm = f[0].split(":");
      long major = Long.parseLong(mm[0]);
      long minor = Long.parseLong(mm[1]);
      for (int i = 1; i < f.length; i++) {
        String[] kv = f[i].split("=", 2);
        if (kv.length == 2 && (kv[0].equals(read) || kv[0].equals(write))) {
          out.add(new BlkioStat(major, minor, kv[0].equals(read) ? "Read" : "Write", Long.parseLong(kv[1])));
        }
      }
    }
    return out;
  }
}
