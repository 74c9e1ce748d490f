package dev.berth.supervisor.task;

import java.nio.file.Path;

/**
 * Where a container's task lives. The bundle (config.json and the mounted rootfs) is under the exec
 * root and goes with the task; the task dir (the shim's state: socket, pids, log, exit status) is
 * under the data root and outlives the task, so logs and the exit status survive until the container
 * is removed.
 */
public record TaskLayout(Path bundles, Path tasks) {
  public Path bundle(String id) {
    return bundles.resolve(id);
  }

  public Path rootfs(String id) {
    return bundle(id).resolve("rootfs");
  }

  public Path taskDir(String id) {
    return tasks.resolve(id);
  }
}
