package dev.berth.runtime.cgroups;

import java.nio.file.Path;
import java.util.Set;

/**
 * One mounted cgroup hierarchy. {@code controllers} are the v1 subsystems (and "name=..." for named
 * hierarchies) or, for cgroup2, empty: its controllers are read from cgroup.controllers.
 * {@code mountRoot} is the hierarchy path mounted at {@code mountPoint} (not "/" inside a cgroupns).
 * {@code ownPath} is where the calling process sits in this hierarchy, from /proc/self/cgroup.
 * Parsed by {@link CgroupLayout#parse}.
 */
public record Hierarchy(Set<String> controllers, Path mountPoint, String mountRoot, boolean unified, String ownPath) {

  public boolean has(String controller) {
    return controllers.contains(controller);
  }

  /** The directory of a cgroup given by its path inside this hierarchy. */
  public Path dirOf(String cgroupPath) {
    String rel = cgroupPath;
    if (!"/".equals(mountRoot) && (rel.equals(mountRoot) || rel.startsWith(mountRoot + "/"))) {
      rel = rel.substring(mountRoot.length());
    }
    rel = withoutLeadingSlashes(rel);
    return rel.isEmpty() ? mountPoint : mountPoint.resolve(rel);
  }

  /** A loop, not a regex: the CLI calls this per hierarchy in a cold JVM. */
  static String withoutLeadingSlashes(String path) {
    int i = 0;
    while (i < path.length() && path.charAt(i) == '/') {
      i++;
    }
    return path.substring(i);
  }

  /** The mount point's name under the cgroup root: "memory", "cpu,cpuacct", "systemd", "unified". */
  public String dirName() {
    return mountPoint.getFileName() == null ? "" : mountPoint.getFileName().toString();
  }
}
