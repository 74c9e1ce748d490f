package dev.berth.runtime.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.Conflict;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.Unavailable;
import dev.berth.runtime.spec.LinuxResources;
import dev.berth.runtime.spec.SpecLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupsTest {
  @TempDir Path root;

  static LinuxResources resources(String json) {
    return SpecLoader.parseResources(json.getBytes(StandardCharsets.UTF_8), "resources.json");
  }

  @Test
  void detectsTheThreeLayouts() {
    CgroupLayout v1 = CgroupLayout.parse(root, FakeKernel.V1_MOUNTINFO, FakeKernel.SELF_CGROUP_V1);
    assertEquals(CgroupLayout.Kind.V1, v1.kind());
    assertEquals(9, v1.v1().size());
    assertEquals(root.resolve("sys/fs/cgroup/memory"), v1.v1("memory").orElseThrow().mountPoint());
    assertEquals("/process_api/abc", v1.v1("memory").orElseThrow().ownPath());
    assertTrue(v1.v1("name=systemd").isPresent());
    assertEquals(CgroupLayout.Kind.HYBRID,
        CgroupLayout.parse(root, FakeKernel.HYBRID_MOUNTINFO, FakeKernel.SELF_CGROUP_V1).kind());
    CgroupLayout v2 = CgroupLayout.parse(root, FakeKernel.V2_MOUNTINFO, "0::/user.slice/session-1.scope\n");
    assertEquals(CgroupLayout.Kind.V2, v2.kind());
    assertEquals(root.resolve("sys/fs/cgroup"), v2.unified().mountPoint());
    assertThrows(Unavailable.class, () -> CgroupLayout.parse(root, "1 0 8:1 / / rw - ext4 /dev/sda rw\n", ""));
  }

  @Test
  void unescapesMountPoints() {
    String mi = "32 31 0:29 / /sys/fs/cgroup/cpu\\054cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n";
    CgroupLayout l = CgroupLayout.parse(root, mi, "");
    assertEquals(root.resolve("sys/fs/cgroup/cpu,cpuacct"), l.v1().get(0).mountPoint());
  }

  @Test
  void theInitJoinsV1ThroughEachHierarchysTasksFileAndV2ByItsDirectory() {
    FakeKernel k = new FakeKernel(root, true);
    SelfPlacement v1 = Cgroups.open("/berth/c1", "c1", k.install(FakeKernel.V1_MOUNTINFO, FakeKernel.SELF_CGROUP_V1), k)
        .selfPlacement();
    assertEquals(List.of("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "systemd"),
        v1.threadFiles().stream().map(f -> root.resolve("sys/fs/cgroup").relativize(f).getName(0).toString()).toList());
    assertEquals(k.cg("pids/berth/c1/tasks"), v1.threadFiles().get(7));
    assertEquals(null, v1.unifiedDir());
    SelfPlacement hybrid = Cgroups.open("/berth/c1", "c1",
        k.install(FakeKernel.HYBRID_MOUNTINFO, FakeKernel.SELF_CGROUP_V1), k).selfPlacement();
    assertEquals(v1.threadFiles(), hybrid.threadFiles());
    assertEquals(k.cg("unified/berth/c1"), hybrid.unifiedDir());
    FakeKernel k2 = new FakeKernel(root.resolve("v2"), true);
    SelfPlacement v2 = Cgroups.open("/berth/c1", "c1", k2.install(FakeKernel.V2_MOUNTINFO, "0::/\n"), k2)
        .selfPlacement();
    assertEquals(List.of(), v2.threadFiles());
    assertEquals(k2.cg("berth/c1"), v2.unifiedDir());
  }

  @Test
  void resolvesPathsAsRuncDoes() {
    FakeKernel k = new FakeKernel(root, true);
    CgroupLayout l = k.install(FakeKernel.HYBRID_MOUNTINFO, FakeKernel.SELF_CGROUP_V1);
    assertEquals("/berth/c1", Cgroups.open("/berth/c1", "c1", l, k).path());
    // Relative: under the runtime's own cgroup (memory hierarchy here is /process_api/abc).
    assertEquals("/process_api/abc/sub/c1", Cgroups.open("sub/c1", "c1", l, k).path());
    assertEquals("/process_api/abc/c9", Cgroups.open("", "c9", l, k).path());
    assertEquals("/process_api/abc/c9", Cgroups.open(null, "c9", l, k).path());
    // One path for every hierarchy, so reopening by path() finds the same directories.
    Cgroup rel = Cgroups.open("sub/c1", "c1", l, k);
    assertEquals(k.cg("cpu/process_api/abc/sub/c1"), rel.hostDirs().get("cpu"));
    assertEquals(k.cg("unified/process_api/abc/sub/c1"), rel.hostDirs().get("unified"));
    assertEquals(rel.hostDirs(), Cgroups.open(rel.path(), "c1", l, k).hostDirs());
    CgroupLayout v2 = CgroupLayout.parse(root, FakeKernel.V2_MOUNTINFO, "0::/user.slice/session-1.scope\n");
    assertEquals("/user.slice/c9", Cgroups.open(null, "c9", v2, k).path());
    assertEquals("/x", Cgroups.open("//x/", "c9", v2, k).path());
    var e = assertThrows(InvalidArgument.class, () -> Cgroups.open("system.slice:berth:c1", "c1", l, k));
    assertTrue(e.getMessage().contains("systemd cgroup paths are not supported"));
    assertThrows(InvalidArgument.class, () -> Cgroups.open("/a/../..", "c1", l, k));
  }

  @Test
  void aV1DevicesUpdateWritesOnlyTheDifferenceToACgroupThatDeniesByDefault() throws Exception {
    FakeKernel k = new FakeKernel(root, true);
    CgroupLayout l = k.install(FakeKernel.V1_MOUNTINFO, FakeKernel.SELF_CGROUP_V1);
    Cgroup cg = Cgroups.open("/berth/c1", "c1", l, k);
    cg.create(resources("{\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]}"));
    Files.writeString(k.cg("devices/berth/c1/devices.list"), "c 1:3 rwm\nc 1:5 rwm\nc 136:* rw\n");
    k.writes.clear();
    cg.update(resources("""
        {"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "mwr"},
                     {"allow": true, "type": "c", "major": 136, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 9}]}
        """));
    assertEquals(List.of("devices/berth/c1/devices.deny=c 1:5 rwm", "devices/berth/c1/devices.allow=c 136:* m",
        "devices/berth/c1/devices.allow=c 1:9 rwm"), k.writes, "no deny-all, and c 1:3 and c 136:* rw untouched");
  }

  @Test
  void deviceRulesThatAreNotAnAllowListAreReplayedWhole() {
    LinuxResources allowAll = resources("{\"devices\": [{\"allow\": true, \"access\": \"rwm\"}]}");
    assertEquals(null, DeviceAllowList.of(allowAll.devices()));
    LinuxResources denyAfter = resources("""
        {"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3},
                     {"allow": false, "type": "c", "major": 1, "minor": 3, "access": "w"}]}
        """);
    assertEquals(null, DeviceAllowList.of(denyAfter.devices()));
    assertEquals(null, DeviceAllowList.parse("a *:* rwm\n"), "a cgroup that allows everything");
    assertEquals(java.util.Map.of(), DeviceAllowList.parse(""), "one that denies everything");
  }

  @Test
  void v1CreateWritesLimitsAndInheritsCpuset() {
    FakeKernel k = new FakeKernel(root, true);
    CgroupLayout l = k.install(FakeKernel.V1_MOUNTINFO, FakeKernel.SELF_CGROUP_V1);
    Cgroup cg = Cgroups.open("/berth/c1", "c1", l, k);
    cg.create(resources("""
        {"memory": {"limit": 104857600, "reservation": 52428800, "swap": 209715200, "swappiness": 10,
                    "disableOOMKiller": true},
         "cpu": {"shares": 512, "quota": 50000, "period": 100000, "mems": "0"},
         "pids": {"limit": 64},
         "devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"},
                     {"allow": true, "type": "c", "access": "m"}]}
        """));
    assertEquals("104857600", k.read("memory/berth/c1/memory.limit_in_bytes"));
    assertEquals("52428800", k.read("memory/berth/c1/memory.soft_limit_in_bytes"));
    assertEquals("209715200", k.read("memory/berth/c1/memory.memsw.limit_in_bytes"));
    assertEquals("10", k.read("memory/berth/c1/memory.swappiness"));
    assertEquals("1", k.read("memory/berth/c1/memory.oom_control"));
    assertEquals("512", k.read("cpu/berth/c1/cpu.shares"));
    assertEquals("50000", k.read("cpu/berth/c1/cpu.cfs_quota_us"));
    assertEquals("64", k.read("pids/berth/c1/pids.max"));
    // cpuset: the intermediate and the leaf were filled from the parent before anyone could join.
    assertEquals("0-1", k.read("cpuset/berth/cpuset.cpus"));
    assertEquals("0-1", k.read("cpuset/berth/c1/cpuset.cpus"));
    assertEquals("0", k.read("cpuset/berth/c1/cpuset.mems"));
    List<String> devices = k.writes.stream().filter(w -> w.startsWith("devices/")).toList();
    assertEquals(List.of("devices/berth/c1/devices.deny=a", "devices/berth/c1/devices.deny=a *:* rwm",
        "devices/berth/c1/devices.allow=c 1:3 rwm", "devices/berth/c1/devices.allow=c *:* m"), devices);
    assertTrue(Files.isDirectory(k.cg("systemd/berth/c1")), "named hierarchies get the cgroup too");
  }

  @Test
  void v1SwapAndMemoryWriteOrderFollowsTheDirection() {
    FakeKernel k = new FakeKernel(root, true);
    CgroupLayout l = k.install(FakeKernel.V1_MOUNTINFO, FakeKernel.SELF_CGROUP_V1);
    Cgroup cg = Cgroups.open("/c2", "c2", l, k);
    cg.create(resources("{\"memory\": {\"limit\": 200000000, \"swap\": 400000000}}"));
    // From unlimited down: memory first (memsw may not go below memory).
    assertEquals(List.of("memory/c2/memory.limit_in_bytes=200000000", "memory/c2/memory.memsw.limit_in_bytes=400000000"),
        memoryWrites(k));
    k.writes.clear();
    cg.update(resources("{\"memory\": {\"limit\": 300000000, \"swap\": 600000000}}"));
    // Raising past the old memsw: swap first.
    assertEquals(List.of("memory/c2/memory.memsw.limit_in_bytes=600000000", "memory/c2/memory.limit_in_bytes=300000000"),
        memoryWrites(k));
  }

  @Test
  void checkBeforeUpdateRefusesALimitBelowUsage() {
    FakeKernel k = new FakeKernel(root, true);
    CgroupLayout l = k.install(FakeKernel.V1_MOUNTINFO, FakeKernel.SELF_CGROUP_V1);
    Cgroup cg = Cgroups.open("/c10", "c10", l, k);
    cg.create(null);
    k.write(k.cg("memory/c10/memory.usage_in_bytes"), "5000000");
    var e = assertThrows(InvalidArgument.class,
        () -> cg.update(resources("{\"memory\": {\"limit\": 4000000, \"checkBeforeUpdate\": true}}")));
    assertTrue(e.getMessage().contains("below the container's current usage 5000000"), e.getMessage());
    cg.update(resources("{\"memory\": {\"limit\": 6000000, \"checkBeforeUpdate\": true}}"));
    assertEquals("6000000", k.read("memory/c10/memory.limit_in_bytes"));
    var net = assertThrows(Unavailable.class, () -> cg.update(resources("{\"network\": {\"classID\": 1048577}}")));
    assertTrue(net.getMessage().contains("net_cls"), net.getMessage());
  }

  private static List<String> memoryWrites(FakeKernel k) {
    return k.writes.stream().filter(w -> w.contains("limit_in_bytes")).toList();
  }

  @Test
  void v1SwapWithoutSwapAccounting() {
    FakeKernel k = new FakeKernel(root, false);
    CgroupLayout l = k.install(FakeKernel.V1_MOUNTINFO, FakeKernel.SELF_CGROUP_V1);
    Cgroup cg = Cgroups.open("/c3", "c3", l, k);
    cg.create(resources("{\"memory\": {\"limit\": 1000000, \"swap\": -1}}"));
    assertEquals("1000000", k.read("memory/c3/memory.limit_in_bytes"));
    var e = assertThrows(Unavailable.class, () -> cg.update(resources("{\"memory\": {\"limit\": 1000000, \"swap\": 2000000}}")));
    assertTrue(e.getMessage().contains("memory.memsw.limit_in_bytes is missing"), e.getMessage());
  }

  @Test
  void blkioWeightOnlyWhereTheKernelHasIt() {
    FakeKernel k = new FakeKernel(root, true);
    CgroupLayout l = k.install(FakeKernel.V1_MOUNTINFO, FakeKernel.SELF_CGROUP_V1);
    Cgroup cg = Cgroups.open("/c4", "c4", l, k);
    cg.create(resources("{\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 1048576}]}}"));
    assertEquals("8:0 1048576", k.read("blkio/c4/blkio.throttle.read_bps_device"));
    var e = assertThrows(Unavailable.class, () -> cg.update(resources("{\"blockIO\": {\"weight\": 500}}")));
    assertTrue(e.getMessage().contains("blkio weight is not supported"), e.getMessage());
  }

  @Test
  void failedCreateLeavesNothing() {
    FakeKernel k = new FakeKernel(root, true);
    CgroupLayout l = k.install(FakeKernel.V1_MOUNTINFO, FakeKernel.SELF_CGROUP_V1);
    Cgroup cg = Cgroups.open("/new/c5", "c5", l, k);
    assertThrows(Unavailable.class, () -> cg.create(resources("{\"blockIO\": {\"weight\": 500}}")));
    for (String h : List.of("memory", "cpu", "cpuset", "pids", "systemd", "blkio")) {
      assertFalse(Files.exists(k.cg(h + "/new")), h + " left behind");
    }
  }

  @Test
  void anEnginesParentGoesOnlyOnceEmpty() throws Exception {
    FakeKernel k = new FakeKernel(root, true);
    CgroupLayout l = k.install(FakeKernel.V1_MOUNTINFO, FakeKernel.SELF_CGROUP_V1);
    Cgroup cg = Cgroups.open("/engine/c1", "c1", l, k);
    cg.create(null);
    Cgroups.removeIfUnused("/engine", l, k);
    assertTrue(Files.exists(k.cg("memory/engine/c1")), "a parent in use was removed");
    Cgroups.open("/engine/c1", "c1", l, k).destroy();
    assertTrue(Files.exists(k.cg("memory/engine")));
    Cgroups.removeIfUnused("/engine", l, k);
    assertFalse(Files.exists(k.cg("memory/engine")));
    Cgroups.removeIfUnused("/engine", l, k); // missing: nothing to do
  }

  @Test
  void destroyRemovesOwnAndCreatedParentsOnlyAndIsIdempotent() throws Exception {
    FakeKernel k = new FakeKernel(root, true);
    CgroupLayout l = k.install(FakeKernel.V1_MOUNTINFO, FakeKernel.SELF_CGROUP_V1);
    Cgroup sibling = Cgroups.open("/shared/sib", "sib", l, k);
    sibling.create(null);
    Cgroup cg = Cgroups.open("/shared/c6/deeper", "c6", l, k);
    cg.create(null);
    k.mkdir(k.cg("memory/shared/c6/deeper/child"));
    cg.destroy();
    assertFalse(Files.exists(k.cg("memory/shared/c6")));
    assertTrue(Files.exists(k.cg("memory/shared/sib")), "a sibling's cgroup is not ours");
    cg.destroy();
    // A cgroup opened later (another runtime process) removes the leaf but not parents it did not make.
    Cgroups.open("/shared/sib", "sib", l, k).destroy();
    assertFalse(Files.exists(k.cg("memory/shared/sib")));
    assertTrue(Files.exists(k.cg("memory/shared")));
  }

  @Test
  void destroyOfABusyCgroupFailsClearly() {
    FakeKernel k = new FakeKernel(root, true);
    CgroupLayout l = k.install(FakeKernel.V1_MOUNTINFO, FakeKernel.SELF_CGROUP_V1);
    Cgroup cg = Cgroups.open("/c7", "c7", l, k);
    cg.create(null);
    cg.addProcess(4242);
    assertEquals("4242", k.read("freezer/c7/cgroup.procs"));
    assertEquals(List.of(4242), cg.pids());
    var e = assertThrows(Conflict.class, cg::destroy);
    assertTrue(e.getMessage().contains("Device or resource busy"), e.getMessage());
  }

  @Test
  void v1FreezeThawAndStats() {
    FakeKernel k = new FakeKernel(root, true);
    CgroupLayout l = k.install(FakeKernel.V1_MOUNTINFO, FakeKernel.SELF_CGROUP_V1);
    Cgroup cg = Cgroups.open("/c8", "c8", l, k);
    cg.create(resources("{\"pids\": {\"limit\": 10}}"));
    cg.freeze();
    assertTrue(cg.frozen());
    assertEquals("FROZEN", k.read("freezer/c8/freezer.state"));
    cg.thaw();
    assertFalse(cg.frozen());
    k.write(k.cg("memory/c8/memory.usage_in_bytes"), "4096");
    k.write(k.cg("memory/c8/memory.stat"), "cache 5\nrss 7");
    k.write(k.cg("cpuacct/c8/cpuacct.usage"), "123456789");
    k.write(k.cg("cpuacct/c8/cpuacct.stat"), "user 3\nsystem 2");
    k.write(k.cg("pids/c8/pids.current"), "2");
    CgroupStats s = cg.stats();
    assertEquals(4096, s.memoryUsage());
    assertEquals(7L, s.memoryStat().get("rss"));
    assertEquals(123456789L, s.cpuUsageNanos());
    assertEquals(30_000_000L, s.cpuUserNanos());
    assertEquals(20_000_000L, s.cpuSystemNanos());
    assertEquals(2, s.pidsCurrent());
    assertEquals(10, s.pidsLimit());
    assertEquals(List.of(0L, 0L), s.cpuPerCpuNanos());
    assertEquals(List.of(), s.ioServiceBytes(), "this kernel's blkio has no io_service_bytes file here");
  }

  @Test
  void blockIoStatsParse() {
    assertEquals(List.of(new CgroupStats.BlkioStat(8, 0, "Read", 4096), new CgroupStats.BlkioStat(8, 0, "Write", 512)),
        CgroupStats.parseV1Blkio("8:0 Read 4096\n8:0 Write 512\nTotal 4608\n"));
    assertEquals(List.of(new CgroupStats.BlkioStat(259, 0, "Read", 10), new CgroupStats.BlkioStat(259, 0, "Write", 20)),
        CgroupStats.parseV2IoStat("259:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n", "rbytes", "wbytes"));
  }

  @Test
  void hybridPutsHugetlbOnTheUnifiedSideAndTheProcessInBoth() {
    FakeKernel k = new FakeKernel(root, true);
    CgroupLayout l = k.install(FakeKernel.HYBRID_MOUNTINFO, FakeKernel.SELF_CGROUP_V1);
    Cgroup cg = Cgroups.open("/berth/h1", "h1", l, k);
    cg.create(resources("{\"memory\": {\"limit\": 1048576}, \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 4194304}]}"));
    assertEquals("1048576", k.read("memory/berth/h1/memory.limit_in_bytes"));
    assertEquals("4194304", k.read("unified/berth/h1/hugetlb.2MB.max"));
    assertEquals("+hugetlb", k.read("unified/cgroup.subtree_control"));
    cg.addProcess(77);
    assertEquals("77", k.read("unified/berth/h1/cgroup.procs"));
    assertEquals("77", k.read("memory/berth/h1/cgroup.procs"));
    assertEquals(k.cg("unified/berth/h1"), cg.hostDirs().get("unified"));
    assertEquals(k.cg("memory/berth/h1"), cg.hostDirs().get("memory"));
    k.write(k.cg("memory/berth/h1/cgroup.procs"), "");
    for (String h : List.of("memory", "cpu", "pids", "devices", "freezer", "blkio", "cpuset", "cpuacct", "systemd")) {
      k.write(k.cg(h + "/berth/h1/cgroup.procs"), "");
    }
    k.write(k.cg("unified/berth/h1/cgroup.procs"), "");
    cg.destroy();
    assertFalse(Files.exists(k.cg("unified/berth")));
    assertFalse(Files.exists(k.cg("memory/berth")));
  }

  @Test
  void v2CreateEnablesControllersAndConvertsUnits() {
    FakeKernel k = new FakeKernel(root, true);
    CgroupLayout l = k.install(FakeKernel.V2_MOUNTINFO, "0::/init.scope\n");
    Cgroup cg = Cgroups.open("/berth/v1", "v1", l, k);
    cg.create(resources("""
        {"memory": {"limit": 104857600, "swap": 209715200, "reservation": 1000},
         "cpu": {"shares": 1024, "quota": 50000, "period": 100000, "cpus": "0"},
         "pids": {"limit": 0},
         "devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3}],
         "blockIO": {"weight": 500},
         "hugepageLimits": [{"pageSize": "2MB", "limit": 0}],
         "unified": {"memory.high": "50000000"}}
        """));
    assertEquals("+cpuset +cpu +io +memory +hugetlb +pids", k.read("cgroup.subtree_control"));
    assertEquals("+cpuset +cpu +io +memory +hugetlb +pids", k.read("berth/cgroup.subtree_control"));
    assertEquals("104857600", k.read("berth/v1/memory.max"));
    assertEquals("104857600", k.read("berth/v1/memory.swap.max"));
    assertEquals("1000", k.read("berth/v1/memory.low"));
    assertEquals("39", k.read("berth/v1/cpu.weight"));
    assertEquals("50000 100000", k.read("berth/v1/cpu.max"));
    assertEquals("0", k.read("berth/v1/cpuset.cpus"));
    assertEquals("max", k.read("berth/v1/pids.max"));
    assertEquals("4950", k.read("berth/v1/io.weight"));
    assertEquals("0", k.read("berth/v1/hugetlb.2MB.max"));
    assertEquals("50000000", k.read("berth/v1/memory.high"));
    assertEquals(2, k.deviceFilters.get(k.cg("berth/v1")).size());
    cg.freeze();
    assertTrue(cg.frozen());
    cg.thaw();
    assertFalse(cg.frozen());
    assertEquals(k.cg("berth/v1"), cg.hostDirs().get(""));
    cg.destroy();
    assertFalse(Files.exists(k.cg("berth")));
  }

  @Test
  void v2Conversions() {
    assertEquals(1, V2Resources.sharesToWeight(2));
    assertEquals(39, V2Resources.sharesToWeight(1024));
    assertEquals(10000, V2Resources.sharesToWeight(262144));
    assertEquals(-1, V2Resources.swapV2(0, -1));
    assertEquals(100, V2Resources.swapV2(300, 200));
    assertEquals(-1, V2Resources.swapV2(-1, 200));
    assertThrows(InvalidArgument.class, () -> V2Resources.swapV2(100, 200));
    assertThrows(InvalidArgument.class, () -> V2Resources.swapV2(100, 0));
  }

  @Test
  void unifiedMapRefusedOnPureV1AndBadKeysRefused() {
    FakeKernel k = new FakeKernel(root, true);
    CgroupLayout l = k.install(FakeKernel.V1_MOUNTINFO, FakeKernel.SELF_CGROUP_V1);
    Cgroup cg = Cgroups.open("/u1", "u1", l, k);
    assertThrows(InvalidArgument.class, () -> cg.create(resources("{\"unified\": {\"memory.high\": \"1\"}}")));
    FakeKernel k2 = new FakeKernel(root.resolve("v2"), true);
    CgroupLayout l2 = k2.install(FakeKernel.V2_MOUNTINFO, "0::/\n");
    Cgroup v2 = Cgroups.open("/u2", "u2", l2, k2);
    var e = assertThrows(InvalidArgument.class, () -> v2.create(resources("{\"unified\": {\"../etc\": \"1\"}}")));
    assertTrue(e.getMessage().contains("invalid cgroup file name"));
    assertFalse(Files.exists(k2.cg("u2")));
  }

  @Test
  void deviceRuleFormat() {
    var r = resources("{\"devices\": [{\"allow\": true, \"type\": \"b\", \"major\": 8, \"access\": \"r\"}]}");
    assertEquals("b 8:* r", V1Resources.deviceRule(r.devices().get(0)));
    var bad = resources("{\"devices\": [{\"allow\": true, \"type\": \"x\"}]}");
    assertThrows(InvalidArgument.class, () -> V1Resources.deviceRule(bad.devices().get(0)));
  }
}
