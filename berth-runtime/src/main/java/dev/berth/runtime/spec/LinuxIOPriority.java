package dev.berth.runtime.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** {@code process.ioPriority}: class IOPRIO_CLASS_RT/BE/IDLE and level. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LinuxIOPriority(
    @JsonProperty("class") String ioClass,
    Integer priority) {}
