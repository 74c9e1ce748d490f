package dev.berth.daemon.containers;

import dev.berth.supervisor.api.v1.TaskMetrics;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * `GET /containers/{id}/stats` documents, from the supervisor's cgroup counters. The CLI computes CPU
 * percent from two readings (cpu_stats against precpu_stats) and the host's total CPU time.
 */
final class ContainerStats {
  private static final long HOST_MEMORY =
      ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
  /** USER_HZ: /proc/stat counts in 1/100 s on Linux. */
  private static final long NANOS_PER_TICK = 10_000_000L;

  /** One reading: the counters and the host's CPU time when they were taken. */
  record Sample(TaskMetrics metrics, long systemCpuNanos, Instant read) {}

  private ContainerStats() {}

  static Sample sample(TaskMetrics m) {
    return new Sample(m, systemCpuNanos(), Instant.now());
  }

  static Map<String, Object> json(Container c, Sample now, Sample before) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("name", c.name());
    s.put("id", c.id());
    s.put("read", now.read().toString());
    s.put("preread", before == null ? ContainerViews.ZERO_TIME : before.read().toString());
    TaskMetrics m = now.metrics();
    s.put("pids_stats", m.getPidsLimit() > 0 ? Map.of("current", m.getPidsCurrent(), "limit", m.getPidsLimit())
        : Map.of("current", m.getPidsCurrent()));
    s.put("num_procs", 0);
    s.put("cpu_stats", cpu(now));
    s.put("precpu_stats", before == null ? Map.of("cpu_usage", Map.of("total_usage", 0), "throttling_data", Map.of())
        : cpu(before));
    Map<String, Object> mem = new LinkedHashMap<>();
    mem.put("usage", m.getMemoryUsage());
    mem.put("max_usage", m.getMemoryMaxUsage());
    mem.put("stats", m.getMemoryStatMap());
    long limit = m.getMemoryLimit();
    mem.put("limit", limit <= 0 || limit > HOST_MEMORY ? HOST_MEMORY : limit);
    s.put("memory_stats", mem);
    s.put("blkio_stats", Map.of("io_service_bytes_recursive", List.of(), "io_serviced_recursive", List.of()));
    s.put("storage_stats", Map.of());
    return s;
  }

  private static Map<String, Object> cpu(Sample sample) {
    TaskMetrics m = sample.metrics();
    Map<String, Object> usage = new LinkedHashMap<>();
    usage.put("total_usage", m.getCpuUsageNanos());
    if (m.getCpuPerCpuNanosCount() > 0) usage.put("percpu_usage", m.getCpuPerCpuNanosList());
    usage.put("usage_in_kernelmode", m.getCpuSystemNanos());
    usage.put("usage_in_usermode", m.getCpuUserNanos());
    Map<String, Object> cpu = new LinkedHashMap<>();
    cpu.put("cpu_usage", usage);
    cpu.put("system_cpu_usage", sample.systemCpuNanos());
    cpu.put("online_cpus", Runtime.getRuntime().availableProcessors());
    cpu.put("throttling_data", Map.of("periods", m.getCpuPeriods(), "throttled_periods", m.getCpuThrottledPeriods(),
        "throttled_time", m.getCpuThrottledNanos()));
    return cpu;
  }

  /** The host's CPU time over all CPUs since boot, as Docker's system_cpu_usage. */
  static long systemCpuNanos() {
    try {
      String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
      long ticks = 0;
      String[] f = first.strip().split("\\s+");
      for (int i = 1; i < f.length && i <= 8; i++) ticks += Long.parseLong(f[i]);
      return ticks * NANOS_PER_TICK;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}
