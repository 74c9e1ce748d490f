package dev.berth.runtime.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** A uid or gid mapping of a user namespace (or of an idmapped mount). */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LinuxIdMapping(
    @JsonProperty("containerID") Long containerID,
    @JsonProperty("hostID") Long hostID,
    Long size) {}
