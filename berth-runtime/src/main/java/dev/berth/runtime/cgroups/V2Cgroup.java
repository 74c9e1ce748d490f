package dev.berth.runtime.cgroups;

import dev.berth.common.error.BerthException;
import dev.berth.common.error.Internal;
import dev.berth.runtime.spec.LinuxResources;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A cgroup in the unified (v2) hierarchy. On a hybrid host the same class holds the container's place in
 * the cgroup2 mount, which carries only the controllers v1 does not (hugetlb here).
 */
final class V2Cgroup implements Cgroup {
  private static final long FREEZE_TIMEOUT_MS = 10_000;

  private final Hierarchy hierarchy;
  private final String path;
  private final Path dir;
  private final CgroupFs fs;
  /** False on a hybrid host: v1 does the limits, this side only hugetlb and `unified`. */
  private final boolean full;
  private final List<Path> created = new ArrayList<>();

  V2Cgroup(Hierarchy hierarchy, String path, CgroupFs fs, boolean full) {
    this.hierarchy = hierarchy;
    this.path = path;
    this.dir = hierarchy.dirOf(path);
    this.fs = fs;
    this.full = full;
  }

  @Override
  public String path() {
    return path;
  }

  Path dir() {
    return dir;
  }

  @Override
  public void create(LinuxResources resources) {
    try {
      created.addAll(CgroupDirs.mkdirs(fs, hierarchy.mountPoint(), dir));
      enableControllers();
      if (resources != null) {
        update(resources);
      }
    } catch (RuntimeException e) {
      try {
        destroy();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** Controllers reach a cgroup only when every ancestor lists them in cgroup.subtree_control. */
  private void enableControllers() {
    List<Path> ancestors = new ArrayList<>();
    for (Path p = dir.getParent(); p != null && p.startsWith(hierarchy.mountPoint()); p = p.getParent()) {
      ancestors.addFirst(p);
    }
    for (Path p : ancestors) {
      Path available = p.resolve("cgroup.controllers");
      Path control = p.resolve("cgroup.subtree_control");
      if (!fs.exists(available) || !fs.exists(control)) {
        continue;
      }
      String controllers = fs.read(available);
      if (controllers.isBlank()) {
        continue;
      }
      List<String> plus = java.util.Arrays.stream(controllers.split("\\s+")).map(c -> "+" + c).toList();
      try {
        fs.write(control, String.join(" ", plus));
      } catch (BerthException all) {
        // One controller may be refused (e.g. a threaded subtree); the others can still be enabled.
        for (String one : plus) {
          try {
            fs.write(control, one);
          } catch (BerthException ignored) {
            // The limit that needs it will fail later with the file missing, naming it.
          }
        }
      }
    }
  }

  @Override
  public void addProcess(int pid) {
    fs.write(dir.resolve("cgroup.procs"), Integer.toString(pid));
  }

  @Override
  public SelfPlacement selfPlacement() {
    return new SelfPlacement(List.of(), dir);
  }

  @Override
  public void update(LinuxResources resources) {
    if (resources == null) {
      return;
    }
    V2Resources writer = new V2Resources(fs, dir);
    if (full) {
      writer.apply(resources);
    } else {
      writer.hugetlbAndUnified(resources);
    }
  }

  @Override
  public void freeze() {
    setFrozen(true);
  }

  @Override
  public void thaw() {
    setFrozen(false);
  }

  private void setFrozen(boolean frozen) {
    fs.write(dir.resolve("cgroup.freeze"), frozen ? "1" : "0");
    long deadline = System.nanoTime() + FREEZE_TIMEOUT_MS * 1_000_000;
    while (frozen() != frozen) {
      if (System.nanoTime() > deadline) {
        throw new Internal("cgroup " + path + " did not " + (frozen ? "freeze" : "thaw") + " in time");
      }
      CgroupDirs.sleep(2);
    }
  }

  @Override
  public boolean frozen() {
    Path events = dir.resolve("cgroup.events");
    if (fs.exists(events)) {
      return CgroupDirs.keyValues(fs.read(events)).getOrDefault("frozen", 0L) == 1L;
    }
    return fs.exists(dir.resolve("cgroup.freeze")) && fs.read(dir.resolve("cgroup.freeze")).equals("1");
  }

  @Override
  public List<Integer> pids() {
    List<Integer> out = new ArrayList<>();
    CgroupDirs.collectPids(fs, dir, out);
    return out;
  }

  @Override
  public CgroupStats stats() {
    Map<String, Long> memStat = keyValues("memory.stat");
    Map<String, Long> cpuStat = keyValues("cpu.stat");
    long usec = 1000;
    long pidsLimit = number("pids.max", 0);
    return new CgroupStats(
        number("memory.current", 0), number("memory.peak", 0), number("memory.max", CgroupStats.UNLIMITED),
        memStat,
        cpuStat.getOrDefault("usage_usec", 0L) * usec, cpuStat.getOrDefault("user_usec", 0L) * usec,
        cpuStat.getOrDefault("system_usec", 0L) * usec,
        number("pids.current", 0), pidsLimit == CgroupStats.UNLIMITED ? 0 : pidsLimit, List.of(),
        cpuStat.getOrDefault("nr_periods", 0L), cpuStat.getOrDefault("nr_throttled", 0L),
        cpuStat.getOrDefault("throttled_usec", 0L) * usec,
        ioStat("rbytes", "wbytes"), ioStat("rios", "wios"));
  }

  private List<CgroupStats.BlkioStat> ioStat(String read, String write) {
    Path f = dir.resolve("io.stat");
    return fs.exists(f) ? CgroupStats.parseV2IoStat(fs.read(f), read, write) : List.of();
  }

  private Map<String, Long> keyValues(String file) {
    Path f = dir.resolve(file);
    return fs.exists(f) ? CgroupDirs.keyValues(fs.read(f)) : Map.of();
  }

  private long number(String file, long absent) {
    Path f = dir.resolve(file);
    return fs.exists(f) ? CgroupDirs.parseLimit(fs.read(f)) : absent;
  }

  @Override
  public Map<String, Path> hostDirs() {
    return Map.of(full ? "" : hierarchy.dirName(), dir);
  }

  @Override
  public Map<String, String> comountLinks() {
    return Map.of();
  }

  @Override
  public void destroy() {
    CgroupDirs.removeTree(fs, dir, CgroupDirs.deadline());
    CgroupDirs.removeCreatedParents(fs, created, dir);
    created.clear();
  }
}
