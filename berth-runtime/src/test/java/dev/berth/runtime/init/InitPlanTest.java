package dev.berth.runtime.init;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.berth.common.error.InvalidArgument;
import dev.berth.runtime.cgroups.Cgroup;
import dev.berth.runtime.cgroups.SelfPlacement;
import dev.berth.runtime.defaults.DefaultSpec;
import dev.berth.runtime.init.InitStream.Tag;
import dev.berth.runtime.spec.Spec;
import dev.berth.runtime.spec.SpecLoader;
import java.nio.charset.StandardCharsets;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the plan tells berth-init, read back from the stream. */
class InitPlanTest {
  private static Spec spec() {
    String json = new String(DefaultSpec.bytes(false), StandardCharsets.UTF_8)
        .replaceFirst("\"terminal\"\\s*:\\s*true", "\"terminal\": false");
    return SpecLoader.parse(json.getBytes(StandardCharsets.UTF_8), "config.json");
  }

  private static InitPlan.CreateOptions create(int preservedFds) {
    return create(preservedFds, -1);
  }

  private static InitPlan.CreateOptions create(int preservedFds, int consoleFd) {
    return new InitPlan.CreateOptions(Path.of("/b/rootfs"), Path.of("/s/fifo"), null, false, null, null, "{}", false,
        preservedFds, consoleFd);
  }

  @Test
  void preservedFdsAreTheExtraFdsFromFd5On() {
    var create = StreamRecords.parse(InitPlan.forCreate(spec(), create(2))).one(Tag.PRESERVED_FDS);
    assertEquals(List.of(5L, 2L), List.of(create.u64(0), create.u64(1)));
    var exec = StreamRecords.parse(InitPlan.forExec(spec(), spec().process(), 42, null, null, null, 3, -1))
        .one(Tag.PRESERVED_FDS);
    assertEquals(List.of(5L, 3L), List.of(exec.u64(0), exec.u64(1)));
  }

  @Test
  void aNewTimeNamespaceGetsItsOffsetsAsTimensOffsetsLines() {
    String json = new String(DefaultSpec.bytes(false), StandardCharsets.UTF_8)
        .replaceFirst("\"terminal\"\\s*:\\s*true", "\"terminal\": false")
        .replaceFirst("\"namespaces\"\\s*:\\s*\\[", "\"timeOffsets\": {\"monotonic\": {\"secs\": -5, \"nanosecs\": 7},"
            + " \"boottime\": {\"secs\": 86400}}, \"namespaces\": [{\"type\": \"time\"},");
    var records = StreamRecords.parse(InitPlan.forCreate(SpecLoader.parse(json.getBytes(StandardCharsets.UTF_8),
        "config.json"), create(0)));
    assertEquals("monotonic -5 7\nboottime 86400 0\n", records.one(Tag.TIME_OFFSETS).text());
    assertEquals(0x80L, records.one(Tag.CLONE_FLAGS).u64(0) & 0x80L, "berth-init unshares it itself");
    assertEquals(List.of(), StreamRecords.parse(InitPlan.forCreate(spec(), create(0))).all(Tag.TIME_OFFSETS));
  }

  @Test
  void aPtyTheRuntimeRelaysGoesToTheConsoleFdInsteadOfASocket() {
    Spec terminal = SpecLoader.parse(DefaultSpec.bytes(false), "config.json");
    var records = StreamRecords.parse(InitPlan.forCreate(terminal, create(1, 6)));
    assertEquals(6L, records.one(Tag.CONSOLE_FD).u64(0));
    assertEquals(List.of(), records.all(Tag.CONSOLE_SOCKET));
    assertEquals(1, records.all(Tag.TERMINAL).size());
    var exec = StreamRecords.parse(InitPlan.forExec(terminal, terminal.process(), 42, null, null, null, 0, 5));
    assertEquals(5L, exec.one(Tag.CONSOLE_FD).u64(0));
    assertThrows(InvalidArgument.class, () -> InitPlan.forCreate(terminal, create(0)), "neither socket nor fd");
  }

  @Test
  void theInitIsToldWhereToJoinTheContainersCgroupForCreateAndExec() {
    Cgroup cgroup = cgroupPlacedAt(new SelfPlacement(
        List.of(Path.of("/sys/fs/cgroup/memory/berth/c1/tasks"), Path.of("/sys/fs/cgroup/pids/berth/c1/tasks")),
        Path.of("/sys/fs/cgroup/unified/berth/c1")));
    var create = StreamRecords.parse(InitPlan.forCreate(spec(), new InitPlan.CreateOptions(Path.of("/b/rootfs"),
        Path.of("/s/fifo"), null, false, null, cgroup, "{}", false)));
    var exec = StreamRecords.parse(InitPlan.forExec(spec(), spec().process(), 42, cgroup, null, null, 0, -1));
    for (var records : List.of(create, exec)) {
      assertEquals(List.of("/sys/fs/cgroup/memory/berth/c1/tasks", "/sys/fs/cgroup/pids/berth/c1/tasks"),
          records.all(Tag.CGROUP_TASKS).stream().map(r -> r.text()).toList());
      assertEquals("/sys/fs/cgroup/unified/berth/c1", records.one(Tag.CGROUP_UNIFIED).text());
    }
    assertEquals(List.of(), StreamRecords.parse(InitPlan.forExec(spec(), spec().process(), 42, null, null))
        .all(Tag.CGROUP_TASKS), "no cgroup named: the init stays in its own");
  }

  /** A cgroup that only says where it is (the stream needs nothing else but its mount's directories). */
  private static Cgroup cgroupPlacedAt(SelfPlacement placement) {
    return (Cgroup) Proxy.newProxyInstance(Cgroup.class.getClassLoader(), new Class<?>[] {Cgroup.class},
        (proxy, method, args) -> switch (method.getName()) {
          case "selfPlacement" -> placement;
          case "hostDirs" -> Map.of("memory", Path.of("/sys/fs/cgroup/memory/berth/c1"));
          case "comountLinks" -> Map.of();
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }

  @Test
  void withoutPreservedFdsThereIsNoRecord() {
    assertEquals(List.of(), StreamRecords.parse(InitPlan.forCreate(spec(), create(0))).all(Tag.PRESERVED_FDS));
    assertEquals(List.of(), StreamRecords.parse(InitPlan.forExec(spec(), spec().process(), 42, null, null))
        .all(Tag.PRESERVED_FDS));
  }
}
