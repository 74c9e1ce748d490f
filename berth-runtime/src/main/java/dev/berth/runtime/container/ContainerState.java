package dev.berth.runtime.container;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * What the runtime keeps of a container under {@code --root/<id>/state.json}. The status is not
 * stored: it is derived from the process and the exec fifo each time (see {@link Status}).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
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
    boolean creating) {

  public ContainerState withPid(int newPid, long startTime) {
    return new ContainerState(id, bundle, rootfs, newPid, startTime, cgroupsPath, created, owner, annotations, false);
  }
}
