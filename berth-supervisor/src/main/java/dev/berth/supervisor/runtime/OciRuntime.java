package dev.berth.supervisor.runtime;

import dev.berth.common.error.Internal;
import dev.berth.common.error.Unavailable;
import dev.berth.runtime.ContainerRuntime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A runc-compatible runtime binary and the {@code --root} the supervisor gives it. The shim runs its
 * create, start and exec; the supervisor runs the rest. Berth's own runtime is also a library: for
 * it, all of that runs in-process, with no program start.
 *
 * @param name what clients call it ("berth", "runc") or its path
 * @param library the same runtime in-process, or null for a binary known only by its command line
 */
public record OciRuntime(String name, Path binary, Path root, ContainerRuntime library) {
  private static final long TIMEOUT_SECONDS = 60;

  /**
   * {@code delete --force}: removes the runtime's state and cgroup of an exited (or stuck) container.
   * A container the runtime no longer knows is already deleted (a delete cut short after this step).
   */
  public void delete(String id) {
    if (!java.nio.file.Files.exists(root.resolve(id))) return;
    if (library != null) {
      library.delete(id, true);
      return;
    }
    run("delete", "--force", id);
  }

  /**
   * Whether this runtime creates, starts and execs in-process (through {@link #library}, berth-init
   * started by the shim); if not, the shim runs the binary's {@code create}, {@code start} and
   * {@code exec}.
   */
  public boolean inProcess() {
    return library != null;
  }

  /** Signals the container's processes directly, without its shim (used when the shim is gone). */
  public void kill(String id, int signal) {
    if (library != null) {
      library.kill(id, signal, true);
      return;
    }
    run("kill", "--all", id, Integer.toString(signal));
  }

  /** Applies OCI linux.resources JSON to the running container's cgroup. */
  public void update(String id, byte[] resources) {
    if (library != null) {
      library.update(id, dev.berth.runtime.spec.SpecLoader.parseResources(resources, "update"));
      return;
    }
    java.nio.file.Path file = null;
    try {
      file = java.nio.file.Files.createTempFile(root, ".update-", ".json");
      java.nio.file.Files.write(file, resources);
      run("update", "--resources", file.toString(), id);
    } catch (IOException e) {
      throw new Internal("cannot pass resources to " + name + ": " + e.getMessage(), e);
    } finally {
      if (file != null) {
        try {
          java.nio.file.Files.deleteIfExists(file);
        } catch (IOException ignored) {
          // a temp file under the runtime's root; the next update or delete leaves it harmless
        }
      }
    }
  }

  /** Freezes every process of the container (the freezer cgroup). */
  public void pause(String id) {
    if (library != null) {
      library.pause(id);
      return;
    }
    run("pause", id);
  }

  public void resume(String id) {
    if (library != null) {
      library.resume(id);
      return;
    }
    run("resume", id);
  }

  /** The pids of the container's processes, as the host sees them. */
  public List<Integer> pids(String id) {
    if (library != null) return library.pids(id);
    String out = run("ps", "--format", "json", id).strip();
    List<Integer> pids = new ArrayList<>();
    for (String n : out.replaceAll("[\\[\\]\\s]", "").split(",")) {
      if (!n.isEmpty()) pids.add(Integer.parseInt(n));
    }
    return pids;
  }

  /** The container's cgroup counters: the library's own reading, or {@code events --stats} of a binary. */
  public dev.berth.supervisor.api.v1.TaskMetrics metrics(String id) {
    if (library != null) return RuntimeMetrics.of(library.stats(id));
    return RuntimeMetrics.ofEventsJson(run("events", "--stats", id));
  }

  private String run(String... args) {
    List<String> command = new ArrayList<>(List.of(binary.toString(), "--root", root.toString()));
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new Unavailable(name + " " + args[0] + " did not finish within " + TIMEOUT_SECONDS + " s");
      }
      if (p.exitValue() != 0) {
        String message = new String(out, StandardCharsets.UTF_8).strip();
        throw new Internal(name + " " + String.join(" ", args) + " failed: " + message);
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new Unavailable("cannot run " + binary + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted while running " + name + " " + args[0], e);
    }
  }
}
