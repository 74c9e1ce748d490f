package dev.berth.runtime.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** {@code process.scheduler}: sched_setattr(2) parameters. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Scheduler(
    String policy,
    Integer nice,
    Integer priority,
    List<String> flags,
    Long runtime,
    Long deadline,
    Long period) {}
