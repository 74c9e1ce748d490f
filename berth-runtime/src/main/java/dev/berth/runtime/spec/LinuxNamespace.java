package dev.berth.runtime.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonIgnore;

/** One {@code linux.namespaces} entry; a path joins an existing namespace. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LinuxNamespace(
    String type,
    String path) {
  @JsonIgnore
  public boolean joinsExisting() {
    return path != null && !path.isEmpty();
  }
}
