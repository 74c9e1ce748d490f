package dev.berth.runtime.cgroups;

import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.Unavailable;
import dev.berth.runtime.spec.LinuxBlockIo;
import dev.berth.runtime.spec.LinuxCpu;
import dev.berth.runtime.spec.LinuxDeviceCgroup;
import dev.berth.runtime.spec.LinuxHugepageLimit;
import dev.berth.runtime.spec.LinuxMemory;
import dev.berth.runtime.spec.LinuxResources;
import dev.berth.runtime.spec.LinuxThrottleDevice;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Writes {@link LinuxResources} into cgroup v1 control files, in the order runc does. */
final class V1Resources {
  private final CgroupFs fs;
  /** The cgroup's directory in the hierarchy holding a controller, or null when none is mounted. */
  private final Function<String, Path> dirOf;

  V1Resources(CgroupFs fs, Function<String, Path> dirOf) {
    this.fs = fs;
    this.dirOf = dirOf;
  }

  void apply(LinuxResources r) {
    if (r.memory() != null) {
      memory(r.memory());
    }
    if (r.cpu() != null) {
      cpu(r.cpu());
    }
    if (r.pids() != null && r.pids().limit() != null) {
      long limit = r.pids().limit();
      write("pids", "pids.max", limit > 0 ? Long.toString(limit) : "max");
    }
    if (r.devices() != null && !r.devices().isEmpty()) {
      devices(r.devices());
    }
    if (r.blockIO() != null) {
      blockIo(r.blockIO());
    }
    if (r.network() != null) {
      network(r.network());
    }
    if (r.hugepageLimits() != null) {
      for (LinuxHugepageLimit h : r.hugepageLimits()) {
        write("hugetlb", "hugetlb." + h.pageSize() + ".limit_in_bytes", Long.toString(h.limit()));
      }
    }
    if (r.unified() != null && !r.unified().isEmpty()) {
      throw new InvalidArgument("linux.resources.unified needs cgroup v2; this host has cgroup v1");
    }
  }

  private void network(dev.berth.runtime.spec.LinuxNetwork n) {
    if (n.classID() != null) {
      write("net_cls", "net_cls.classid", Long.toString(n.classID()));
    }
    if (n.priorities() != null) {
      for (var p : n.priorities()) {
        write("net_prio", "net_prio.ifpriomap", p.name() + " " + p.priority());
      }
    }
  }

  private void memory(LinuxMemory m) {
    long limit = m.limit() == null ? 0 : m.limit();
    long swap = m.swap() == null ? 0 : m.swap();
    Path dir = dir("memory");
    if (Boolean.TRUE.equals(m.checkBeforeUpdate()) && limit > 0) {
      V2Resources.checkUsage(Long.parseLong(fs.read(dir.resolve("memory.usage_in_bytes"))), limit);
    }
    boolean swapFile = fs.exists(dir.resolve("memory.memsw.limit_in_bytes"));
    if (limit == -1 && swap == 0 && swapFile) {
      swap = -1;
    }
    boolean swapFirst = false;
    if (limit != 0 && swap != 0 && swapFile) {
      // memsw must stay >= the memory limit after every write, so the order depends on the direction.
      long current = Long.parseLong(fs.read(dir.resolve("memory.limit_in_bytes")));
      swapFirst = swap == -1 || Long.compareUnsigned(current, swap) < 0;
    }
    if (swapFirst) {
      swap(dir, swap, swapFile);
    }
    if (limit != 0) {
      write("memory", "memory.limit_in_bytes", Long.toString(limit));
    }
    if (!swapFirst) {
      swap(dir, swap, swapFile);
    }
    if (m.reservation() != null && m.reservation() != 0) {
      write("memory", "memory.soft_limit_in_bytes", Long.toString(m.reservation()));
    }
    if (m.kernelTCP() != null && m.kernelTCP() != 0) {
      write("memory", "memory.kmem.tcp.limit_in_bytes", Long.toString(m.kernelTCP()));
    }
    if (m.swappiness() != null && m.swappiness() != -1) {
      if (m.swappiness() < 0 || m.swappiness() > 100) {
        throw new InvalidArgument("memory.swappiness must be between 0 and 100, got " + m.swappiness());
      }
      write("memory", "memory.swappiness", Long.toString(m.swappiness()));
    }
    if (Boolean.TRUE.equals(m.disableOOMKiller())) {
      write("memory", "memory.oom_control", "1");
    }
  }

