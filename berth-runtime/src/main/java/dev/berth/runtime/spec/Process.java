package dev.berth.runtime.spec;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** {@code process} of config.json, also the body of `exec --process`. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Process(
    Boolean terminal,
    Box consoleSize,
    User user,
    List<String> args,
    String commandLine,
    List<String> env,
    String cwd,
    LinuxCapabilities capabilities,
    List<POSIXRlimit> rlimits,
    Boolean noNewPrivileges,
    String apparmorProfile,
    Integer oomScoreAdj,
    String selinuxLabel,
    LinuxIOPriority ioPriority,
    Scheduler scheduler,
    @JsonProperty("execCPUAffinity") CPUAffinity execCPUAffinity) {

  @JsonIgnore
  public boolean terminalOrFalse() {
    return Boolean.TRUE.equals(terminal);
  }

  @JsonIgnore
  public boolean noNewPrivilegesOrFalse() {
    return Boolean.TRUE.equals(noNewPrivileges);
  }

  @JsonIgnore
  public List<String> envOrEmpty() {
    return env == null ? List.of() : env;
  }

  @JsonIgnore
  public List<POSIXRlimit> rlimitsOrEmpty() {
    return rlimits == null ? List.of() : rlimits;
  }

  public Process withArgs(List<String> newArgs) {
    return new Process(terminal, consoleSize, user, newArgs, commandLine, env, cwd, capabilities, rlimits,
        noNewPrivileges, apparmorProfile, oomScoreAdj, selinuxLabel, ioPriority, scheduler, execCPUAffinity);
  }

  public Process withEnv(List<String> newEnv) {
    return new Process(terminal, consoleSize, user, args, commandLine, newEnv, cwd, capabilities, rlimits,
        noNewPrivileges, apparmorProfile, oomScoreAdj, selinuxLabel, ioPriority, scheduler, execCPUAffinity);
  }

  public Process withCwd(String newCwd) {
    return new Process(terminal, consoleSize, user, args, commandLine, env, newCwd, capabilities, rlimits,
        noNewPrivileges, apparmorProfile, oomScoreAdj, selinuxLabel, ioPriority, scheduler, execCPUAffinity);
  }

  public Process withUser(User newUser) {
    return new Process(terminal, consoleSize, newUser, args, commandLine, env, cwd, capabilities, rlimits,
        noNewPrivileges, apparmorProfile, oomScoreAdj, selinuxLabel, ioPriority, scheduler, execCPUAffinity);
  }

  public Process withTerminal(boolean newTerminal, Box newConsoleSize) {
    return new Process(newTerminal, newConsoleSize, user, args, commandLine, env, cwd, capabilities, rlimits,
        noNewPrivileges, apparmorProfile, oomScoreAdj, selinuxLabel, ioPriority, scheduler, execCPUAffinity);
  }
}
