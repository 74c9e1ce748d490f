package dev.berth.runtime.hooks;

import dev.berth.common.error.Internal;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.ffm.ErrnoException;
import dev.berth.runtime.spec.Hook;
import dev.berth.runtime.sys.Syscalls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Runs the hooks that run in the runtime's namespaces (prestart, createRuntime, poststart, poststop):
 * each gets the container state on stdin, its own argv (argv[0] may differ from the path: dockerd's
 * libnetwork-setkey hook depends on it, so hooks are spawned directly, not through ProcessBuilder),
 * exactly its env, the working directory runc would give it (the bundle during create and run, the
 * caller's own during start and delete), and a process group of its own, killed whole at its
 * timeout so that nothing it started outlives it.
 */
public final class HookRunner {
  private static final int SIGKILL = 9;

  private HookRunner() {}

  /**
   * Runs {@code hooks} in order in the directory {@code cwd} (null: this process's), started and reaped
   * through {@code sys} (the runtime's caller's children); the first failure throws.
   */
  public static void run(Syscalls sys, String phase, List<Hook> hooks, byte[] stateJson, Path cwd) {
    if (hooks == null) {
      return;
    }
    for (Hook hook : hooks) {
      runOne(sys, phase, hook, stateJson, cwd);
    }
  }

  static void runOne(Syscalls sys, String phase, Hook hook, byte[] stateJson, Path cwd) {
    List<String> argv = hook.args() == null || hook.args().isEmpty() ? List.of(hook.path()) : hook.args();
    List<String> env = hook.env() == null ? List.of() : hook.env();
    int[] in = null;
    int[] err = null;
    try {
      in = sys.pipe();
      err = sys.pipe();
      int pid = sys.spawn(hook.path(), argv, env, Map.of(0, in[0], 1, err[1], 2, err[1]),
          cwd == null ? null : cwd.toString(), true);
      sys.close(in[0]);
      sys.close(err[1]);
      in[0] = err[1] = -1;
      // Read while the hook runs: a hook writing more than a pipe holds would otherwise block forever.
      OutputDrain output = new OutputDrain(sys, err[0]);
      err[0] = -1;
      Thread.startVirtualThread(output);
      try {
        sys.writeFully(in[1], stateJson);
      } catch (ErrnoException ignored) {
        // a hook need not read its stdin
      }
      sys.close(in[1]);
      in[1] = -1;
      int status = await(sys, pid, hook, phase);
      String text = output.text();
      if (status != 0) {
        int signal = status & 0x7f;
        throw new InvalidArgument(phase + " hook " + hook.path() + " failed with "
            + (signal == 0 ? "exit status " + ((status >> 8) & 0xff) : "signal " + signal)
            + (text.isEmpty() ? "" : ": " + text));
      }
    } catch (ErrnoException e) {
      throw new InvalidArgument(phase + " hook " + hook.path() + " could not be run: " + e.getMessage(), e);
    } finally {
      closeAll(sys, in);
      closeAll(sys, err);
    }
  }

  /**
   * Reads a hook's stdout and stderr to the end, keeping the first {@link #KEPT} bytes for the error
   * message. It owns the read end and closes it, so the fd is never closed under a pending read.
   */
  private static final class OutputDrain implements Runnable {
    private static final int KEPT = 4096;
    private final Syscalls sys;
    private final int fd;
    private final java.io.ByteArrayOutputStream kept = new java.io.ByteArrayOutputStream();
    private final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);

    OutputDrain(Syscalls sys, int fd) {
      this.sys = sys;
      this.fd = fd;
    }

    @Override
    public void run() {
      try {
        for (byte[] chunk; (chunk = sys.recv(fd, 8192)).length > 0; ) {
          synchronized (kept) {
            kept.write(chunk, 0, Math.min(chunk.length, KEPT - kept.size()));
          }
        }
      } catch (ErrnoException ignored) {
        // what was read so far is all the message there is
      } finally {
        sys.close(fd);
        done.countDown();
      }
    }

    /** The output so far; waits briefly for the end, which a child the hook left running may hold back. */
    String text() {
      try {
        done.await(1, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      synchronized (kept) {
        return kept.toString(StandardCharsets.UTF_8).trim();
      }
    }
  }

  private static int await(Syscalls sys, int pid, Hook hook, String phase) throws ErrnoException {
    long timeoutMs = hook.timeout() == null ? 0 : hook.timeout() * 1000L;
    long deadline = System.currentTimeMillis() + timeoutMs;
    for (;;) {
      int status = sys.waitpid(pid, timeoutMs > 0);
      if (status != -1) {
        return status;
      }
      if (System.currentTimeMillis() > deadline) {
        sys.kill(-pid, SIGKILL);
        sys.kill(pid, SIGKILL);
        sys.waitpid(pid, false);
        throw new InvalidArgument(phase + " hook " + hook.path() + " timed out after " + hook.timeout() + "s");
      }
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Internal("interrupted while running " + phase + " hook " + hook.path(), e);
      }
    }
  }

  private static void closeAll(Syscalls sys, int[] fds) {
    if (fds != null) {
      for (int fd : fds) {
        if (fd >= 0) {
          sys.close(fd);
        }
      }
    }
  }
}
