package dev.berth.runtime.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonIgnore;

/** A device cgroup rule; null type/major/minor mean all ("a", "*"). */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LinuxDeviceCgroup(
    Boolean allow,
    String type,
    Long major,
    Long minor,
    String access) {
  @JsonIgnore
  public boolean allowed() {
    return Boolean.TRUE.equals(allow);
  }
}
