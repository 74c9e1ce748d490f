package dev.berth.runtime.cgroups;

import dev.berth.common.error.Unavailable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The cgroup hierarchies of a host, read from mountinfo and /proc/self/cgroup: pure v1, pure v2
 * (cgroup2 at the cgroup root) or hybrid (v1 controllers plus a cgroup2 mount beside them).
 */
public record CgroupLayout(Kind kind, List<Hierarchy> v1, Hierarchy unified) {

  public enum Kind { V1, V2, HYBRID }

  /** Parses mountinfo(5) lines and /proc/self/cgroup; mount points are taken relative to {@code fsRoot}. */
  public static CgroupLayout parse(Path fsRoot, String mountinfo, String selfCgroup) {
    Map<String, String> own = ownPaths(selfCgroup);
    List<Hierarchy> v1 = new ArrayList<>();
    Set<Set<String>> seen = new java.util.HashSet<>();
    Hierarchy unified = null;
    for (String line : mountinfo.split("\n")) {
      String[] sides = line.split(" - ", 2);
      if (sides.length < 2) {
        continue;
      }
      String[] left = sides[0].split(" ");
      String[] right = sides[1].split(" ");
      if (left.length < 5 || right.length < 3) {
        continue;
      }
      String fsType = right[0];
      String root = unescape(left[3]);
      Path mountPoint = under(fsRoot, unescape(left[4]));
      if ("cgroup2".equals(fsType) && unified == null) {
        unified = new Hierarchy(Set.of(), mountPoint, root, true, own.getOrDefault("", "/"));
      } else if ("cgroup".equals(fsType)) {
        Set<String> controllers = v1Controllers(right[2]);
        if (!controllers.isEmpty() && seen.add(controllers)) {
          v1.add(new Hierarchy(controllers, mountPoint, root, false, ownPath(own, controllers)));
        }
      }
    }
    if (v1.isEmpty() && unified == null) {
      throw new Unavailable("no cgroup filesystem is mounted (looked for cgroup and cgroup2 in mountinfo)");
    }
    Kind kind = v1.isEmpty() ? Kind.V2 : unified == null ? Kind.V1 : Kind.HYBRID;
    return new CgroupLayout(kind, List.copyOf(v1), unified);
  }

  public Optional<Hierarchy> v1(String controller) {
    return v1.stream().filter(h -> h.has(controller)).findFirst();
  }

  private static Set<String> v1Controllers(String superOptions) {
    Set<String> out = new LinkedHashSet<>();
    for (String opt : superOptions.split(",")) {
      if (KNOWN_V1.contains(opt) || opt.startsWith("name=")) {
        out.add(opt);
      }
    }
    return out;
  }

  private static final Set<String> KNOWN_V1 = Set.of("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer",
      "blkio", "pids", "hugetlb", "net_cls", "net_prio", "perf_event", "rdma", "misc");

  /** /proc/self/cgroup: "id:controllers:path"; the v2 line has empty controllers, keyed "" here. */
  private static Map<String, String> ownPaths(String selfCgroup) {
    Map<String, String> out = new HashMap<>();
    for (String line : selfCgroup.split("\n")) {
      String[] f = line.split(":", 3);
      if (f.length == 3) {
        out.put(f[1], f[2]);
        for (String c : f[1].split(",")) {
          out.putIfAbsent(c, f[2]);
        }
      }
    }
    return out;
  }

  private static String ownPath(Map<String, String> own, Set<String> controllers) {
    String joined = String.join(",", controllers);
    if (own.containsKey(joined)) {
      return own.get(joined);
    }
    return own.getOrDefault(controllers.iterator().next(), "/");
  }

  private static Path under(Path fsRoot, String mountPoint) {
    String rel = Hierarchy.withoutLeadingSlashes(mountPoint);
    return rel.isEmpty() ? fsRoot : fsRoot.resolve(rel);
  }

  /** mountinfo escapes space, tab, newline and backslash as octal. */
  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length() + 0 && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
