package dev.berth.runtime.cgroups;

import dev.berth.common.error.Conflict;
import dev.berth.common.error.Internal;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Creating and removing cgroup directories, shared by the v1 and v2 managers. */
final class CgroupDirs {
  /** How long a destroy waits for a dying process to leave its cgroups, across all hierarchies (runc: ~150 ms each). */
  static final long RMDIR_PATIENCE_NANOS = 300_000_000L;

  private CgroupDirs() {}

  /** Makes {@code dir} and its missing parents below {@code mountPoint}; returns those it created, top first. */
  static List<Path> mkdirs(CgroupFs fs, Path mountPoint, Path dir) {
    List<Path> chain = new ArrayList<>();
    for (Path p = dir; p != null && !p.equals(mountPoint) && p.startsWith(mountPoint); p = p.getParent()) {
      chain.addFirst(p);
    }
    List<Path> created = new ArrayList<>();
    for (Path p : chain) {
      if (fs.mkdir(p)) {
        created.add(p);
      }
    }
    return created;
  }

  static long deadline() {
    return System.nanoTime() + RMDIR_PATIENCE_NANOS;
  }

  /**
   * Removes {@code dir} and its sub-cgroups bottom-up. A dying process can keep a cgroup busy a moment:
   * retry until {@code deadline} (System.nanoTime), then report it.
   */
  static void removeTree(CgroupFs fs, Path dir, long deadline) {
    for (Path child : fs.subdirs(dir)) {
      removeTree(fs, child, deadline);
    }
    long sleepMs = 5;
    for (;;) {
      boolean last = System.nanoTime() >= deadline;
      try {
        fs.rmdir(dir);
        return;
      } catch (NoSuchFileException e) {
        return;
      } catch (DirectoryNotEmptyException e) {
        if (last) {
          throw new Conflict("cannot remove cgroup " + dir + ": it still has sub-cgroups", e);
        }
      } catch (FileSystemException e) {
        if (last) {
          throw new Conflict("cannot remove cgroup " + dir + ": " + CgroupFs.reason(e)
              + " (processes still in it?)", e);
        }
      } catch (IOException e) {
        throw new Internal("cannot remove cgroup " + dir + ": " + CgroupFs.reason(e), e);
      }
      sleep(Math.max(1, Math.min(sleepMs, (deadline - System.nanoTime()) / 1_000_000)));
      sleepMs = Math.min(sleepMs * 2, 80);
    }
  }

  /** Removes parents this process created, deepest first; one shared with a sibling stays. */
  static void removeCreatedParents(CgroupFs fs, List<Path> created, Path leaf) {
    for (int i = created.size() - 1; i >= 0; i--) {
      Path p = created.get(i);
      if (p.equals(leaf)) {
        continue;
      }
      try {
        fs.rmdir(p);
      } catch (IOException e) {
        return;
      }
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Internal("interrupted while waiting on a cgroup", e);
    }
  }

  /** Reads cgroup.procs of {@code dir} and every sub-cgroup. */
  static void collectPids(CgroupFs fs, Path dir, List<Integer> out) {
    Path procs = dir.resolve("cgroup.procs");
    if (!fs.exists(procs)) {
      return;
    }
    for (String line : fs.read(procs).split("\n")) {
      if (!line.isBlank()) {
        out.add(Integer.parseInt(line.strip()));
      }
    }
    for (Path child : fs.subdirs(dir)) {
      collectPids(fs, child, out);
    }
  }

  /** Parses "key value" lines (memory.stat, cpu.stat) into a map. */
  static java.util.Map<String, Long> keyValues(String text) {
    java.util.Map<String, Long> out = new java.util.LinkedHashMap<>();
    for (String line : text.split("\n")) {
      String[] kv = line.strip().split("\\s+");
      if (kv.length == 2) {
        try {
          out.put(kv[0], Long.parseLong(kv[1]));
        } catch (NumberFormatException ignored) {
          // Not a counter (e.g. a "max" value): not a statistic.
        }
      }
    }
    return out;
  }

  static long parseLimit(String value) {
    return "max".equals(value) ? CgroupStats.UNLIMITED : Long.parseLong(value);
  }

  /** Symlinks in the cgroup root that point at a hierarchy, e.g. cpu → cpu,cpuacct. */
  static java.util.Map<String, String> comountLinks(Path cgroupRoot, java.util.Set<String> hierarchies) {
    java.util.Map<String, String> out = new java.util.TreeMap<>();
    if (cgroupRoot == null) {
      return out;
    }
    try (var entries = java.nio.file.Files.newDirectoryStream(cgroupRoot)) {
      for (Path e : entries) {
        if (java.nio.file.Files.isSymbolicLink(e)) {
          String target = java.nio.file.Files.readSymbolicLink(e).toString();
          if (hierarchies.contains(target)) {
            out.put(e.getFileName().toString(), target);
          }
        }
      }
    } catch (IOException e) {
      return out;
    }
    return out;
  }
}
