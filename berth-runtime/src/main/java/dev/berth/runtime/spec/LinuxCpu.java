package dev.berth.runtime.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/** {@code linux.resources.cpu}. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LinuxCpu(
    Long shares,
    Long quota,
    Long burst,
    Long period,
    Long realtimeRuntime,
    Long realtimePeriod,
    String cpus,
    String mems,
    Long idle) {}
