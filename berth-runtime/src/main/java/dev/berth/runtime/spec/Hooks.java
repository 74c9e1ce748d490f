package dev.berth.runtime.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;

/** {@code hooks}: the six kinds of lifecycle hooks. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Hooks(
    List<Hook> prestart,
    List<Hook> createRuntime,
    List<Hook> createContainer,
    List<Hook> startContainer,
    List<Hook> poststart,
    List<Hook> poststop) {
  /** Every hook of every kind, in the order above: what the validator walks. */
  @JsonIgnore
  public List<Hook> all() {
    List<Hook> all = new java.util.ArrayList<>();
    for (List<Hook> kind :
        java.util.Arrays.asList(prestart, createRuntime, createContainer, startContainer, poststart, poststop)) {
      if (kind != null) {
        all.addAll(kind);
      }
    }
    return all;
  }
}
