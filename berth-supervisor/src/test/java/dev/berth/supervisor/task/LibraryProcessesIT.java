package dev.berth.supervisor.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.BerthException;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.Unavailable;
import dev.berth.runtime.ContainerRuntime;
import dev.berth.supervisor.shim.Attachment;
import dev.berth.supervisor.shim.BusyboxBundle;
import dev.berth.supervisor.shim.ExecOutput;
import dev.berth.supervisor.shim.LogQuery;
import dev.berth.supervisor.shim.ProcStat;
import dev.berth.supervisor.shim.Shim;
import dev.berth.supervisor.shim.ShimBinary;
import dev.berth.supervisor.shim.ShimClient;
import dev.berth.supervisor.shim.ShimLauncher;
import dev.berth.supervisor.shim.ShimOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Create and exec through Berth's runtime library with berth-init started by the shim: the shim is
 * still the container's parent, holds its stdio and records its exit.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LibraryProcessesIT {
  @TempDir Path tmp;
  private ContainerRuntime library;
  private final List<String> containers = new ArrayList<>();
  private final List<Long> shimPids = new ArrayList<>();

  @BeforeEach
  void setUp() {
    library = new ContainerRuntime(tmp.resolve("root"));
  }

  @AfterEach
  void tearDown() {
    for (String id : containers) {
      try {
        library.delete(id, true);
      } catch (BerthException e) {
        // never created, or already deleted by the test
      }
    }
    for (long pid : shimPids) {
      ProcessHandle.of(pid).filter(h -> h.info().command().map(c -> c.endsWith("berth-shim")).orElse(false))
          .ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  private Shim shim(String name, boolean terminal, String... args) throws Exception {
    String id = "lib-it-" + name + "-" + UUID.randomUUID().toString().substring(0, 8);
    containers.add(id);
    Path bundle = BusyboxBundle.create(tmp.resolve(id + "-bundle"), terminal, args);
    ShimOptions options = ShimOptions.of(id, bundle, Path.of("/usr/sbin/runc"), tmp.resolve(id))
        .withTerminal(terminal).withStdin(terminal).withExitGrace(Duration.ofMillis(500)).withCreateByClient(true);
    Shim shim = new ShimLauncher(ShimBinary.locate(), Duration.ofSeconds(30)).launch(options);
    shimPids.add(shim.shimPid());
    return shim;
  }

  private Shim create(Shim shim, boolean terminal) {
    return LibraryProcesses.create(library, shim.id(), shim.stateDir(), CompletableFuture.completedFuture(shim),
        tmp.resolve(shim.id() + "-bundle"), new TaskStdio(terminal, terminal, 0, 0));
  }

  @Test
  void theLibraryPreparesWhileTheShimIsStillStarting() throws Exception {
    Shim shim = shim("late", false, "true");
    CompletableFuture<Shim> launching = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> {
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      launching.complete(shim);
    });
    Shim created = LibraryProcesses.create(library, shim.id(), shim.stateDir(), launching,
        tmp.resolve(shim.id() + "-bundle"), new TaskStdio(false, false, 0, 0));
    assertEquals(shim.shimPid(), ProcStat.parentOf(created.containerPid()), "berth-init was spawned by the shim");
    LibraryProcesses.start(library, created);
    assertEquals(0, created.client().waitExit().exitCode());
  }

  @Test
  void aShimThatCannotStartFailsTheCreateAndLeavesNoRuntimeState() throws Exception {
    String id = "lib-it-noshim-" + UUID.randomUUID().toString().substring(0, 8);
    containers.add(id);
    Path bundle = BusyboxBundle.create(tmp.resolve(id + "-bundle"), false, "true");
    Unavailable cannot = new Unavailable("cannot start the shim (test)");
    BerthException e = assertThrows(BerthException.class, () -> LibraryProcesses.create(library, id, tmp.resolve(id),
        CompletableFuture.failedFuture(cannot), bundle, new TaskStdio(false, false, 0, 0)));
    assertEquals(cannot, e);
    assertTrue(library.list().isEmpty(), library.list().toString());
  }

  @Test
  void theShimIsTheParentOfALibraryCreatedContainerAndRecordsItsExit() throws Exception {
    Shim shim = create(shim("exit3", false, "sh", "-c", "echo out; echo err >&2; exit 3"), false);
    assertEquals("created", shim.client().state().status());
    assertEquals(shim.shimPid(), ProcStat.parentOf(shim.containerPid()));
    assertEquals(Long.toString(shim.containerPid()), Files.readString(shim.stateDir().resolve(Shim.INIT_PID_FILE)));
    LibraryProcesses.start(library, shim);
    assertEquals(3, shim.client().waitExit().exitCode());
    List<String> log = shim.log().read(LogQuery.all()).stream().map(r -> r.stream() + ":" + r.text()).sorted().toList();
    assertEquals(List.of("stderr:err\n", "stdout:out\n"), log);
  }

  @Test
  void execsGetTheirOwnStdioAndExitEvenWhenTheyEndAtOnce() throws Exception {
    Shim shim = create(shim("exec", false, "sleep", "60"), false);
    LibraryProcesses.start(library, shim);
    byte[] process = processJson(shim, false, "sh", "-c", "echo from-exec; echo exec-err >&2; exit 4");
    long pid = LibraryProcesses.exec(library, shim, "e1", process, false, false);
    assertTrue(pid > 0);
    ShimClient exec = shim.client().exec("e1");
    assertEquals(new ExecOutput("from-exec\n", "exec-err\n"), ExecOutput.collect(exec));
    assertEquals(4, exec.waitExit().exitCode());
    // A process that is gone before the shim hears its pid still gets its exit recorded.
    for (int i = 0; i < 10; i++) {
      LibraryProcesses.exec(library, shim, "quick" + i, processJson(shim, false, "true"), false, false);
      ShimClient quick = shim.client().exec("quick" + i);
      try (Attachment attachment = quick.attach(false, true, true, false, false)) {
        assertTrue(attachment.nextFrame().isEmpty());
      }
      assertEquals(0, quick.waitExit().exitCode());
    }
    assertTrue(shim.log().read(LogQuery.all()).isEmpty(), "exec output is not the container's log");
    assertEquals("running", shim.client().state().status());
  }

  @Test
  void aTerminalComesFromTheShim() throws Exception {
    Shim shim = create(shim("tty", true, "sh"), true);
    try (Attachment attachment = shim.client().attach(true, true, false, false, true)) {
      LibraryProcesses.start(library, shim);
      shim.client().resize(33, 77);
      attachment.stdin().write("stty size; exit 5\n".getBytes(StandardCharsets.UTF_8));
      attachment.stdin().flush();
      String output = new String(attachment.output().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(output.contains("33 77\r\n"), output);
    }
    assertEquals(5, shim.client().waitExit().exitCode());
  }

  @Test
  void aFailedCreateLeavesNeitherShimNorRuntimeState() throws Exception {
    Shim shim = shim("missing", false, "no-such-command");
    BerthException e = assertThrows(BerthException.class, () -> create(shim, false));
    assertTrue(e instanceof InvalidArgument && e.getMessage().contains("no-such-command"), e.toString());
    ProcStat.awaitGone(shim.shimPid());
    assertTrue(library.list().isEmpty(), library.list().toString());
    assertFalse(Files.exists(shim.stateDir().resolve(ShimClient.SOCKET_NAME)));
  }

  @Test
  void aSpawnIsRefusedWhereNoProcessIsBeingCreated() throws Exception {
    Shim shim = create(shim("twice", false, "sleep", "60"), false);
    // The init exists: a second create of it is refused, and so is a `created` nobody spawned.
    BerthException again = assertThrows(BerthException.class, () -> create(shim, false));
    assertTrue(again.getMessage().contains("already"), again.getMessage());
    BerthException stray = assertThrows(BerthException.class, () -> shim.client().exec("nobody").created(1));
    assertTrue(stray.getMessage().contains("being created"), stray.getMessage());
    assertEquals("created", shim.client().state().status());
  }

  private byte[] processJson(Shim shim, boolean terminal, String... args) throws Exception {
    Path file = BusyboxBundle.execProcess(tmp.resolve(shim.id() + "-bundle"), tmp.resolve(UUID.randomUUID() + ".json"),
        terminal, args);
    return Files.readAllBytes(file);
  }
}
