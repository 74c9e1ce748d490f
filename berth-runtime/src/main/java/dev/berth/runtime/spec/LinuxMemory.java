package dev.berth.runtime.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** {@code linux.resources.memory}; swap is memory+swap, as in the spec. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LinuxMemory(
    Long limit,
    Long reservation,
    Long swap,
    Long kernel,
    @JsonProperty("kernelTCP") Long kernelTCP,
    Long swappiness,
    @JsonProperty("disableOOMKiller") Boolean disableOOMKiller,
    Boolean useHierarchy,
    Boolean checkBeforeUpdate) {}