  private void swap(Path dir, long swap, boolean swapFile) {
    if (swap == 0) {
      return;
    }
    if (!swapFile) {
      if (swap == -1) {
        return;
      }
      throw new Unavailable("a swap limit was requested but this kernel has no swap accounting "
          + "(memory.memsw.limit_in_bytes is missing)");
    }
    fs.write(dir.resolve("memory.memsw.limit_in_bytes"), Long.toString(swap));
  }

  private void cpu(LinuxCpu c) {
    if (c.shares() != null && c.shares() != 0) {
      write("cpu", "cpu.shares", Long.toString(c.shares()));
    }
    long quota = c.quota() == null ? 0 : c.quota();
    String retryPeriod = null;
    if (c.period() != null && c.period() != 0) {
      try {
        write("cpu", "cpu.cfs_period_us", Long.toString(c.period()));
      } catch (InvalidArgument e) {
        // A shorter period can exceed the parent's quota until the new quota is in: retry after it.
        if (quota == 0) {
          throw e;
        }
        retryPeriod = Long.toString(c.period());
      }
    }
    if (quota != 0) {
      write("cpu", "cpu.cfs_quota_us", Long.toString(quota));
      if (retryPeriod != null) {
        write("cpu", "cpu.cfs_period_us", retryPeriod);
      }
    }
    if (c.burst() != null && c.burst() != 0) {
      write("cpu", "cpu.cfs_burst_us", Long.toString(c.burst()));
    }
    if (c.realtimePeriod() != null && c.realtimePeriod() != 0) {
      write("cpu", "cpu.rt_period_us", Long.toString(c.realtimePeriod()));
    }
    if (c.realtimeRuntime() != null && c.realtimeRuntime() != 0) {
      write("cpu", "cpu.rt_runtime_us", Long.toString(c.realtimeRuntime()));
    }
    if (c.idle() != null && c.idle() != 0) {
      write("cpu", "cpu.idle", Long.toString(c.idle()));
    }
    if (c.cpus() != null && !c.cpus().isEmpty()) {
      write("cpuset", "cpuset.cpus", c.cpus());
    }
    if (c.mems() != null && !c.mems().isEmpty()) {
      write("cpuset", "cpuset.mems", c.mems());
    }
  }

  /**
   * Deny everything, then replay the rules in order, as runc does for a fresh device cgroup. A cgroup
   * that already denies by default (an update of a running container) gets only the difference
   * between its devices.list and the rules' allow-list, as runc's device emulator does, so that its
   * processes never go through a moment where every device, /dev/null included, is denied.
   */
  private void devices(List<LinuxDeviceCgroup> rules) {
    Path dir = dir("devices");
    Map<String, String> wanted = DeviceAllowList.of(rules);
    Map<String, String> current = wanted == null ? null : DeviceAllowList.parse(readOrNull(dir.resolve("devices.list")));
    if (current != null) {
      // In a deny-by-default cgroup, a deny takes exactly its access bits off an entry and an allow
      // adds them: an entry that keeps an access never loses it on the way.
      current.forEach((device, access) -> {
        String removed = DeviceAllowList.minus(access, wanted.getOrDefault(device, ""));
        if (!removed.isEmpty()) fs.write(dir.resolve("devices.deny"), device + " " + removed);
      });
      wanted.forEach((device, access) -> {
        String added = DeviceAllowList.minus(access, current.getOrDefault(device, ""));
        if (!added.isEmpty()) fs.write(dir.resolve("devices.allow"), device + " " + added);
      });
      return;
    }
    fs.write(dir.resolve("devices.deny"), "a");
    for (LinuxDeviceCgroup rule : rules) {
      fs.write(dir.resolve(rule.allowed() ? "devices.allow" : "devices.deny"), deviceRule(rule));
    }
  }

