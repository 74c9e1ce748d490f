package dev.berth.it.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.it.fixtures.BusyboxBundle;
import dev.berth.it.fixtures.Cmd;
import dev.berth.it.fixtures.HostState;
import dev.berth.it.fixtures.OciRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 2, acceptance 3: bad input gets a clear message naming the problem, a non-zero exit, and
 * leaves no state dir, cgroup or mount behind.
 */
class RuntimeBadInputIT {
  private static final String ID = "bad-" + ProcessHandle.current().pid();

  @TempDir Path tmp;
  private OciRuntime berth;
  private BusyboxBundle bundle;
  private List<String> mountsBefore;

  @BeforeEach
  void setUp() {
    berth = OciRuntime.berth(tmp.resolve("state"));
    bundle = BusyboxBundle.create(tmp.resolve("bundle"), "true");
    mountsBefore = HostState.mountPoints();
  }

  @AfterEach
  void cleanUp() {
    berth.forceDelete(ID);
  }

  @Test
  void wrongTypeInConfig() {
    bundle.edit(c -> ((ObjectNode) c.get("process")).put("args", 5));
    refused("process.args", "expected an array");
  }

  @Test
  void unknownNamespace() {
    bundle.edit(c -> ((com.fasterxml.jackson.databind.node.ArrayNode) c.get("linux").get("namespaces"))
        .addObject().put("type", "foo"));
    refused("unknown namespace type \"foo\"");
  }

  @Test
  void missingRootfs() {
    bundle.edit(c -> ((ObjectNode) c.get("root")).put("path", "no-such-rootfs"));
    refused("rootfs", "no-such-rootfs", "does not exist");
  }

  @Test
  void mountTargetEscapingThroughASymlink() throws Exception {
    Path outside = Path.of("/tmp/berth-escape-" + ProcessHandle.current().pid());
    Files.createSymbolicLink(bundle.rootfs().resolve("etc/evil"), Path.of("../../../../../../.." + outside));
    addTmpfsMount("/etc/evil/x");
    refused("/etc/evil", "escapes the rootfs");
    assertFalse(Files.exists(outside), "the runtime created " + outside + " outside the rootfs");
  }

  @Test
  void absoluteSymlinkIsResolvedInsideTheRootfs() throws Exception {
    Path outside = Path.of("/tmp/berth-abs-" + ProcessHandle.current().pid());
    Files.createSymbolicLink(bundle.rootfs().resolve("etc/abs"), outside);
    addTmpfsMount("/etc/abs/x");
    bundle.args("sh", "-c", "test -d " + outside + "/x && echo inside");
    Cmd.Result r = berth.run("run", "--bundle", bundle.dir().toString(), ID);
    assertEquals(0, r.exit(), r.toString());
    assertEquals("inside\n", r.out());
    assertFalse(Files.exists(outside), "an absolute symlink led the runtime outside the rootfs");
    assertLeftNothing();
  }

  @Test
  void duplicateContainerId() {
    bundle.args("sleep", "30");
    berth.run("create", "--bundle", bundle.dir().toString(), ID).ok();
    Cmd.Result second = berth.run("create", "--bundle", bundle.dir().toString(), ID);
    assertNotEquals(0, second.exit());
    assertTrue(second.err().contains("container with id " + ID + " already exists"), second.toString());
    assertTrue(berth.run("state", ID).ok().out().contains("\"created\""), "the first container was disturbed");
    berth.run("delete", "--force", ID).ok();
    assertLeftNothing();
  }

  @Test
  void nonexistentCommand() {
    bundle.args("no-such-command");
    refused("exec: \"no-such-command\": executable file not found in $PATH");
  }

  private void addTmpfsMount(String destination) {
    bundle.edit((Consumer<ObjectNode>) c -> ((com.fasterxml.jackson.databind.node.ArrayNode) c.get("mounts"))
        .addObject().put("destination", destination).put("type", "tmpfs").put("source", "tmpfs"));
  }

  private void refused(String... messageParts) {
    Cmd.Result r = berth.run("create", "--bundle", bundle.dir().toString(), ID);
    assertNotEquals(0, r.exit(), "accepted bad input: " + r);
    for (String part : messageParts) {
      assertTrue(r.err().contains(part), "the message does not name the problem (\"" + part + "\"): " + r);
    }
    assertLeftNothing();
  }

  private void assertLeftNothing() {
    assertFalse(berth.hasState(ID), "a state directory was left behind");
    assertEquals(List.of(), HostState.cgroupsNamed(ID), "a cgroup was left behind");
    assertEquals(mountsBefore, HostState.mountPoints(), "a mount was left behind");
  }
}
