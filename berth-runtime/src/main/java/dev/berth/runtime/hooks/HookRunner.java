package dev.berth.runtime.hooks;

import dev.berth.common.error.Internal;
import dev.berth.common.error.InvalidArgument;
import dev.berth.runtime.spec.Hook;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the hooks that run in the runtime's namespaces (prestart, createRuntime, poststart, poststop):
 * each gets the container state on stdin, its own args and env, and is killed at its timeout.
 */
public final class HookRunner {
  private HookRunner() {}

  public static void run(String phase, List<Hook> hooks, byte[] stateJson) {
    if (hooks == null) {
      return;
    }
    for (Hook hook : hooks) {
      runOne(phase, hook, stateJson);
    }
  }

  private static void runOne(String phase, Hook hook, byte[] stateJson) {
    List<String> command = new ArrayList<>();
    command.add(hook.path());
    if (hook.args() != null && hook.args().size() > 1) {
      command.addAll(hook.args().subList(1, hook.args().size()));
    }
    ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.PIPE);
    pb.environment().clear();
    if (hook.env() != null) {
      for (String kv : hook.env()) {
        int eq = kv.indexOf('=');
        if (eq > 0) {
          pb.environment().put(kv.substring(0, eq), kv.substring(eq + 1));
        }
      }
    }
    try {
      Process p = pb.start();
      try (OutputStream in = p.getOutputStream()) {
        in.write(stateJson);
      } catch (IOException ignored) {
        // a hook need not read its stdin
      }
      long timeout = hook.timeout() == null ? 0 : hook.timeout();
      boolean done = timeout > 0 ? p.waitFor(timeout, TimeUnit.SECONDS) : p.waitFor() >= 0;
      if (!done) {
        p.destroyForcibly().waitFor();
        throw new InvalidArgument(phase + " hook " + hook.path() + " timed out after " + timeout + "s");
      }
      if (p.exitValue() != 0) {
        String err = new String(p.getErrorStream().readAllBytes()).trim();
        throw new InvalidArgument(phase + " hook " + hook.path() + " failed with exit status " + p.exitValue()
            + (err.isEmpty() ? "" : ": " + err));
      }
    } catch (IOException e) {
      throw new InvalidArgument(phase + " hook " + hook.path() + " could not be run: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Internal("interrupted while running " + phase + " hook " + hook.path(), e);
    }
  }
}
