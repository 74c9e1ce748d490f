package dev.berth.runtime.cgroups;

import dev.berth.common.error.Internal;
import dev.berth.common.error.Unavailable;
import dev.berth.runtime.spec.LinuxResources;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A cgroup in every v1 hierarchy of the host (including named ones such as name=systemd, as runc does). */
final class V1Cgroup implements Cgroup {
  private static final long FREEZE_TIMEOUT_MS = 10_000;

  private final String path;
  private final CgroupFs fs;
  /**
   * In layout order. A list, not a map: nothing looks a hierarchy up, and a record's first hashCode
   * costs a cold CLI milliseconds (its invokedynamic bootstrap).
   */
  private final List<Map.Entry<Hierarchy, Path>> dirs = new ArrayList<>();
  private final List<Path> created = new ArrayList<>();
  /** In hybrid mode hugetlb and the unified map belong to the cgroup2 side. */
  private final boolean partOfHybrid;

  /** {@code path} is absolute: the same in every hierarchy. */
  V1Cgroup(CgroupLayout layout, String path, CgroupFs fs, boolean partOfHybrid) {
    this.fs = fs;
    this.partOfHybrid = partOfHybrid;
    this.path = path;
    for (Hierarchy h : layout.v1()) {
      dirs.add(Map.entry(h, h.dirOf(path)));
    }
  }

  @Override
  public String path() {
    return path;
  }

  Path dir(String controller) {
    return dirs.stream().filter(e -> e.getKey().has(controller)).map(Map.Entry::getValue)
        .findFirst().orElse(null);
  }

  @Override
  public void create(LinuxResources resources) {
    try {
      for (var e : dirs) {
        List<Path> made = CgroupDirs.mkdirs(fs, e.getKey().mountPoint(), e.getValue());
        created.addAll(made);
        if (e.getKey().has("cpuset")) {
          inheritCpuset(e.getKey().mountPoint(), e.getValue());
        }
      }
      if (resources != null) {
        update(resources);
      }
    } catch (RuntimeException e) {
      destroyQuietly(e);
      throw e;
    }
  }

  private void destroyQuietly(RuntimeException cause) {
    try {
      destroy();
    } catch (RuntimeException suppressed) {
      cause.addSuppressed(suppressed);
    }
  }

  /** A new cpuset cgroup starts with no cpus and mems; no process can join until they are filled in. */
  private void inheritCpuset(Path mountPoint, Path leaf) {
    List<Path> chain = new ArrayList<>();
    for (Path p = leaf; p != null && !p.equals(mountPoint) && p.startsWith(mountPoint); p = p.getParent()) {
      chain.addFirst(p);
    }
    for (Path dir : chain) {
      for (String file : List.of("cpuset.cpus", "cpuset.mems")) {
        Path f = dir.resolve(file);
        if (fs.exists(f) && fs.read(f).isEmpty()) {
          fs.write(f, fs.read(dir.getParent().resolve(file)));
        }
      }
    }
  }

  @Override
  public void addProcess(int pid) {
    for (var e : dirs) {
      fs.write(e.getValue().resolve("cgroup.procs"), Integer.toString(pid));
    }
  }

  @Override
  public SelfPlacement selfPlacement() {
    List<Path> tasks = new ArrayList<>(dirs.size());
    for (var e : dirs) {
      tasks.add(e.getValue().resolve("tasks"));
    }
    return new SelfPlacement(tasks, null);
  }

  @Override
  public void update(LinuxResources resources) {
    if (resources == null) {
      return;
    }
    LinuxResources mine = partOfHybrid
        ? new LinuxResources(resources.devices(), resources.memory(), resources.cpu(), resources.pids(),
            resources.blockIO(), dir("hugetlb") == null ? null : resources.hugepageLimits(), resources.network(), null)
        : resources;
    new V1Resources(fs, this::dir).apply(mine);
  }

  @Override
  public void freeze() {
    setFreezer("FROZEN");
  }

  @Override
  public void thaw() {
    setFreezer("THAWED");
  }

  /** The kernel may report FREEZING for a while; re-asking nudges stragglers, as runc does. */
  private void setFreezer(String state) {
    Path file = freezerState();
    long deadline = System.nanoTime() + FREEZE_TIMEOUT_MS * 1_000_000;
    long sleepMs = 1;
    for (int attempt = 0; ; attempt++) {
      if (attempt % 25 == 24 && state.equals("FROZEN")) {
        fs.write(file, "THAWED");
      }
      fs.write(file, state);
      if (fs.read(file).equals(state)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new Internal("cgroup " + path + " did not reach " + state + " in " + FREEZE_TIMEOUT_MS + " ms");
      }
      CgroupDirs.sleep(sleepMs);
      sleepMs = Math.min(sleepMs * 2, 10);
    }
  }

