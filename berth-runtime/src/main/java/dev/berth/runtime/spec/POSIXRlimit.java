package dev.berth.runtime.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/** One {@code process.rlimits} entry: an RLIMIT_* type and its limits. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record POSIXRlimit(
    String type,
    Long hard,
    Long soft) {}
