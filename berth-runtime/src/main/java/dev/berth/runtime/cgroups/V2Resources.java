package dev.berth.runtime.cgroups;

import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.Unavailable;
import dev.berth.runtime.spec.LinuxBlockIo;
import dev.berth.runtime.spec.LinuxCpu;
import dev.berth.runtime.spec.LinuxHugepageLimit;
import dev.berth.runtime.spec.LinuxMemory;
import dev.berth.runtime.spec.LinuxResources;
import dev.berth.runtime.spec.LinuxThrottleDevice;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Writes {@link LinuxResources} into a cgroup v2 directory, converting v1 units as runc does. */
final class V2Resources {
  private final CgroupFs fs;
  private final Path dir;

  V2Resources(CgroupFs fs, Path dir) {
    this.fs = fs;
    this.dir = dir;
  }

  void apply(LinuxResources r) {
    if (r.memory() != null) {
      memory(r.memory());
    }
    if (r.cpu() != null) {
      cpu(r.cpu());
    }
    if (r.pids() != null && r.pids().limit() != null) {
      write("pids.max", r.pids().limit() > 0 ? Long.toString(r.pids().limit()) : "max");
    }
    if (r.blockIO() != null) {
      io(r.blockIO());
    }
    if (r.devices() != null && !r.devices().isEmpty()) {
      fs.applyDeviceFilter(dir, r.devices());
    }
    hugetlbAndUnified(r);
  }

  /** The part of the resources the cgroup2 hierarchy of a hybrid host can carry. */
  void hugetlbAndUnified(LinuxResources r) {
    if (r.hugepageLimits() != null) {
      for (LinuxHugepageLimit h : r.hugepageLimits()) {
        write("hugetlb." + h.pageSize() + ".max", Long.toString(h.limit()));
      }
    }
    if (r.unified() != null) {
      for (Map.Entry<String, String> e : r.unified().entrySet()) {
        String key = e.getKey();
        if (key.contains("/") || key.startsWith(".") || key.isEmpty()) {
          throw new InvalidArgument("linux.resources.unified: invalid cgroup file name \"" + key + "\"");
        }
        write(key, e.getValue());
      }
    }
  }

  /** checkBeforeUpdate: a limit below what the cgroup already uses would only get it OOM-killed. */
  static void checkUsage(long usage, long newLimit) {
    if (usage > newLimit) {
      throw new InvalidArgument("memory limit " + newLimit + " is below the container's current usage " + usage
          + " (checkBeforeUpdate is set)");
    }
  }

  private void memory(LinuxMemory m) {
    long limit = m.limit() == null ? 0 : m.limit();
    if (Boolean.TRUE.equals(m.checkBeforeUpdate()) && limit > 0 && fs.exists(dir.resolve("memory.current"))) {
      checkUsage(Long.parseLong(fs.read(dir.resolve("memory.current"))), limit);
    }
    long swap = swapV2(m.swap() == null ? 0 : m.swap(), limit);
    // Swap first: lowering memory.max below current usage reclaims into swap, which must be allowed.
    if (swap == -1) {
      write("memory.swap.max", "max");
    } else if (swap > 0 || (m.swap() != null && m.swap() != 0 && swap == 0)) {
      write("memory.swap.max", Long.toString(swap));
    }
    if (limit != 0) {
      write("memory.max", limit == -1 ? "max" : Long.toString(limit));
    }
    if (m.reservation() != null && m.reservation() != 0) {
      write("memory.low", m.reservation() == -1 ? "max" : Long.toString(m.reservation()));
    }
    if (m.kernelTCP() != null && m.kernelTCP() != 0) {
      throw new InvalidArgument("kernelTCP memory limits are not supported on cgroup v2");
    }
    if (Boolean.TRUE.equals(m.disableOOMKiller())) {
      throw new InvalidArgument("disableOOMKiller is not supported on cgroup v2");
    }
    if (m.swappiness() != null && m.swappiness() != -1) {
      throw new InvalidArgument("memory.swappiness is not supported on cgroup v2");
    }
  }

  /** OCI swap is memory+swap; v2 memory.swap.max is swap alone. Returns -1 for "max", 0 for unset. */
  static long swapV2(long memorySwap, long memory) {
    if (memory == -1 && memorySwap == 0) {
      return -1;
    }
    if (memorySwap == -1 || memorySwap == 0) {
      return memorySwap;
    }
    if (memory == 0 || memory == -1) {
      throw new InvalidArgument("unable to set a swap limit without a memory limit");
    }
    if (memorySwap < memory) {
      throw new InvalidArgument("memory+swap limit (" + memorySwap + ") must be >= the memory limit (" + memory + ")");
    }
    return memorySwap - memory;
  }

  /** cpu.shares (2..262144) to cpu.weight (1..10000), runc's formula. */
  static long sharesToWeight(long shares) {
    return shares == 0 ? 0 : 1 + ((shares - 2) * 9999) / 262142;
  }

  private void cpu(LinuxCpu c) {
    if (c.shares() != null && c.shares() != 0) {
      write("cpu.weight", Long.toString(sharesToWeight(c.shares())));
    }
    long quota = c.quota() == null ? 0 : c.quota();
    long period = c.period() == null ? 0 : c.period();
    if (quota != 0 || period != 0) {
      String max = quota > 0 ? Long.toString(quota) : "max";
      if (period != 0) {
        max += " " + period;
      }
      write("cpu.max", max);
    }
    if (c.burst() != null && c.burst() != 0) {
      write("cpu.max.burst", Long.toString(c.burst()));
    }
    if (c.idle() != null && c.idle() != 0) {
      write("cpu.idle", Long.toString(c.idle()));
    }
    if ((c.realtimePeriod() != null && c.realtimePeriod() != 0)
        || (c.realtimeRuntime() != null && c.realtimeRuntime() != 0)) {
      throw new InvalidArgument("realtime cpu limits are not supported on cgroup v2");
    }
    if (c.cpus() != null && !c.cpus().isEmpty()) {
      write("cpuset.cpus", c.cpus());
    }
    if (c.mems() != null && !c.mems().isEmpty()) {
      write("cpuset.mems", c.mems());
    }
  }

  private void io(LinuxBlockIo b) {
    if (b.weight() != null && b.weight() != 0) {
      if (fs.exists(dir.resolve("io.bfq.weight"))) {
        fs.write(dir.resolve("io.bfq.weight"), Integer.toString(b.weight()));
      } else {
        // blkio.weight is 10..1000, io.weight 1..10000: runc's linear conversion.
        write("io.weight", Long.toString(1 + (b.weight() - 10) * 9999L / 990));
      }
    }
    max("rbps", b.throttleReadBpsDevice());
    max("wbps", b.throttleWriteBpsDevice());
    max("riops", b.throttleReadIOPSDevice());
    max("wiops", b.throttleWriteIOPSDevice());
  }

  private void max(String key, List<LinuxThrottleDevice> devices) {
    if (devices == null) {
      return;
    }
    for (LinuxThrottleDevice d : devices) {
      write("io.max", d.major() + ":" + d.minor() + " " + key + "=" + (d.rate() == 0 ? "max" : d.rate()));
    }
  }

  private void write(String file, String value) {
    Path f = dir.resolve(file);
    if (!fs.exists(f)) {
      throw new Unavailable("cgroup v2 has no " + file + " here (is its controller enabled?)");
    }
    fs.write(f, value);
  }
}
