package dev.berth.it.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.it.fixtures.BusyboxBundle;
import dev.berth.it.fixtures.Cmd;
import dev.berth.it.fixtures.HostState;
import dev.berth.it.fixtures.OciRuntime;
import dev.berth.runtime.seccomp.DockerSeccompProfile;
import dev.berth.runtime.spec.SpecLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 2, acceptance 1: the same bundle under runc and under berth-runtime, comparing what the
 * process sees, one aspect per case so a failure names the aspect.
 */
class RuntimeParityIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ID = "parity-" + ProcessHandle.current().pid();

  @TempDir Path tmp;
  private OciRuntime runc;
  private OciRuntime berth;

  /** One thing to compare: how to configure the bundle, what to run, how to normalise the output. */
  record Aspect(String name, Consumer<ObjectNode> config, List<String> args, UnaryOperator<String> normalise) {
    @Override
    public String toString() {
      return name;
    }
  }

  @BeforeEach
  void runtimes() {
    runc = OciRuntime.runc(tmp.resolve("state"));
    berth = OciRuntime.berth(tmp.resolve("state"));
  }

  @AfterEach
  void cleanUp() {
    runc.forceDelete(ID);
    berth.forceDelete(ID);
  }

  static Stream<Aspect> aspects() {
    return Stream.of(
        aspect("stdout", c -> {}, "echo", "hello from a container"),
        aspect("exit code 3", c -> {}, "sh", "-c", "exit 3"),
        aspect("killed by a signal", c -> {}, "sh", "-c", "kill -9 $$"),
        aspect("user, groups and umask", c -> user(c, 1000, 1000, 2000, 63), "sh", "-c", "id; umask"),
        aspect("default capabilities", c -> {}, "sh", "-c", "grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status"),
        aspect("reduced capabilities", c -> caps(c, "CAP_CHOWN", "CAP_KILL"), "sh", "-c",
            "grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status"),
        aspect("no_new_privs off", c -> process(c).put("noNewPrivileges", false), "grep", "NoNewPrivs", "/proc/self/status"),
        aspect("no_new_privs on", c -> process(c).put("noNewPrivileges", true), "grep", "NoNewPrivs", "/proc/self/status"),
        aspect("seccomp with Docker's default profile", RuntimeParityIT::dockerSeccomp, "sh", "-c",
            "grep -E '^Seccomp:' /proc/self/status; mkdir /tmp/ok && echo mkdir-allowed"),
        aspect("hostname", c -> c.put("hostname", "parity-host"), "hostname"),
        new Aspect("mountinfo", c -> {}, List.of("cat", "/proc/self/mountinfo"), RuntimeParityIT::mountSet),
        aspect("masked and readonly paths", c -> {}, "sh", "-c",
            "for p in /proc/kcore /proc/keys /proc/timer_list /sys/firmware /proc/acpi /proc/sys /proc/irq /proc/bus; do "
                + "if [ -e $p ]; then echo \"$p exists size=$(head -c 16 $p 2>/dev/null | wc -c)\"; fi; "
                + "touch $p/x 2>/dev/null && echo \"$p writable\"; done; echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null || echo sys-readonly"),
        aspect("cgroup limits", RuntimeParityIT::limits, "sh", "-c",
            "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max "
                + "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us /sys/fs/cgroup/cpu,cpuacct/cpu.shares"),
        aspect("cgroup membership", c -> cgroupsPath(c), "cat", "/proc/self/cgroup"),
        aspect("cgroup membership with a cgroup namespace", c -> {
          cgroupsPath(c);
          ((ArrayNode) c.get("linux").get("namespaces")).addObject().put("type", "cgroup");
        }, "cat", "/proc/self/cgroup"),
        aspect("rlimits", RuntimeParityIT::rlimits, "sh", "-c", "grep -E 'open files|processes|core file' /proc/self/limits"),
        aspect("read-only root", c -> ((ObjectNode) c.get("root")).put("readonly", true), "sh", "-c",
            "touch /x 2>&1; echo rc=$?; touch /tmp/y && echo tmp-writable"),
        new Aspect("namespaces differ from the host's", c -> {}, List.of("sh", "-c",
            "for n in pid mnt uts ipc net cgroup user; do echo $n $(readlink /proc/self/ns/$n); done"),
            RuntimeParityIT::namespacesVersusHost));
  }

  private static Aspect aspect(String name, Consumer<ObjectNode> config, String... args) {
    return new Aspect(name, config, List.of(args), UnaryOperator.identity());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("aspects")
  void sameAsRunc(Aspect aspect) throws Exception {
    BusyboxBundle bundle = BusyboxBundle.create(tmp.resolve("bundle"));
    bundle.edit(aspect.config()).args(aspect.args().toArray(String[]::new));
    Files.createDirectories(runc.root());
    Cmd.Result expected = runOnce(runc, bundle);
    Cmd.Result actual = runOnce(berth, bundle);
    assertEquals(expected.exit(), actual.exit(), "exit code; runc: " + expected + "\nberth: " + actual);
    assertEquals(aspect.normalise().apply(expected.out()), aspect.normalise().apply(actual.out()),
        "what the process saw differs; berth-runtime stderr: " + actual.err());
    assertEquals(List.of(), HostState.cgroupsNamed(ID), "a cgroup was left behind");
  }

  /** `events --stats` as runc prints it: the same keys, with the counters of a live container. */
  @org.junit.jupiter.api.Test
  void eventsStatsHaveRuncsShape() throws Exception {
    BusyboxBundle bundle = BusyboxBundle.create(tmp.resolve("bundle"));
    bundle.edit(RuntimeParityIT::limits).args("sleep", "60");
    Files.createDirectories(runc.root());
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    java.util.Map<String, com.fasterxml.jackson.databind.JsonNode> seen = new java.util.HashMap<>();
    for (OciRuntime rt : List.of(runc, berth)) {
      rt.run("create", "--bundle", bundle.dir().toString(), ID).ok();
      rt.run("start", ID).ok();
      seen.put(rt.name(), json.readTree(rt.run("events", "--stats", ID).ok().out()));
      rt.forceDelete(ID);
    }
    var r = seen.get(runc.name());
    var b = seen.get(berth.name());
    assertEquals("stats", b.path("type").asText());
    assertEquals(ID, b.path("id").asText());
    for (String path : List.of("/data/cpu/usage/total", "/data/memory/usage/usage", "/data/memory/usage/limit",
        "/data/pids/current", "/data/pids/limit")) {
      assertTrue(r.at(path).isNumber(), "runc has no " + path + ": " + r);
      assertTrue(b.at(path).isNumber(), "berth-runtime has no " + path + ": " + b);
    }
    assertEquals(r.at("/data/memory/usage/limit").asLong(), b.at("/data/memory/usage/limit").asLong());
    assertEquals(r.at("/data/pids/limit").asLong(), b.at("/data/pids/limit").asLong());
    assertEquals(1, b.at("/data/pids/current").asLong());
    assertTrue(b.at("/data/memory/usage/usage").asLong() > 0, b.toString());
    assertNotEquals(0, berth.run("events", "--stats", "no-such-" + ID).exit());
  }

  @org.junit.jupiter.api.Test
  void userNamespaceWithMappings() throws Exception {
    BusyboxBundle bundle = BusyboxBundle.create(tmp.resolve("bundle"), "sh", "-c",
        "id; cat /proc/self/uid_map /proc/self/gid_map; touch /tmp/owned; ls -ln /tmp/owned | cut -c10-30");
    bundle.edit(c -> {
      ObjectNode linux = (ObjectNode) c.get("linux");
      ((ArrayNode) linux.get("namespaces")).addObject().put("type", "user");
      for (String kind : List.of("uidMappings", "gidMappings")) {
        linux.putArray(kind).addObject().put("containerID", 0).put("hostID", 100000).put("size", 65536);
      }
    });
    Cmd.run("chown", "-R", "100000:100000", bundle.rootfs().toString()).ok();
    // The container's root is uid 100000 on the host: it must be able to reach its rootfs.
    Cmd.run("chmod", "755", tmp.toString(), bundle.dir().toString()).ok();
    Cmd.Result expected = runOnce(runc, bundle);
    Cmd.Result actual = runOnce(berth, bundle);
    assertEquals(0, expected.exit(), expected.toString());
    assertEquals(expected.exit(), actual.exit(), actual.toString());
    assertEquals(expected.out(), actual.out());
  }

  private Cmd.Result runOnce(OciRuntime runtime, BusyboxBundle bundle) {
    Cmd.Result r = runtime.run("run", "--bundle", bundle.dir().toString(), ID);
    runtime.forceDelete(ID);
    return r;
  }

  static ObjectNode process(ObjectNode c) {
    return (ObjectNode) c.get("process");
  }

  private static void user(ObjectNode c, int uid, int gid, int extraGid, int umask) {
    ObjectNode u = process(c).putObject("user");
    u.put("uid", uid).put("gid", gid).put("umask", umask);
    u.putArray("additionalGids").add(extraGid);
  }

  private static void caps(ObjectNode c, String... caps) {
    ObjectNode set = process(c).putObject("capabilities");
    for (String kind : List.of("bounding", "effective", "permitted", "inheritable", "ambient")) {
      ArrayNode a = set.putArray(kind);
      Arrays.stream(caps).forEach(a::add);
    }
  }

  private static void dockerSeccomp(ObjectNode c) {
    try {
      byte[] profile = DockerSeccompProfile.dockerDefault();
      var oci = DockerSeccompProfile.toOci(profile, Set.of("CAP_CHOWN", "CAP_KILL", "CAP_AUDIT_WRITE"), "amd64");
      ((ObjectNode) c.get("linux")).set("seccomp", JSON.readTree(SpecLoader.toJson(oci)));
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  private static void limits(ObjectNode c) {
    ObjectNode r = ((ObjectNode) c.get("linux")).putObject("resources");
    r.putObject("memory").put("limit", 64L * 1024 * 1024);
    r.putObject("pids").put("limit", 20);
    r.putObject("cpu").put("quota", 50000).put("period", 100000).put("shares", 512);
  }

  /** The same cgroup for both runtimes, which otherwise each pick their own default parent. */
  private static void cgroupsPath(ObjectNode c) {
    ((ObjectNode) c.get("linux")).put("cgroupsPath", "/" + ID);
  }

  private static void rlimits(ObjectNode c) {
    ArrayNode r = process(c).putArray("rlimits");
    r.addObject().put("type", "RLIMIT_NOFILE").put("soft", 512).put("hard", 1024);
    r.addObject().put("type", "RLIMIT_NPROC").put("soft", 100).put("hard", 200);
    r.addObject().put("type", "RLIMIT_CORE").put("soft", 0).put("hard", 0);
  }

  /** Mounts as a set of (mount point, type, options): ids, devices and ordering are not the container's view. */
  static String mountSet(String mountinfo) {
    Set<String> mounts = new TreeSet<>();
    for (String line : mountinfo.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] left = line.substring(0, line.indexOf(" - ")).split(" ");
      String[] right = line.substring(line.indexOf(" - ") + 3).split(" ");
      mounts.add(left[4] + " " + right[0] + " " + left[5]);
    }
    return String.join("\n", mounts);
  }

  /** Namespace links turned into "differs"/"same" against this (host) process's own. */
  static String namespacesVersusHost(String output) {
    StringBuilder sb = new StringBuilder();
    for (String line : output.split("\n")) {
      String[] parts = line.trim().split(" ");
      if (parts.length < 2) {
        continue;
      }
      try {
        String host = Files.readSymbolicLink(Path.of("/proc/self/ns/" + parts[0])).toString();
        sb.append(parts[0]).append(host.equals(parts[1]) ? " same" : " differs").append('\n');
      } catch (java.io.IOException e) {
        throw new AssertionError(e);
      }
    }
    return sb.toString();
  }
}
