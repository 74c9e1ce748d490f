package dev.berth.runtime.cgroups;

import dev.berth.runtime.spec.LinuxResources;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A container's cgroup, in every hierarchy the host has. Obtained from {@link Cgroups#open}; nothing
 * exists on disk until {@link #create}.
 */
public interface Cgroup {
  /** The cgroup's path inside its hierarchies, e.g. {@code /berth/c1}. */
  String path();

  /** Creates the cgroup everywhere and applies {@code resources} (nullable); on failure removes what it made. */
  void create(LinuxResources resources);

  /** Moves a process (and its threads) into the cgroup. */
  void addProcess(int pid);

  /** What berth-init needs to join the cgroup itself, without the kernel's threadgroup lock. */
  SelfPlacement selfPlacement();

  /** Applies new limits; fields that are null are left as they are. */
  void update(LinuxResources resources);

  /** Freezes every process of the cgroup and returns once the kernel reports them frozen. */
  void freeze();

  void thaw();

  boolean frozen();

  /** Every process in the cgroup and its descendants. */
  List<Integer> pids();

  CgroupStats stats();

  /** Removes the cgroup (and any sub-cgroups) from every hierarchy; nothing to remove is not an error. */
  void destroy();

  /**
   * Hierarchy directory name ("memory", "cpu,cpuacct", "systemd", "unified", or "" for a pure v2 host)
   * → this cgroup's directory on the host: what a container's cgroup mount binds.
   */
  Map<String, Path> hostDirs();

  /** Symlinks beside the hierarchies on the host (e.g. "cpu" → "cpu,cpuacct"), to recreate in the container. */
  Map<String, String> comountLinks();
}
