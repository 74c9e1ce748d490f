package dev.berth.runtime.spec;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The {@code linux} section of config.json. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Linux(
    List<LinuxNamespace> namespaces,
    List<LinuxIdMapping> uidMappings,
    List<LinuxIdMapping> gidMappings,
    Map<String, LinuxTimeOffset> timeOffsets,
    List<LinuxDevice> devices,
    String cgroupsPath,
    LinuxResources resources,
    String rootfsPropagation,
    LinuxSeccomp seccomp,
    Map<String, String> sysctl,
    List<String> maskedPaths,
    List<String> readonlyPaths,
    String mountLabel,
    LinuxPersonality personality) {

  static final Linux EMPTY =
      new Linux(null, null, null, null, null, null, null, null, null, null, null, null, null, null);

  @JsonIgnore
  public List<LinuxNamespace> namespacesOrEmpty() {
    return namespaces == null ? List.of() : namespaces;
  }

  public boolean hasNamespace(String type) {
    return namespace(type).isPresent();
  }

  public Optional<LinuxNamespace> namespace(String type) {
    return namespacesOrEmpty().stream().filter(n -> type.equals(n.type())).findFirst();
  }

  @JsonIgnore
  public List<LinuxIdMapping> uidMappingsOrEmpty() {
    return uidMappings == null ? List.of() : uidMappings;
  }

  @JsonIgnore
  public List<LinuxIdMapping> gidMappingsOrEmpty() {
    return gidMappings == null ? List.of() : gidMappings;
  }

  @JsonIgnore
  public List<LinuxDevice> devicesOrEmpty() {
    return devices == null ? List.of() : devices;
  }

  @JsonIgnore
  public Map<String, String> sysctlOrEmpty() {
    return sysctl == null ? Map.of() : sysctl;
  }

  @JsonIgnore
  public List<String> maskedPathsOrEmpty() {
    return maskedPaths == null ? List.of() : maskedPaths;
  }

  @JsonIgnore
  public List<String> readonlyPathsOrEmpty() {
    return readonlyPaths == null ? List.of() : readonlyPaths;
  }
}
