package dev.berth.daemon.containers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.error.Conflict;
import dev.berth.daemon.events.Events;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Removal against a fake supervisor: once a removal has begun, no health check, restart policy or
 * start brings the container back, and none of them writes its record again.
 */
class ContainerRemovalTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;
  FakeSupervisor supervisor;
  ContainerStore store;
  ContainerLifecycle lifecycle;
  int made;

  @BeforeEach
  void daemon() throws Exception {
    supervisor = new FakeSupervisor(dir.resolve("tasks"));
    store = new ContainerStore(dir.resolve("containers"));
    lifecycle = new ContainerLifecycle(store, supervisor.client(), new ContainerEvents(new Events()));
  }

  @AfterEach
  void down() throws Exception {
    supervisor.close();
  }

  private Container create(String healthcheck, String restartPolicy) throws Exception {
    String id = String.format("%064x", ++made);
    ObjectNode config = JSON.createObjectNode().put("Image", "busybox");
    if (healthcheck != null) config.set("Healthcheck", JSON.readTree(healthcheck));
    ObjectNode hostConfig = JSON.createObjectNode();
    hostConfig.putObject("RestartPolicy").put("Name", restartPolicy);
    Container c = new Container(id, "/c" + made, Instant.now(), "sha256:" + "ab".repeat(32), config, hostConfig,
        ContainerState.created(), 0, false);
    store.add(c);
    return c;
  }

  /** The container's record and directory are gone, and stay gone. */
  private void assertGone(Container c) throws Exception {
    Thread.sleep(10); // a late writer would write now
    assertEquals(List.of(), store.all().stream().map(Container::name).toList());
    try (Stream<Path> left = Files.list(dir.resolve("containers"))) {
      assertEquals(List.of(), left.toList(), "a container record was written after its removal");
    }
  }

  /**
   * The flaky "started again while being removed" of the healthcheck IT: a probe's result was
   * written from the state read before the exit that the removal caused, bringing "running" back.
   */
  @Test
  void healthChecksNeverWriteARemovedContainerBack() throws Exception {
    for (int i = 0; i < 150; i++) {
      // Probes every millisecond, each failing at once (the fake gives no spec to exec in).
      Container c = create("{\"Test\": [\"CMD\", \"true\"], \"Interval\": 1000000, \"Retries\": 1}", "no");
      lifecycle.start(c.id());
      long before = supervisor.count("getContainer");
      for (int wait = 0; wait < 1000 && supervisor.count("getContainer") < before + 2; wait++) Thread.sleep(1);
      lifecycle.remove(c.id(), true);
      assertGone(c);
    }
    long probes = supervisor.count("getContainer");
    assertTrue(probes >= 300, "the health checks did not run before each removal: " + probes + " probes");
  }

  /**
   * A restart policy's start holds the container while `rm -f` comes: the removal waits for it, then
   * ends the run it started instead of finding it "started again".
   */
  @Test
  void aRemovalDuringAPolicysRestartEndsTheNewRun() throws Exception {
    Container c = create(null, "always");
    supervisor.exitOnStart = true;
    CountDownLatch creating = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    lifecycle.start(c.id());
    // The first run ends at once; the policy's restart is held while its task is created.
    supervisor.beforeCreate = () -> {
      supervisor.exitOnStart = false;
      creating.countDown();
      await(proceed);
    };
    assertTrue(creating.await(10, TimeUnit.SECONDS), "the policy did not restart the container");
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread remover = new Thread(() -> {
      try {
        lifecycle.remove(c.id(), true);
      } catch (Throwable t) {
        failed.set(t);
      }
    });
    remover.start();
    for (int i = 0; i < 1000 && remover.getState() != Thread.State.BLOCKED; i++) Thread.sleep(1);
    assertEquals(Thread.State.BLOCKED, remover.getState(), "the removal did not wait for the restart's start");
    supervisor.beforeCreate = () -> {};
    proceed.countDown();
    remover.join(10_000);
    assertNull(failed.get(), () -> "the removal failed: " + failed.get());
    assertEquals(1, supervisor.count("kill"), "the restarted run was not ended");
    assertEquals(2, supervisor.count("start"));
    assertGone(c);
  }

  /** A container waiting for its policy's restart is refused unforced, and forced it is never started again. */
  @Test
  void aRestartingContainerIsRemovedOnlyForcedAndThenNeverStarts() throws Exception {
    Container c = create(null, "always");
    supervisor.exitOnStart = true;
    lifecycle.start(c.id());
    for (int i = 0; i < 1000 && !store.get(c.id()).state().status().equals("restarting"); i++) Thread.sleep(1);
    assertEquals("restarting", store.get(c.id()).state().status());
    long starts = supervisor.count("start");
    Conflict unforced = assertThrows(Conflict.class, () -> lifecycle.remove(c.id(), false));
    assertEquals("cannot remove container \"/c1\": container is restarting: stop the container before removing or"
        + " force remove", unforced.getMessage());
    lifecycle.remove(c.id(), true);
    Thread.sleep(RestartPolicy.FIRST_DELAY.multipliedBy(3));
    assertEquals(starts, supervisor.count("start"), "a removed container was started again");
    assertGone(c);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
