package dev.berth.runtime.container;

import dev.berth.runtime.spec.Hooks;
import java.util.Map;

/**
 * What the runtime keeps of a container under {@code --root/<id>/state.json}. The status is not
 * stored: it is derived from the process and the exec fifo each time (see {@link Status}). The hooks
 * are kept as they were at create, as runc keeps its config: start and delete run those, without
 * reading (or trusting a later edit of) the bundle's config.json.
 */
public record ContainerState(
    String id,
    String bundle,
    String rootfs,
    int pid,
    long pidStartTime,
    String cgroupsPath,
    String created,
    String owner,
    Map<String, String> annotations,
    boolean creating,
    Hooks hooks) {

  public ContainerState(String id, String bundle, String rootfs, int pid, long pidStartTime, String cgroupsPath,
      String created, String owner, Map<String, String> annotations, boolean creating) {
    this(id, bundle, rootfs, pid, pidStartTime, cgroupsPath, created, owner, annotations, creating, null);
  }

  public ContainerState withPid(int newPid, long startTime) {
    return new ContainerState(id, bundle, rootfs, newPid, startTime, cgroupsPath, created, owner, annotations, false,
        hooks);
  }
}
