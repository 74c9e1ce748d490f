package dev.berth.runtime.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** {@code linux.personality}: execution domain (LINUX or LINUX32) and flags. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LinuxPersonality(
    String domain,
    List<String> flags) {}
