package dev.berth.runtime.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/** A per-device block IO rate limit (bytes or operations per second). */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LinuxThrottleDevice(
    Long major,
    Long minor,
    Long rate) {}
