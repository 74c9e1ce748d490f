package dev.berth.it.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.it.fixtures.BusyboxBundle;
import dev.berth.it.fixtures.Cmd;
import dev.berth.it.fixtures.HostState;
import dev.berth.it.fixtures.OciRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A time namespace with linux.timeOffsets: the container's monotonic and boottime clocks run ahead of
 * the host's by the offsets, for its process and for what exec runs in it. Berth alone: runc 1.1.5
 * refuses the time namespace ("namespace {"time" ""} does not exist") and crun 1.8.1 fails to start
 * it, so the expected values come from the host's own clocks.
 */
class TimeNamespaceIT {
  private static final String ID = "timens-" + ProcessHandle.current().pid();
  private static final long BOOT_OFFSET = 86_400;
  private static final long MONO_OFFSET = 3_600;

  @TempDir Path tmp;
  private OciRuntime berth;
  private BusyboxBundle bundle;

  @BeforeEach
  void setUp() {
    berth = OciRuntime.berth(tmp.resolve("state"));
    bundle = BusyboxBundle.create(tmp.resolve("bundle"), "sh", "-c", "cat /proc/self/timens_offsets; cat /proc/uptime");
    bundle.edit(c -> timeNamespace(c, BOOT_OFFSET, 500));
  }

  @AfterEach
  void cleanUp() {
    berth.forceDelete(ID);
  }

  private static void timeNamespace(ObjectNode c, long bootSecs, long bootNanos) {
    ObjectNode linux = (ObjectNode) c.get("linux");
    ((ArrayNode) linux.get("namespaces")).addObject().put("type", "time");
    ObjectNode offsets = linux.putObject("timeOffsets");
    offsets.putObject("monotonic").put("secs", MONO_OFFSET).put("nanosecs", 0);
    offsets.putObject("boottime").put("secs", bootSecs).put("nanosecs", bootNanos);
  }

  private static double hostUptime() throws Exception {
    return Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
  }

  /** The first field of /proc/uptime in {@code output}'s last line. */
  private static double uptime(String output) {
    String[] lines = output.trim().split("\n");
    return Double.parseDouble(lines[lines.length - 1].split(" ")[0]);
  }

  private static void assertShifted(double before, double seen, double after) {
    assertTrue(seen >= before + BOOT_OFFSET && seen <= after + BOOT_OFFSET + 1,
        "uptime " + seen + " is not the host's (" + before + ".." + after + ") + " + BOOT_OFFSET);
  }

  @Test
  void theProcessSeesItsClocksShiftedByTheOffsets() throws Exception {
    double before = hostUptime();
    Cmd.Result r = berth.run("run", "--bundle", bundle.dir().toString(), ID);
    double after = hostUptime();
    assertEquals(0, r.exit(), r.toString());
    List<String> offsets = r.out().lines().limit(2).map(l -> l.trim().replaceAll("\\s+", " ")).toList();
    assertEquals(List.of("monotonic " + MONO_OFFSET + " 0", "boottime " + BOOT_OFFSET + " 500"), offsets);
    assertShifted(before, uptime(r.out()), after);
  }

  @Test
  void execRunsInTheContainersTimeNamespace() throws Exception {
    bundle.args("sleep", "60");
    berth.run("run", "--detach", "--bundle", bundle.dir().toString(), ID).ok();
    double before = hostUptime();
    Cmd.Result r = berth.run("exec", ID, "cat", "/proc/uptime");
    double after = hostUptime();
    assertEquals(0, r.exit(), r.toString());
    assertShifted(before, uptime(r.out()), after);
    long pid = new ObjectMapper().readTree(berth.run("state", ID).ok().out()).path("pid").asLong();
    assertEquals(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/time")).toString(),
        berth.run("exec", ID, "readlink", "/proc/self/ns/time").ok().out().trim());
    assertNotEquals(Files.readSymbolicLink(Path.of("/proc/self/ns/time")).toString(),
        berth.run("exec", ID, "readlink", "/proc/self/ns/time").ok().out().trim(), "exec stayed in the host's");
  }

  @Test
  void withAUserNamespaceToo() throws Exception {
    bundle.edit(c -> {
      ObjectNode linux = (ObjectNode) c.get("linux");
      ((ArrayNode) linux.get("namespaces")).addObject().put("type", "user");
      for (String kind : List.of("uidMappings", "gidMappings")) {
        linux.putArray(kind).addObject().put("containerID", 0).put("hostID", 100000).put("size", 65536);
      }
    }).args("sleep", "60");
    Cmd.run("chown", "-R", "100000:100000", bundle.rootfs().toString()).ok();
    Cmd.run("chmod", "755", tmp.toString(), bundle.dir().toString()).ok();
    berth.run("run", "--detach", "--bundle", bundle.dir().toString(), ID).ok();
    double before = hostUptime();
    // exec joins the time namespace (owned by the runtime's user namespace) before the user namespace.
    Cmd.Result r = berth.run("exec", ID, "sh", "-c", "id -u; cat /proc/uptime");
    double after = hostUptime();
    assertEquals(0, r.exit(), r.toString());
    assertEquals("0", r.out().lines().findFirst().orElseThrow());
    assertShifted(before, uptime(r.out()), after);
  }

  @Test
  void offsetsTheKernelRefusesFailCreateAndLeaveNothing() {
    bundle.edit(c -> ((ObjectNode) c.get("linux").get("timeOffsets").get("boottime")).put("secs", -100_000_000_000L));
    Cmd.Result r = berth.run("create", "--bundle", bundle.dir().toString(), ID);
    assertNotEquals(0, r.exit(), r.toString());
    assertTrue(r.err().contains("set the time namespace offsets (monotonic 3600 0;boottime -100000000000 500;)"),
        r.err());
    assertFalse(berth.hasState(ID), "a state dir was left behind");
    assertEquals(List.of(), HostState.cgroupsNamed(ID), "a cgroup was left behind");
  }
}
