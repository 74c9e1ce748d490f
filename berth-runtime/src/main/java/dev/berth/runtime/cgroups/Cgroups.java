package dev.berth.runtime.cgroups;

import dev.berth.common.error.Internal;
import dev.berth.runtime.spec.Validator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens a container's cgroup on this host, cgroupfs only. Path rules follow runc: an absolute
 * cgroupsPath is taken from each hierarchy's root; a relative one from the runtime's own cgroup (on v2,
 * from its parent, since a process sits in a leaf); an empty one means the container id, relative.
 * Unlike runc, a relative path is resolved once, against the runtime's memory cgroup, and used in every
 * hierarchy: {@link Cgroup#path()} is then one absolute path, and opening it again later (from `delete`,
 * run from another cgroup) finds the same directories without per-hierarchy state.
 */
public final class Cgroups {
  private Cgroups() {}

  public static Cgroup open(String cgroupsPath, String containerId) {
    return open(cgroupsPath, containerId, hostLayout(), CgroupFs.REAL);
  }

  /** The hierarchies of this host, from /proc/self/mountinfo and /proc/self/cgroup. */
  public static CgroupLayout hostLayout() {
    try {
      return CgroupLayout.parse(Path.of("/"), Files.readString(Path.of("/proc/self/mountinfo")),
          Files.readString(Path.of("/proc/self/cgroup")));
    } catch (IOException e) {
      throw new Internal("cannot read the host's cgroup layout: " + e.getMessage(), e);
    }
  }

  /**
   * Removes the cgroup {@code absolutePath} (an engine's parent for its containers, such as "/berth")
   * from every hierarchy where nothing is left in it. One still in use, or missing, is left alone:
   * rmdir refuses a cgroup with children or processes, so this never takes one from a running container.
   */
  public static void removeIfUnused(String absolutePath, CgroupLayout layout, CgroupFs fs) {
    String inner = clean(absolutePath);
    if (inner.isEmpty() || inner.equals("/")) return;
    java.util.List<Hierarchy> hierarchies = new java.util.ArrayList<>(layout.v1());
    if (layout.unified() != null) hierarchies.add(layout.unified());
    for (Hierarchy h : hierarchies) {
      try {
        fs.rmdir(h.dirOf(inner));
      } catch (IOException e) {
        // busy (children, processes), missing, or not ours to remove: leave it
      }
    }
  }

  public static Cgroup open(String cgroupsPath, String containerId, CgroupLayout layout, CgroupFs fs) {
    Validator.validateCgroupsPath(cgroupsPath);
    String inner = clean(cgroupsPath == null || cgroupsPath.isEmpty() ? containerId : cgroupsPath);
    if (inner.isEmpty() || inner.equals("/")) {
      throw new dev.berth.common.error.InvalidArgument("cgroupsPath \"" + cgroupsPath
          + "\" names a hierarchy's root, which a container must not own");
    }
    String path = resolve(layout, inner);
    return switch (layout.kind()) {
      case V1 -> new V1Cgroup(layout, path, fs, false);
      case V2 -> new V2Cgroup(layout.unified(), path, fs, true);
      case HYBRID -> new HybridCgroup(new V1Cgroup(layout, path, fs, true),
          new V2Cgroup(layout.unified(), path, fs, false));
    };
  }

  /** The cgroup's absolute path inside the hierarchies. */
  static String resolve(CgroupLayout layout, String inner) {
    if (inner.startsWith("/")) {
      return inner;
    }
    Hierarchy h = layout.v1("memory").orElse(layout.v1().isEmpty() ? layout.unified() : layout.v1().get(0));
    String base = h.ownPath();
    if (h.unified()) {
      // A v2 process lives in a leaf: siblings go beside it. "/.." means we are in a cgroup namespace.
      base = base.equals("/..") ? "/" : parent(base);
    }
    return clean(base + "/" + inner);
  }

  private static String parent(String p) {
    int slash = p.lastIndexOf('/');
    return slash <= 0 ? "/" : p.substring(0, slash);
  }

  /** Lexical cleaning as runc's CleanPath: no "..", no duplicate or trailing slashes. */
  static String clean(String p) {
    boolean abs = p.startsWith("/");
    java.util.Deque<String> parts = new java.util.ArrayDeque<>();
    for (String s : p.split("/")) {
      if (s.isEmpty() || s.equals(".")) {
        continue;
      }
      if (s.equals("..")) {
        parts.pollLast();
      } else {
        parts.addLast(s);
      }
    }
    String joined = String.join("/", parts);
    return abs ? "/" + joined : joined;
  }
}
