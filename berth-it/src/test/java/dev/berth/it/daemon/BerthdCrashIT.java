package dev.berth.it.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.it.fixtures.BerthHome;
import dev.berth.it.fixtures.Berthd;
import dev.berth.it.fixtures.Cmd;
import dev.berth.it.fixtures.HostState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * kill -9 of berthd timed into the middle of its work: containers being created, started and
 * removed. Whatever instant the kill lands on, the restarted daemon owns everything it finds (no
 * mount, cgroup, shim, runtime state, bundle, snapshot or state dir without a container), running
 * containers still run, and removing them all leaves nothing.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class BerthdCrashIT {
  private static Berthd berthd;
  private static Path dir;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createDirectories(Path.of("/tmp/bk" + ProcessHandle.current().pid()));
    berthd = Berthd.start(dir);
    Cmd.run(List.of(BerthHome.root().resolve("scripts/make-base-images.sh").toString(), dir.resolve("images").toString()),
        Map.of(), null, 300).ok();
    berthd.docker("load", "-i", dir.resolve("images/busybox.tar").toString()).ok();
    berthd.docker("run", "--rm", "busybox", "true").ok();
  }

  @AfterAll
  static void stop() throws Exception {
    if (berthd != null) berthd.close();
  }

  @Test
  void killsLandingAnywhereInCreateStartAndRemoveLeaveNothingWithoutAnOwner() throws Exception {
    Set<String> seen = new HashSet<>();
    // Each operation takes ~20-120 ms: kills every 23 ms up to 400 land in every phase of them.
    for (int delay = 10; delay <= 400; delay += 23) {
      Thread workload = Thread.ofVirtual().start(() -> {
        for (int i = 0; i < 6; i++) {
          Cmd.Result run = berthd.docker("run", "-d", "--label", "crash=1", "busybox", "sleep", "1000");
          if (run.exit() != 0) return;
          berthd.docker("run", "--rm", "--label", "rm=1", "busybox", "true");
          if (berthd.docker("rm", "-f", run.out().strip()).exit() != 0) return;
        }
      });
      Thread.sleep(delay);
      berthd.kill9();
      workload.join(TimeUnit.SECONDS.toMillis(60));
      berthd.launch();
      // A fresh JVM is slow at its first requests; warmed up, the next round's kill lands later in
      // the sequence instead of always in the first create.
      berthd.docker("run", "--rm", "busybox", "true").ok();
      List<String> ids = List.of(berthd.docker("ps", "-aq", "--no-trunc").ok().out().split("\\s+")).stream()
          .filter(s -> !s.isEmpty()).toList();
      seen.addAll(ids);
      Set<String> running = new HashSet<>(List.of(berthd.docker("ps", "-q", "--no-trunc").ok().out().split("\\s+")));
      settle(running, "after a kill " + delay + " ms in");
      // As dockerd: a --rm container found stopped at start-up is removed, whenever the kill came.
      assertEquals("", berthd.docker("ps", "-aq", "--filter", "label=rm=1", "--filter", "status=exited").ok().out()
          .strip(), "a stopped --rm container is left after a kill " + delay + " ms in");
      for (String id : running) {
        if (id.isEmpty()) continue;
        long pid = Long.parseLong(berthd.docker("inspect", "-f", "{{.State.Pid}}", id).ok().out().strip());
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), id + " runs only on paper");
      }
      assertOwned(new HashSet<>(ids), running, "after a kill " + delay + " ms in");
    }
    String all = berthd.docker("ps", "-aq").ok().out().strip();
    if (!all.isEmpty()) {
      List<String> rm = new ArrayList<>(List.of("rm", "-f"));
      rm.addAll(List.of(all.split("\\s+")));
      berthd.docker(rm.toArray(String[]::new)).ok();
    }
    assertOwned(Set.of(), Set.of(), "after removing everything");
    // What the restarts had to settle, for whoever reads the test's output.
    berthd.log().lines().filter(l -> l.startsWith("berthd: ") || l.startsWith("supervisor: "))
        .filter(l -> !l.contains("API listening") && !l.contains("no group")).forEach(System.out::println);
    for (String id : seen) assertTrue(HostState.cgroupsNamed(id).isEmpty(), "a cgroup of " + id + " is left");
  }

  /** Shims of containers that exited as berthd died linger a moment; wait until only running ones do. */
  private static void settle(Set<String> running, String when) throws Exception {
    for (int i = 0; i < 100; i++) {
      if (liveShims().stream().allMatch(running::contains)) return;
      Thread.sleep(100);
    }
    throw new AssertionError(when + ": shims of containers that are not running: " + liveShims());
  }

  private static void assertOwned(Set<String> containers, Set<String> running, String when) throws IOException {
    Path data = berthd.dataRoot();
    Path run = dir.resolve("run");
    assertSubset(children(data.resolve("containers")), containers, when + ": container records");
    assertSubset(children(data.resolve("supervisor/containers")), containers, when + ": supervisor records");
    assertSubset(children(data.resolve("snapshots/containers")), containers, when + ": container snapshots");
    assertSubset(children(data.resolve("tasks")), containers, when + ": task dirs");
    assertSubset(children(run.resolve("bundles")), running, when + ": bundles");
    assertSubset(children(run.resolve("runtime/berth")), running, when + ": runtime state");
    List<String> mounts = HostState.mountPoints().stream().filter(p -> p.startsWith(dir.toString())).toList();
    for (String m : mounts) {
      assertTrue(running.stream().anyMatch(id -> !id.isEmpty() && m.equals(run.resolve("bundles").resolve(id)
          .resolve("rootfs").toString())), when + ": a mount nobody owns: " + m);
    }
    assertSubset(new HashSet<>(liveShims()), running, when + ": shims");
  }

  private static void assertSubset(Set<String> found, Set<String> owners, String what) {
    Set<String> orphans = new HashSet<>(found);
    orphans.removeAll(owners);
    assertEquals(Set.of(), orphans, what + " without an owner");
  }

  private static Set<String> children(Path parent) throws IOException {
    if (!Files.isDirectory(parent)) return Set.of();
    try (Stream<Path> s = Files.list(parent)) {
      return new HashSet<>(s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).toList());
    }
  }

  /** Containers whose shim process is alive (by the shim.pid in their task dir, checked against its program). */
  private static List<String> liveShims() {
    List<String> live = new ArrayList<>();
    Path tasks = berthd.dataRoot().resolve("tasks");
    for (String id : safeChildren(tasks)) {
      try {
        long pid = Long.parseLong(Files.readString(tasks.resolve(id).resolve("shim.pid")).strip());
        boolean alive = ProcessHandle.of(pid).flatMap(h -> h.info().command()).map(c -> c.endsWith("berth-shim"))
            .orElse(false);
        if (alive) live.add(id);
      } catch (IOException | NumberFormatException e) {
        // no shim recorded
      }
    }
    return live;
  }

  private static Set<String> safeChildren(Path parent) {
    try {
      return children(parent);
    } catch (IOException e) {
      return Set.of();
    }
  }
}
