package dev.berth.runtime.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.InvalidArgument;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecLoaderTest {
  static final String FULL = """
      {
        "ociVersion": "1.3.0",
        "process": {
          "terminal": true,
          "consoleSize": {"height": 25, "width": 80},
          "user": {"uid": 1000, "gid": 1000, "umask": 18, "additionalGids": [5, 6]},
          "args": ["sh", "-c", "echo hi"],
          "env": ["PATH=/bin"],
          "cwd": "/",
          "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"],
                           "inheritable": [], "ambient": []},
          "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 512}],
          "noNewPrivileges": true,
          "oomScoreAdj": 100,
          "ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 4},
          "execCPUAffinity": {"initial": "0", "final": "0-1"},
          "somethingNew": {"ignored": true}
        },
        "root": {"path": "rootfs", "readonly": true},
        "hostname": "box",
        "mounts": [{"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid"]}],
        "hooks": {"prestart": [{"path": "/bin/true", "args": ["true"], "timeout": 5}],
                  "poststop": [{"path": "/bin/false"}]},
        "annotations": {"a": "b"},
        "linux": {
          "namespaces": [{"type": "pid"}, {"type": "user"}, {"type": "network", "path": "/proc/1/ns/net"}],
          "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
          "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
          "devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438}],
          "cgroupsPath": "/berth/x",
          "resources": {
            "devices": [{"allow": false, "access": "rwm"}],
            "memory": {"limit": 104857600, "swap": 209715200, "kernelTCP": 1, "disableOOMKiller": true},
            "cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0"},
            "pids": {"limit": 64},
            "blockIO": {"weight": 500, "throttleReadIOPSDevice": [{"major": 8, "minor": 0, "rate": 10}]},
            "hugepageLimits": [{"pageSize": "2MB", "limit": 0}],
            "unified": {"memory.high": "max"}
          },
          "sysctl": {"net.ipv4.ip_forward": "1"},
          "seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
                      "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW",
                                    "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]},
          "timeOffsets": {"monotonic": {"secs": 10, "nanosecs": 0}},
          "personality": {"domain": "LINUX32"},
          "maskedPaths": ["/proc/kcore"],
          "readonlyPaths": ["/proc/sys"]
        }
      }
      """;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void parsesEveryPartOfTheConfig() {
    Spec s = SpecLoader.parse(b(FULL), "config.json");
    assertEquals("1.3.0", s.ociVersion());
    assertEquals(List.of("sh", "-c", "echo hi"), s.process().args());
    assertEquals(80, s.process().consoleSize().width());
    assertEquals(1000L, s.process().user().uid());
    assertEquals(18, s.process().user().umask());
    assertEquals(List.of(5L, 6L), s.process().user().additionalGids());
    assertEquals(List.of("CAP_KILL"), s.process().capabilities().bounding());
    assertEquals(512L, s.process().rlimits().get(0).soft());
    assertEquals("IOPRIO_CLASS_BE", s.process().ioPriority().ioClass());
    assertEquals("0-1", s.process().execCPUAffinity().finalCpus());
    assertTrue(s.root().readonlyOrFalse());
    assertEquals(5, s.hooks().prestart().get(0).timeout());
    assertEquals(2, s.hooks().all().size());
    Linux l = s.linux();
    assertTrue(l.hasNamespace("user"));
    assertEquals("/proc/1/ns/net", l.namespace("network").orElseThrow().path());
    assertEquals(100000L, l.uidMappings().get(0).hostID());
    assertEquals(229L, l.devices().get(0).minor());
    assertEquals(104857600L, l.resources().memory().limit());
    assertEquals(1L, l.resources().memory().kernelTCP());
    assertTrue(l.resources().memory().disableOOMKiller());
    assertEquals(50000L, l.resources().cpu().quota());
    assertEquals(64L, l.resources().pids().limit());
    assertEquals(500, l.resources().blockIO().weight());
    assertEquals(10L, l.resources().blockIO().throttleReadIOPSDevice().get(0).rate());
    assertEquals("2MB", l.resources().hugepageLimits().get(0).pageSize());
    assertEquals("max", l.resources().unified().get("memory.high"));
    assertEquals(false, l.resources().devices().get(0).allow());
    assertNull(l.resources().devices().get(0).type());
    assertEquals("SCMP_CMP_EQ", l.seccomp().syscalls().get(0).args().get(0).op());
    assertEquals(10L, l.timeOffsets().get("monotonic").secs());
    assertEquals("LINUX32", l.personality().domain());
  }

  @Test
  void roundTripsThroughToJson() {
    Spec s = SpecLoader.parse(b(FULL), "config.json");
    String json = new String(SpecLoader.toJson(s), StandardCharsets.UTF_8);
    assertTrue(json.contains("\"containerID\""), json);
    assertTrue(json.contains("\"kernelTCP\""), json);
    assertTrue(json.contains("\"blockIO\""), json);
    assertTrue(json.contains("\"class\""), json);
    assertTrue(!json.contains("OrEmpty") && !json.contains("null"), json);
    assertEquals(s, SpecLoader.parse(SpecLoader.toJson(s), "again"));
  }

  @Test
  void wrongTypeNamesFilePathAndPosition() {
    String json = "{\n  \"ociVersion\": \"1.3.0\",\n  \"process\": {\n    \"args\": 42\n  }\n}";
    var e = assertThrows(InvalidArgument.class, () -> SpecLoader.parse(b(json), "config.json"));
    assertEquals("config.json: process.args: expected an array of strings, got a number (line 4, column 13)",
        e.getMessage());
  }

  @Test
  void wrongElementTypeNamesIndex() {
    String json = "{\"process\": {\"args\": [\"sh\", 7]}}";
    var e = assertThrows(InvalidArgument.class, () -> SpecLoader.parse(b(json), "config.json"));
    assertTrue(e.getMessage().startsWith("config.json: process.args[1]: expected a string, got a number"),
        e.getMessage());
  }

  @Test
  void stringWhereNumberExpectedIsRefused() {
    String json = "{\"linux\": {\"resources\": {\"memory\": {\"limit\": \"100\"}}}}";
    var e = assertThrows(InvalidArgument.class, () -> SpecLoader.parse(b(json), "config.json"));
    assertTrue(e.getMessage().startsWith(
        "config.json: linux.resources.memory.limit: expected an integer, got a string"), e.getMessage());
  }

  @Test
  void objectWhereArrayExpected() {
    String json = "{\"mounts\": {\"destination\": \"/x\"}}";
    var e = assertThrows(InvalidArgument.class, () -> SpecLoader.parse(b(json), "config.json"));
    assertTrue(e.getMessage().startsWith("config.json: mounts: expected an array of objects, got an object"),
        e.getMessage());
  }

  @Test
  void invalidJsonSaysSo() {
    var e = assertThrows(InvalidArgument.class, () -> SpecLoader.parse(b("{\"ociVersion\": "), "config.json"));
    assertTrue(e.getMessage().startsWith("config.json: invalid JSON"), e.getMessage());
    var empty = assertThrows(InvalidArgument.class, () -> SpecLoader.parse(b(""), "config.json"));
    assertTrue(empty.getMessage().startsWith("config.json:"), empty.getMessage());
  }

  @Test
  void numberTooLargeForTheFieldIsAnError() {
    String json = "{\"process\": {\"oomScoreAdj\": 99999999999}}";
    var e = assertThrows(InvalidArgument.class, () -> SpecLoader.parse(b(json), "config.json"));
    assertTrue(e.getMessage().contains("process.oomScoreAdj"), e.getMessage());
  }

  @Test
  void uint64ValuesUpToTwoToThe64() {
    String json = "{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"hard\": 18446744073709551615,"
        + " \"soft\": 9223372036854775808}]}}";
    POSIXRlimit r = SpecLoader.parse(b(json), "config.json").process().rlimits().get(0);
    assertEquals(-1L, r.hard());
    assertEquals(Long.MIN_VALUE, r.soft());
    String tooBig = "{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"hard\": 18446744073709551616}]}}";
    var e = assertThrows(InvalidArgument.class, () -> SpecLoader.parse(b(tooBig), "config.json"));
    assertTrue(e.getMessage().startsWith("config.json: process.rlimits[0].hard: out of range"), e.getMessage());
    var s = assertThrows(InvalidArgument.class,
        () -> SpecLoader.parse(b("{\"process\": {\"rlimits\": [{\"hard\": \"1\"}]}}"), "config.json"));
    assertTrue(s.getMessage().startsWith("config.json: process.rlimits[0].hard: expected an integer, got a string"),
        s.getMessage());
  }

  @Test
  void missingConfigSaysSo(@TempDir Path dir) {
    var e = assertThrows(InvalidArgument.class, () -> SpecLoader.load(dir));
    assertTrue(e.getMessage().contains("has no config.json"), e.getMessage());
  }

  @Test
  void loadsFromBundle(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("config.json"), FULL);
    assertEquals("box", SpecLoader.load(dir).hostname());
  }

  @Test
  void parsesResourcesAndProcessFragments() {
    LinuxResources r = SpecLoader.parseResources(b("{\"memory\": {\"limit\": 5}, \"pids\": {\"limit\": 3}}"), "r.json");
    assertEquals(5L, r.memory().limit());
    assertEquals(3L, r.pids().limit());
    var e = assertThrows(InvalidArgument.class,
        () -> SpecLoader.parseResources(b("{\"cpu\": {\"cpus\": 3}}"), "resources.json"));
    assertTrue(e.getMessage().startsWith("resources.json: cpu.cpus: expected a string, got a number"), e.getMessage());
    Process p = SpecLoader.parseProcess(b("{\"args\": [\"ls\"], \"cwd\": \"/tmp\", \"terminal\": false}"), "p.json");
    assertEquals(List.of("ls"), p.args());
    Process changed = p.withArgs(List.of("id")).withEnv(List.of("A=1")).withCwd("/root")
        .withUser(new User(5L, 6L, null, null, null)).withTerminal(true, new Box(24, 80));
    assertEquals(List.of("id"), changed.args());
    assertEquals(List.of("A=1"), changed.env());
    assertEquals("/root", changed.cwd());
    assertEquals(5L, changed.user().uid());
    assertTrue(changed.terminalOrFalse());
    assertEquals(80, changed.consoleSize().width());
    var pe = assertThrows(InvalidArgument.class,
        () -> SpecLoader.parseProcess(b("{\"terminal\": \"yes\"}"), "process.json"));
    assertTrue(pe.getMessage().startsWith("process.json: terminal: expected a boolean, got a string"), pe.getMessage());
  }
}
