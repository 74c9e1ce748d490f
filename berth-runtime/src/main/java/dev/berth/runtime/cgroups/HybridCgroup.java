package dev.berth.runtime.cgroups;

import dev.berth.runtime.spec.LinuxResources;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A cgroup on a hybrid host: v1 hierarchies carry the limits, the cgroup2 mount beside them carries what
 * v1 lacks (hugetlb on these machines). The process joins both, as systemd and runc arrange it.
 */
final class HybridCgroup implements Cgroup {
  private final V1Cgroup v1;
  private final V2Cgroup v2;

  HybridCgroup(V1Cgroup v1, V2Cgroup v2) {
    this.v1 = v1;
    this.v2 = v2;
  }

  @Override
  public String path() {
    return v1.path();
  }

  @Override
  public void create(LinuxResources resources) {
    v1.create(null);
    try {
      v2.create(null);
      update(resources);
    } catch (RuntimeException e) {
      try {
        destroy();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  @Override
  public void addProcess(int pid) {
    v1.addProcess(pid);
    v2.addProcess(pid);
  }

  @Override
  public SelfPlacement selfPlacement() {
    return new SelfPlacement(v1.selfPlacement().threadFiles(), v2.dir());
  }

  @Override
  public void update(LinuxResources resources) {
    if (resources == null) {
      return;
    }
    v1.update(resources);
    if (v1.dir("hugetlb") == null || (resources.unified() != null && !resources.unified().isEmpty())) {
      v2.update(resources);
    }
  }

  @Override
  public void freeze() {
    v1.freeze();
  }

  @Override
  public void thaw() {
    v1.thaw();
  }

  @Override
  public boolean frozen() {
    return v1.frozen();
  }

  @Override
  public List<Integer> pids() {
    return v1.pids();
  }

  @Override
  public CgroupStats stats() {
    return v1.stats();
  }

  @Override
  public Map<String, Path> hostDirs() {
    Map<String, Path> out = new LinkedHashMap<>(v1.hostDirs());
    out.putAll(v2.hostDirs());
    return out;
  }

  @Override
  public Map<String, String> comountLinks() {
    return v1.comountLinks();
  }

  @Override
  public void destroy() {
    RuntimeException failure = null;
    try {
      v1.destroy();
    } catch (RuntimeException e) {
      failure = e;
    }
    try {
      v2.destroy();
    } catch (RuntimeException e) {
      if (failure == null) {
        failure = e;
      } else {
        failure.addSuppressed(e);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
