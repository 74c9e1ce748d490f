package dev.berth.runtime.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/** A comparison of one syscall argument (op is SCMP_CMP_*). */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LinuxSeccompArg(
    Integer index,
    Long value,
    Long valueTwo,
    String op) {}
