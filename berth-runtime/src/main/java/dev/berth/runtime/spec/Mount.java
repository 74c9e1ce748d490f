package dev.berth.runtime.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;

/** One {@code mounts} entry. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Mount(
    String destination,
    String type,
    String source,
    List<String> options,
    List<LinuxIdMapping> uidMappings,
    List<LinuxIdMapping> gidMappings) {
  @JsonIgnore
  public List<String> optionsOrEmpty() {
    return options == null ? List.of() : options;
  }
}