  private Path freezerState() {
    Path dir = dir("freezer");
    if (dir == null) {
      throw new Unavailable("the freezer cgroup is not mounted on this host: cannot pause");
    }
    return dir.resolve("freezer.state");
  }

  @Override
  public boolean frozen() {
    // No freezer, or no cgroup any more: nothing can be paused.
    Path dir = dir("freezer");
    Path file = dir == null ? null : dir.resolve("freezer.state");
    return file != null && fs.exists(file) && fs.read(file).equals("FROZEN");
  }

  @Override
  public List<Integer> pids() {
    Path dir = dir("pids");
    if (dir == null) {
      dir = dirs.get(0).getValue();
    }
    List<Integer> out = new ArrayList<>();
    CgroupDirs.collectPids(fs, dir, out);
    return out;
  }

  @Override
  public CgroupStats stats() {
    Path mem = dir("memory");
    Path cpu = dir("cpu");
    Path acct = dir("cpuacct");
    Path pids = dir("pids");
    Map<String, Long> memStat = read(mem, "memory.stat").map(CgroupDirs::keyValues).orElse(Map.of());
    Map<String, Long> cpuStat = read(cpu, "cpu.stat").map(CgroupDirs::keyValues).orElse(Map.of());
    Map<String, Long> acctStat = read(acct, "cpuacct.stat").map(CgroupDirs::keyValues).orElse(Map.of());
    List<Long> perCpu = read(acct, "cpuacct.usage_percpu")
        .map(s -> s.isBlank() ? List.<Long>of()
            : java.util.Arrays.stream(s.trim().split("\\s+")).map(Long::parseLong).toList())
        .orElse(List.of());
    // cpuacct.stat counts USER_HZ ticks (100 per second on Linux).
    long tickNs = 10_000_000L;
    return new CgroupStats(
        number(mem, "memory.usage_in_bytes"), number(mem, "memory.max_usage_in_bytes"),
        number(mem, "memory.limit_in_bytes"), memStat,
        number(acct, "cpuacct.usage"), acctStat.getOrDefault("user", 0L) * tickNs,
        acctStat.getOrDefault("system", 0L) * tickNs,
        number(pids, "pids.current"), pidsLimit(pids), perCpu,
        cpuStat.getOrDefault("nr_periods", 0L), cpuStat.getOrDefault("nr_throttled", 0L),
        cpuStat.getOrDefault("throttled_time", 0L),
        read(dir("blkio"), "blkio.throttle.io_service_bytes_recursive").map(CgroupStats::parseV1Blkio).orElse(List.of()),
        read(dir("blkio"), "blkio.throttle.io_serviced_recursive").map(CgroupStats::parseV1Blkio).orElse(List.of()));
  }

  private long pidsLimit(Path pids) {
    long limit = read(pids, "pids.max").map(CgroupDirs::parseLimit).orElse(0L);
    return limit == CgroupStats.UNLIMITED ? 0 : limit;
  }

  @Override
  public Map<String, Path> hostDirs() {
    Map<String, Path> out = new LinkedHashMap<>();
    dirs.forEach(e -> out.put(e.getKey().dirName(), e.getValue()));
    return out;
  }

  @Override
  public Map<String, String> comountLinks() {
    if (dirs.isEmpty()) {
      return Map.of();
    }
    Hierarchy any = dirs.get(0).getKey();
    return CgroupDirs.comountLinks(any.mountPoint().getParent(), hostDirs().keySet());
  }

  private java.util.Optional<String> read(Path dir, String file) {
    if (dir == null || !fs.exists(dir.resolve(file))) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(fs.read(dir.resolve(file)));
  }

  private long number(Path dir, String file) {
    return read(dir, file).map(CgroupDirs::parseLimit).orElse(0L);
  }

  @Override
  public void destroy() {
    RuntimeException first = null;
    long deadline = CgroupDirs.deadline();
    for (var d : dirs) {
      try {
        CgroupDirs.removeTree(fs, d.getValue(), deadline);
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
    for (var e : dirs) {
      CgroupDirs.removeCreatedParents(fs, created.stream().filter(p -> p.startsWith(e.getKey().mountPoint()))
          .toList(), e.getValue());
    }
    created.clear();
  }
}