  private String readOrNull(Path file) {
    try {
      return fs.read(file);
    } catch (RuntimeException e) {
      return null;
    }
  }

  static String deviceRule(LinuxDeviceCgroup rule) {
    String type = rule.type() == null || rule.type().isEmpty() ? "a" : rule.type();
    if (!List.of("a", "b", "c").contains(type)) {
      throw new InvalidArgument("device cgroup rule type must be a, b or c, got \"" + type + "\"");
    }
    String access = rule.access() == null || rule.access().isEmpty() ? "rwm" : rule.access();
    if (access.length() > 3 || !access.replace("r", "").replace("w", "").replace("m", "").isEmpty()) {
      throw new InvalidArgument("device cgroup rule access must be made of r, w and m, got \"" + access + "\"");
    }
    return type + " " + number(rule.major()) + ":" + number(rule.minor()) + " " + access;
  }

  private static String number(Long n) {
    return n == null || n < 0 ? "*" : Long.toString(n);
  }

  private void blockIo(LinuxBlockIo b) {
    Path dir = dirOf.apply("blkio");
    if (b.weight() != null && b.weight() != 0) {
      Path file = firstExisting(dir, "blkio.weight", "blkio.bfq.weight");
      if (file == null) {
        throw new Unavailable("blkio weight is not supported by this kernel (no blkio.weight or blkio.bfq.weight)");
      }
      fs.write(file, Integer.toString(b.weight()));
    }
    if (b.leafWeight() != null && b.leafWeight() != 0) {
      write("blkio", "blkio.leaf_weight", Integer.toString(b.leafWeight()));
    }
    if (b.weightDevice() != null) {
      for (var wd : b.weightDevice()) {
        if (wd.weight() != null) {
          Path file = firstExisting(dir, "blkio.weight_device", "blkio.bfq.weight_device");
          if (file == null) {
            throw new Unavailable("blkio per-device weight is not supported by this kernel");
          }
          fs.write(file, wd.major() + ":" + wd.minor() + " " + wd.weight());
        }
      }
    }
    throttle("blkio.throttle.read_bps_device", b.throttleReadBpsDevice());
    throttle("blkio.throttle.write_bps_device", b.throttleWriteBpsDevice());
    throttle("blkio.throttle.read_iops_device", b.throttleReadIOPSDevice());
    throttle("blkio.throttle.write_iops_device", b.throttleWriteIOPSDevice());
  }

  private void throttle(String file, List<LinuxThrottleDevice> devices) {
    if (devices == null) {
      return;
    }
    for (LinuxThrottleDevice d : devices) {
      write("blkio", file, d.major() + ":" + d.minor() + " " + d.rate());
    }
  }

  private Path firstExisting(Path dir, String... names) {
    if (dir == null) {
      return null;
    }
    for (String n : names) {
      if (fs.exists(dir.resolve(n))) {
        return dir.resolve(n);
      }
    }
    return null;
  }

  private Path dir(String controller) {
    Path dir = dirOf.apply(controller);
    if (dir == null) {
      throw new Unavailable("the " + controller + " cgroup controller is not mounted on this host");
    }
    return dir;
  }

  private void write(String controller, String file, String value) {
    Path f = dir(controller).resolve(file);
    if (!fs.exists(f)) {
      throw new Unavailable("this kernel has no " + file + " (" + controller + " cgroup)");
    }
    fs.write(f, value);
  }
}
