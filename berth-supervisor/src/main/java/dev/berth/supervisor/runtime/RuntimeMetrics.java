package dev.berth.supervisor.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.error.Internal;
import dev.berth.runtime.cgroups.CgroupStats;
import dev.berth.supervisor.api.v1.TaskMetrics;
import java.io.IOException;

/** A task's cgroup counters as the supervisor reports them, from the library or from runc's JSON. */
final class RuntimeMetrics {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RuntimeMetrics() {}

  static TaskMetrics of(CgroupStats s) {
    return TaskMetrics.newBuilder().setMemoryUsage(s.memoryUsage()).setMemoryMaxUsage(s.memoryMaxUsage())
        .setMemoryLimit(s.memoryLimit()).putAllMemoryStat(s.memoryStat()).setCpuUsageNanos(s.cpuUsageNanos())
        .setCpuUserNanos(s.cpuUserNanos()).setCpuSystemNanos(s.cpuSystemNanos()).setPidsCurrent(s.pidsCurrent())
        .setPidsLimit(s.pidsLimit()).addAllCpuPerCpuNanos(s.cpuPerCpuNanos()).setCpuPeriods(s.cpuPeriods())
        .setCpuThrottledPeriods(s.cpuThrottledPeriods()).setCpuThrottledNanos(s.cpuThrottledNanos()).build();
  }

  /** runc's {@code events --stats}: {"type":"stats","data":{"cpu":…,"memory":…,"pids":…}}. */
  static TaskMetrics ofEventsJson(String json) {
    try {
      JsonNode d = JSON.readTree(json).path("data");
      JsonNode cpu = d.path("cpu");
      JsonNode mem = d.path("memory");
      TaskMetrics.Builder b = TaskMetrics.newBuilder()
          .setMemoryUsage(mem.path("usage").path("usage").asLong()).setMemoryMaxUsage(mem.path("usage").path("max").asLong())
          .setMemoryLimit(mem.path("usage").path("limit").asLong())
          .setCpuUsageNanos(cpu.path("usage").path("total").asLong())
          .setCpuUserNanos(cpu.path("usage").path("user").asLong())
          .setCpuSystemNanos(cpu.path("usage").path("kernel").asLong())
          .setPidsCurrent(d.path("pids").path("current").asLong()).setPidsLimit(d.path("pids").path("limit").asLong())
          .setCpuPeriods(cpu.path("throttling").path("periods").asLong())
          .setCpuThrottledPeriods(cpu.path("throttling").path("throttledPeriods").asLong())
          .setCpuThrottledNanos(cpu.path("throttling").path("throttledTime").asLong());
      cpu.path("usage").path("percpu").forEach(n -> b.addCpuPerCpuNanos(n.asLong()));
      mem.path("raw").properties().forEach(e -> b.putMemoryStat(e.getKey(), e.getValue().asLong()));
      return b.build();
    } catch (IOException e) {
      throw new Internal("unreadable stats from the runtime: " + e.getMessage(), e);
    }
  }
}
