package dev.berth.runtime.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** A seccomp rule: an action for some syscalls, optionally only when the args match. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LinuxSyscall(
    List<String> names,
    String action,
    Integer errnoRet,
    List<LinuxSeccompArg> args) {}
