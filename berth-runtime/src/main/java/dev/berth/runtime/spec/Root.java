package dev.berth.runtime.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonIgnore;

/** {@code root}: the container's root filesystem, relative to the bundle or absolute. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Root(
    String path,
    Boolean readonly) {
  @JsonIgnore
  public boolean readonlyOrFalse() {
    return Boolean.TRUE.equals(readonly);
  }
}
