package dev.berth.runtime.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/** {@code linux.resources}: the cgroup limits of a container, also the body of `update --resources`. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LinuxResources(
    List<LinuxDeviceCgroup> devices,
    LinuxMemory memory,
    LinuxCpu cpu,
    LinuxPids pids,
    @JsonProperty("blockIO") LinuxBlockIo blockIO,
    List<LinuxHugepageLimit> hugepageLimits,
    LinuxNetwork network,
    Map<String, String> unified) {}
