package dev.berth.runtime.init;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.Internal;
import dev.berth.common.error.InvalidArgument;
import dev.berth.runtime.sys.RecordingSyscalls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The launcher's side of berth-init's sync protocol, against a recording fake kernel. */
class InitLauncherTest {
  private static final byte[] STREAM = "instructions".getBytes(StandardCharsets.US_ASCII);
  private final List<String> events = new ArrayList<>();

  private InitLauncher.Listener listener() {
    return containerPid -> events.add("hooks " + containerPid);
  }

  @Test
  void spawnsWithTheStreamOnFd3AndTheSyncSocketOnFd4AndReturnsTheContainersPid() {
    RecordingSyscalls sys = new RecordingSyscalls().replies("pid 4242", "ready");
    InitLauncher launcher = new InitLauncher(Path.of("/opt/berth/lib/berth-init"), sys);
    var launched = launcher.launch(STREAM, launcher.local(Map.of(0, 7, 1, 8, 2, 9)), listener());
    assertEquals(4242, launched.pid());
    assertEquals(List.of("spawn /opt/berth/lib/berth-init [berth-init]"),
        sys.calls.stream().filter(c -> c.startsWith("spawn")).toList());
    assertEquals(Map.of(0, 7, 1, 8, 2, 9, 3, 10, 4, 13), sys.lastSpawnFds, "pipe read end on 3, sync end on 4");
    assertEquals("instructions", sys.writtenTo(11), "the stream goes down the pipe");
    assertEquals(List.of(), events, "no hooks asked for");
    assertEquals(Set.of(), sys.open, "every fd the launcher opened is closed");
  }

  @Test
  void extraFdsGoToTheInitsFds5AndUp() {
    RecordingSyscalls sys = new RecordingSyscalls().replies("pid 4242", "ready");
    InitLauncher launcher = new InitLauncher(Path.of("/i"), sys);
    launcher.launch(STREAM, launcher.local(null), List.of(3, 4, 7), listener());
    assertEquals(Map.of(3, 10, 4, 13, 5, 3, 6, 4, 7, 7), sys.lastSpawnFds,
        "the caller's fds 3, 4 and 7 on 5, 6 and 7, clear of the stream and the sync socket");
  }

  @Test
  void aSpawnerThatCannotPassFdsRefusesExtraFdsAndNothingIsLeft() {
    RecordingSyscalls sys = new RecordingSyscalls();
    InitLauncher launcher = new InitLauncher(Path.of("/i"), sys);
    InitSpawner shim = (binary, streamFd, syncFd) -> {
      throw new AssertionError("started although the fds could not be passed");
    };
    InvalidArgument e = assertThrows(InvalidArgument.class, () -> launcher.launch(STREAM, shim, List.of(3),
        listener()));
    assertTrue(e.getMessage().contains("cannot pass 1 extra fds"), e.getMessage());
    assertEquals(Set.of(), sys.open);
  }

  @Test
  void pausesForHooksAndResumesTheInit() {
    RecordingSyscalls sys = new RecordingSyscalls().replies("pid 77", "hooks", "ready");
    InitLauncher launcher = new InitLauncher(Path.of("/i"), sys);
    assertEquals(77, launcher.launch(STREAM, launcher.local(null), listener()).pid());
    assertEquals(List.of("hooks 77"), events);
    assertEquals("resume", sys.writtenTo(12), "the answer goes back on the sync socket");
  }

  @Test
  void hooksAreNeverRunWithoutTheContainersPid() {
    RecordingSyscalls sys = new RecordingSyscalls().replies("hooks", "pid 77", "ready");
    InitLauncher launcher = new InitLauncher(Path.of("/i"), sys);
    Internal e = assertThrows(Internal.class, () -> launcher.launch(STREAM, launcher.local(null), listener()));
    assertTrue(e.getMessage().contains("before reporting the container's pid"), e.getMessage());
    assertEquals(List.of(), events, "no hook ran");
    assertEquals(Set.of(), sys.open);
  }

  @Test
  void anInitErrorIsReportedWithItsOwnMessageAndWhatItStartedIsKilled() {
    RecordingSyscalls sys = new RecordingSyscalls().replies("pid 55",
        "error exec: \"nosuch\": executable file not found in $PATH");
    InitLauncher launcher = new InitLauncher(Path.of("/i"), sys);
    InvalidArgument e = assertThrows(InvalidArgument.class, () -> launcher.launch(STREAM, launcher.local(null),
        listener()));
    assertTrue(e.getMessage().contains("executable file not found"), e.getMessage());
    assertEquals(List.of(55, 1000), sys.killed, "the container process, then berth-init");
    assertEquals(Set.of(), sys.open);
  }

  @Test
  void anInitThatDiesSilentlyIsAnInternalError() {
    RecordingSyscalls sys = new RecordingSyscalls();
    InitLauncher launcher = new InitLauncher(Path.of("/i"), sys);
    Internal e = assertThrows(Internal.class, () -> launcher.launch(STREAM, launcher.local(null), listener()));
    assertTrue(e.getMessage().contains("exited without reporting a container process"), e.getMessage());
    assertEquals(Set.of(), sys.open);
  }

  @Test
  void anotherSpawnerStartsTheInitAndItsPidIsNotReapedHere() {
    RecordingSyscalls sys = new RecordingSyscalls().replies("ready", "pid 31");
    InitLauncher launcher = new InitLauncher(Path.of("/opt/init"), sys);
    List<String> spawned = new ArrayList<>();
    InitSpawner shim = (binary, streamFd, syncFd) -> {
      spawned.add(binary + " " + streamFd + " " + syncFd);
      return 500; // the shim's child: waitpid here fails with ECHILD, which is expected
    };
    assertEquals(31, launcher.launch(STREAM, shim, listener()).pid(), "the pid may come after ready");
    assertEquals(List.of("/opt/init 10 13"), spawned);
    assertTrue(sys.calls.stream().noneMatch(c -> c.startsWith("spawn")), "nothing spawned in this process");
  }
}
