package dev.berth.runtime.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/** One {@code linux.devices} entry: a device node to create in the container. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LinuxDevice(
    String path,
    String type,
    Long major,
    Long minor,
    Integer fileMode,
    Long uid,
    Long gid) {}
