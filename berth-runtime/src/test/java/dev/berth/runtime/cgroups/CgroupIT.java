package dev.berth.runtime.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.InvalidArgument;
import dev.berth.runtime.spec.LinuxResources;
import dev.berth.runtime.spec.SpecLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The cgroup manager against this machine's real (hybrid) cgroupfs; needs root. */
class CgroupIT {
  private final String id = "berth-it-" + UUID.randomUUID().toString().substring(0, 8);
  private final String path = "/berth-it/" + id;
  private Cgroup cgroup;
  private java.lang.Process sleeper;

  @AfterEach
  void cleanUp() throws Exception {
    if (sleeper != null) {
      sleeper.destroyForcibly();
      sleeper.waitFor(10, TimeUnit.SECONDS);
    }
    if (cgroup != null) {
      try {
        cgroup.thaw();
      } catch (RuntimeException ignored) {
        // Nothing to thaw when creation failed.
      }
      cgroup.destroy();
    }
    for (Path mount : hierarchies()) {
      Path parent = mount.resolve("berth-it");
      if (Files.isDirectory(parent)) {
        try {
          Files.delete(parent);
        } catch (java.io.IOException busy) {
          // Another engineer's run may be using it at the same time.
        }
      }
    }
  }

  private static java.util.List<Path> hierarchies() {
    return Cgroups.hostLayout().v1().stream().map(Hierarchy::mountPoint).toList();
  }

  private static LinuxResources resources(String json) {
    return SpecLoader.parseResources(json.getBytes(StandardCharsets.UTF_8), "resources.json");
  }

  private static String read(Path p) throws Exception {
    return Files.readString(p).strip();
  }

  @Test
  void createLimitAddFreezeStatsDestroy() throws Exception {
    CgroupLayout layout = Cgroups.hostLayout();
    cgroup = Cgroups.open(path, id);
    cgroup.create(resources("""
        {"memory": {"limit": 67108864, "reservation": 33554432},
         "cpu": {"shares": 512, "quota": 50000, "period": 100000},
         "pids": {"limit": 32},
         "hugepageLimits": [{"pageSize": "2MB", "limit": 0}],
         "devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]}
        """));
    Path mem = layout.v1("memory").orElseThrow().dirOf(path);
    assertEquals("67108864", read(mem.resolve("memory.limit_in_bytes")));
    assertEquals("33554432", read(mem.resolve("memory.soft_limit_in_bytes")));
    Path cpu = layout.v1("cpu").orElseThrow().dirOf(path);
    assertEquals("512", read(cpu.resolve("cpu.shares")));
    assertEquals("50000", read(cpu.resolve("cpu.cfs_quota_us")));
    assertEquals("32", read(layout.v1("pids").orElseThrow().dirOf(path).resolve("pids.max")));
    assertEquals("c 1:3 rwm", read(layout.v1("devices").orElseThrow().dirOf(path).resolve("devices.list")));
    assertFalse(read(layout.v1("cpuset").orElseThrow().dirOf(path).resolve("cpuset.cpus")).isEmpty());
    if (layout.kind() == CgroupLayout.Kind.HYBRID) {
      // This host has no v1 hugetlb: the limit lands in the cgroup2 hierarchy beside the v1 ones.
      assertEquals("0", read(layout.unified().dirOf(path).resolve("hugetlb.2MB.max")));
    }

    // A shell that spins once it is inside the cgroup, so the cgroup's cpu counters move.
    sleeper = new ProcessBuilder("sh", "-c", "read go; while :; do :; done").start();
    int pid = (int) sleeper.pid();
    cgroup.addProcess(pid);
    sleeper.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
    sleeper.getOutputStream().flush();
    Thread.sleep(200);
    String procCgroup = Files.readString(Path.of("/proc/" + pid + "/cgroup"));
    assertTrue(procCgroup.contains(":memory:" + path + "\n"), procCgroup);
    if (layout.kind() == CgroupLayout.Kind.HYBRID) {
      assertTrue(procCgroup.contains("0::" + path + "\n"), procCgroup);
    }
    assertEquals(java.util.List.of(pid), cgroup.pids());

    cgroup.freeze();
    assertTrue(cgroup.frozen());
    cgroup.thaw();
    assertFalse(cgroup.frozen());

    CgroupStats stats = cgroup.stats();
    assertEquals(67108864, stats.memoryLimit());
    assertEquals(1, stats.pidsCurrent());
    assertEquals(32, stats.pidsLimit());
    assertTrue(stats.memoryStat().containsKey("rss"), stats.memoryStat().toString());
    assertTrue(stats.cpuUsageNanos() > 0, "the shell has spun inside the cgroup");

    cgroup.update(resources("{\"memory\": {\"limit\": 134217728}, \"pids\": {\"limit\": 0}}"));
    assertEquals("134217728", read(mem.resolve("memory.limit_in_bytes")));
    assertEquals("max", read(layout.v1("pids").orElseThrow().dirOf(path).resolve("pids.max")));

    // A devices update of a running container writes only the difference: no deny-all, so the
    // process never loses /dev/null (c 1:3) on the way.
    java.util.List<String> writes = new java.util.ArrayList<>();
    CgroupFs recording = new CgroupFs() {
      @Override
      public void write(Path file, String value) {
        writes.add(file.getFileName() + "=" + value);
        CgroupFs.REAL.write(file, value);
      }
    };
    Cgroups.open(path, id, layout, recording).update(resources("""
        {"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"},
                     {"allow": true, "type": "c", "major": 1, "minor": 5, "access": "wr"}]}
        """));
    assertEquals("c 1:3 rwm\nc 1:5 rw", read(layout.v1("devices").orElseThrow().dirOf(path).resolve("devices.list")));
    assertEquals(java.util.List.of("devices.allow=c 1:5 rw"),
        writes.stream().filter(w -> w.startsWith("devices.")).toList());

    sleeper.destroyForcibly();
    sleeper.waitFor(10, TimeUnit.SECONDS);
    sleeper = null;
    cgroup.destroy();
    for (Hierarchy h : layout.v1()) {
      assertFalse(Files.exists(h.dirOf(path)), h.dirName() + " still has " + path);
    }
    if (layout.unified() != null) {
      assertFalse(Files.exists(layout.unified().dirOf(path)));
    }
    cgroup.destroy();
  }

  @Test
  void invalidLimitIsRefusedAndLeavesNothing() {
    CgroupLayout layout = Cgroups.hostLayout();
    cgroup = Cgroups.open(path, id);
    var e = assertThrows(InvalidArgument.class,
        () -> cgroup.create(resources("{\"cpu\": {\"cpus\": \"999\"}}")));
    assertTrue(e.getMessage().contains("cpuset.cpus"), e.getMessage());
    for (Hierarchy h : layout.v1()) {
      assertFalse(Files.exists(h.dirOf(path)), h.dirName() + " still has " + path);
    }
  }
}
