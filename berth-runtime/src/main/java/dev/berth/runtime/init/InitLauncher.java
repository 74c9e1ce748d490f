package dev.berth.runtime.init;

import dev.berth.common.error.BerthException;
import dev.berth.common.error.Internal;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.ffm.ErrnoException;
import dev.berth.common.io.NativePrograms;
import dev.berth.runtime.sys.Syscalls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts berth-init and talks to it: fd 3 carries the instruction stream, fd 4 the sync socket (see
 * berth-native/init/main.c for the protocol). Returns once the container process is set up, or
 * throws with the init's own message after killing whatever it started.
 */
public final class InitLauncher {
  /** berth-init's fd of the first extra fd a spawner passes (3 is the stream, 4 the sync socket). */
  public static final int FIRST_EXTRA_FD = 5;
  private static final int SIGKILL = 9;

  private final Path initBinary;
  private final Syscalls sys;

  public InitLauncher(Path initBinary, Syscalls sys) {
    this.initBinary = initBinary;
    this.sys = sys;
  }

  /** The container process, by its pid in the runtime's pid namespace. */
  public record LaunchedProcess(int pid) {}

  /**
   * Told when the container process waits before pivot_root for the prestart/createRuntime hooks (the
   * stream asked it to). The init joins the container's cgroup itself ({@code SelfPlacement}).
   */
  @FunctionalInterface
  public interface Listener {
    void pausedForHooks(int containerPid);
  }

  /** berth-init beside the launchers, or in the build tree when running from the sources. */
  public static Path locate() {
    return NativePrograms.locate("berth-init", "berth.init");
  }

  /**
   * Starts berth-init as a child of this process. {@code stdio} maps container fds 0-2 to fds of this
   * process; null inherits this process's own stdio.
   */
  public InitSpawner local(Map<Integer, Integer> stdio) {
    return new InitSpawner() {
      @Override
      public int spawn(Path binary, int streamFd, int syncFd) throws ErrnoException {
        return spawn(binary, streamFd, syncFd, List.of());
      }

      @Override
      public int spawn(Path binary, int streamFd, int syncFd, List<Integer> extraFds) throws ErrnoException {
        Map<Integer, Integer> fds = new HashMap<>(stdio == null ? Map.of() : stdio);
        fds.put(3, streamFd);
        fds.put(4, syncFd);
        for (int i = 0; i < extraFds.size(); i++) {
          fds.put(FIRST_EXTRA_FD + i, extraFds.get(i));
        }
        return sys.spawn(binary.toString(), List.of("berth-init"), List.of(), fds);
      }
    };
  }

  /** Launches the init with {@code stream}, started by {@code spawner}. */
  public LaunchedProcess launch(byte[] stream, InitSpawner spawner, Listener listener) {
    return launch(stream, spawner, List.of(), listener);
  }

  /**
   * Launches the init with {@code stream}, started by {@code spawner} with {@code extraFds} on its fds
   * {@link #FIRST_EXTRA_FD}, +1, … (the stream refers to them by those numbers).
   */
  public LaunchedProcess launch(byte[] stream, InitSpawner spawner, List<Integer> extraFds, Listener listener) {
    int[] pipe = null;
    int[] sync = null;
    int initPid = -1;
    // Set as soon as the init reports it, so that a failure afterwards still kills that process.
    int[] containerPid = {-1};
    try {
      pipe = sys.pipe();
      sync = sys.seqpacketPair();
      initPid = spawner.spawn(initBinary, pipe[0], sync[1], extraFds);
      sys.close(pipe[0]);
      sys.close(sync[1]);
      pipe[0] = sync[1] = -1;
      sys.writeFully(pipe[1], stream);
      sys.close(pipe[1]);
      pipe[1] = -1;
      converse(sync[0], listener, containerPid);
      reap(initPid);
      return new LaunchedProcess(containerPid[0]);
    } catch (ErrnoException e) {
      cleanUp(initPid, containerPid[0]);
      throw new Internal("cannot start berth-init: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      cleanUp(initPid, containerPid[0]);
      throw e;
    } finally {
      closeAll(pipe);
      closeAll(sync);
    }
  }

  /** Talks the init through its set-up; {@code containerPid[0]} holds the pid once reported. */
  private void converse(int syncFd, Listener listener, int[] containerPid) throws ErrnoException {
    for (;;) {
      byte[] msg = sys.recv(syncFd, 8192);
      if (msg.length == 0) {
        throw new Internal(containerPid[0] < 0
            ? "berth-init exited without reporting a container process"
            : "the container process exited during set-up");
      }
      String text = new String(msg, StandardCharsets.UTF_8);
      if (text.startsWith("pid ")) {
        containerPid[0] = Integer.parseInt(text.substring(4).trim());
      } else if (text.equals("hooks")) {
        if (containerPid[0] < 0) {
          throw new Internal("berth-init paused for the hooks before reporting the container's pid");
        }
        listener.pausedForHooks(containerPid[0]);
        sys.writeFully(syncFd, "resume".getBytes(StandardCharsets.UTF_8));
      } else if (text.equals("ready")) {
        if (containerPid[0] < 0) {
          containerPid[0] = awaitPid(syncFd);
        }
        return;
      } else if (text.startsWith("error ")) {
        throw classify(text.substring(6), containerPid[0]);
      } else {
        throw new Internal("berth-init sent an unknown message: " + text);
      }
    }
  }

  /** The child may report "ready" before the parent half reported its pid. */
  private int awaitPid(int syncFd) throws ErrnoException {
    byte[] msg = sys.recv(syncFd, 8192);
    String text = new String(msg, StandardCharsets.UTF_8);
    if (!text.startsWith("pid ")) {
      throw new Internal("berth-init did not report the container's pid");
    }
    return Integer.parseInt(text.substring(4).trim());
  }

  private static BerthException classify(String message, int containerPid) {
    boolean userError = message.startsWith("exec: ") || message.startsWith("createContainer hook ")
        || message.contains("escapes the rootfs")
        || message.contains("no such file or directory") || message.contains("Not a directory")
        || message.contains("No such file or directory");
    return userError ? new InvalidArgument(message) : new Internal("container init failed: " + message);
  }

  /** berth-init's parent half; not our child when another process (a shim) started it, which reaps it then. */
  private void reap(int pid) {
    try {
      sys.waitpid(pid, false);
    } catch (ErrnoException e) {
      // Already reaped, or not our child: nothing to collect.
    }
  }

  private void cleanUp(int initPid, int containerPid) {
    for (int pid : new int[] {containerPid, initPid}) {
      if (pid > 0) {
        try {
          sys.kill(pid, SIGKILL);
        } catch (ErrnoException ignored) {
          // gone already
        }
      }
    }
    if (initPid > 0) {
      reap(initPid);
    }
    if (containerPid > 0) {
      try {
        sys.waitpid(containerPid, false);
      } catch (ErrnoException ignored) {
        // not our child unless we are its subreaper
      }
    }
  }

  private void closeAll(int[] fds) {
    if (fds == null) {
      return;
    }
    for (int fd : fds) {
      if (fd >= 0) {
        sys.close(fd);
      }
    }
  }
}
