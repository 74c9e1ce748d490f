package dev.berth.runtime.cgroups;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A cgroupfs stand-in over a temp dir: mkdir fills a new cgroup with the control files its hierarchy
 * has, rmdir refuses busy or non-empty cgroups, and every write is logged so tests can check order.
 */
final class FakeKernel implements CgroupFs {
  static final String V1_MOUNTINFO = """
      31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
      32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
      33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
      34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
      35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
      36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
      37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
      38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
      39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
      40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
      """;
  static final String HYBRID_MOUNTINFO = V1_MOUNTINFO
      + "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n";
  static final String V2_MOUNTINFO =
      "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate\n";
  static final String SELF_CGROUP_V1 = """
      9:name=systemd:/
      8:pids:/
      4:memory:/process_api/abc
      1:cpu:/
      0::/
      """;

  private final Path root;
  private final boolean swapAccounting;
  final List<String> writes = new ArrayList<>();
  /** Mount point → the control files (and initial values) of a new cgroup there. */
  private final Map<Path, Map<String, String>> templates = new LinkedHashMap<>();

  FakeKernel(Path root, boolean swapAccounting) {
    this.root = root;
    this.swapAccounting = swapAccounting;
  }

  Path cg(String rel) {
    return root.resolve("sys/fs/cgroup").resolve(rel);
  }

  /** Lays out the hierarchies of {@code mountinfo} under the root, with root cgroups populated. */
  CgroupLayout install(String mountinfo, String selfCgroup) {
    CgroupLayout layout = CgroupLayout.parse(root, mountinfo, selfCgroup);
    for (Hierarchy h : layout.v1()) {
      Map<String, String> files = new LinkedHashMap<>(Map.of("cgroup.procs", "", "tasks", ""));
      h.controllers().forEach(c -> files.putAll(v1Files(c)));
      templates.put(h.mountPoint(), files);
      populate(h.mountPoint(), files);
      if (h.has("cpuset")) {
        write(h.mountPoint().resolve("cpuset.cpus"), "0-1");
        write(h.mountPoint().resolve("cpuset.mems"), "0");
      }
    }
    if (layout.unified() != null) {
      boolean pure = layout.kind() == CgroupLayout.Kind.V2;
      String controllers = pure ? "cpuset cpu io memory hugetlb pids" : "hugetlb";
      Map<String, String> files = new LinkedHashMap<>(Map.of("cgroup.procs", "", "cgroup.controllers", "",
          "cgroup.subtree_control", "", "cgroup.freeze", "0", "cgroup.events", "populated 0\nfrozen 0",
          "hugetlb.2MB.max", "max"));
      if (pure) {
        files.putAll(Map.of("memory.max", "max", "memory.low", "0", "memory.swap.max", "max",
            "memory.current", "0", "memory.stat", "anon 0", "cpu.weight", "100", "cpu.max", "max 100000",
            "pids.max", "max", "pids.current", "0", "io.weight", "default 100"));
        files.putAll(Map.of("cpu.stat", "usage_usec 0", "cpuset.cpus", "", "cpuset.mems", "", "io.max", "",
            "memory.high", "max"));
      }
      templates.put(layout.unified().mountPoint(), files);
      populate(layout.unified().mountPoint(), files);
      writeQuietly(layout.unified().mountPoint().resolve("cgroup.controllers"), controllers);
    }
    writes.clear();
    return layout;
  }

  private Map<String, String> v1Files(String controller) {
    Map<String, String> f = new LinkedHashMap<>();
    switch (controller) {
      case "memory" -> {
        f.putAll(Map.of("memory.limit_in_bytes", "9223372036854771712", "memory.soft_limit_in_bytes",
            "9223372036854771712", "memory.swappiness", "60", "memory.oom_control", "oom_kill_disable 0",
            "memory.usage_in_bytes", "0", "memory.max_usage_in_bytes", "0", "memory.stat", "cache 0\nrss 0"));
        if (swapAccounting) {
          f.put("memory.memsw.limit_in_bytes", "9223372036854771712");
        }
      }
      case "cpu" -> f.putAll(Map.of("cpu.shares", "1024", "cpu.cfs_quota_us", "-1", "cpu.cfs_period_us", "100000",
          "cpu.stat", "nr_periods 0\nnr_throttled 0\nthrottled_time 0"));
      case "cpuacct" -> f.putAll(Map.of("cpuacct.usage", "0", "cpuacct.stat", "user 0\nsystem 0",
          "cpuacct.usage_percpu", "0 0"));
      case "cpuset" -> f.putAll(Map.of("cpuset.cpus", "", "cpuset.mems", ""));
      case "pids" -> f.putAll(Map.of("pids.max", "max", "pids.current", "0"));
      case "devices" -> f.putAll(Map.of("devices.allow", "", "devices.deny", "", "devices.list", "a *:* rwm"));
      case "freezer" -> f.put("freezer.state", "THAWED");
      case "blkio" -> f.putAll(Map.of("blkio.throttle.read_bps_device", "", "blkio.throttle.write_bps_device", "",
          "blkio.throttle.read_iops_device", "", "blkio.throttle.write_iops_device", ""));
      default -> { }
    }
    return f;
  }

  private void populate(Path dir, Map<String, String> files) {
    files.forEach((name, value) -> writeQuietly(dir.resolve(name), value));
  }

  private static void writeQuietly(Path file, String value) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void write(Path file, String value) {
    CgroupFs.super.write(file, value);
    writes.add(root.resolve("sys/fs/cgroup").relativize(file) + "=" + value);
    if (file.getFileName().toString().equals("cgroup.subtree_control")) {
      // Children see what the parent enables for them in their cgroup.controllers.
      String enabled = value.replace("+", "");
      try (Stream<Path> s = Files.list(file.getParent())) {
        s.filter(Files::isDirectory).forEach(d -> writeQuietly(d.resolve("cgroup.controllers"), enabled));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    if (file.getFileName().toString().equals("cgroup.freeze")) {
      writeQuietly(file.resolveSibling("cgroup.events"), "populated 1\nfrozen " + value);
    }
  }

  /** Device rules handed to the eBPF side, per cgroup directory. */
  final Map<Path, List<dev.berth.runtime.spec.LinuxDeviceCgroup>> deviceFilters = new LinkedHashMap<>();

  @Override
  public void applyDeviceFilter(Path dir, List<dev.berth.runtime.spec.LinuxDeviceCgroup> rules) {
    DeviceFilter.program(rules); // must assemble
    deviceFilters.put(dir, rules);
  }

  @Override
  public boolean mkdir(Path dir) {
    boolean made = CgroupFs.super.mkdir(dir);
    if (made) {
      templates.entrySet().stream().filter(e -> dir.startsWith(e.getKey())).findFirst()
          .ifPresent(e -> populate(dir, e.getValue()));
    }
    return made;
  }

  @Override
  public void rmdir(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      CgroupFs.super.rmdir(dir);
    }
    try (Stream<Path> s = Files.list(dir)) {
      if (s.anyMatch(Files::isDirectory)) {
        throw new DirectoryNotEmptyException(dir.toString());
      }
    }
    Path procs = dir.resolve("cgroup.procs");
    if (Files.exists(procs) && !Files.readString(procs).isBlank()) {
      throw new FileSystemException(dir.toString(), null, "Device or resource busy");
    }
    try (Stream<Path> s = Files.list(dir)) {
      for (Path f : s.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(dir);
  }

  String read(String rel) {
    return read(cg(rel));
  }
}
