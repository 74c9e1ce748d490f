package dev.berth.runtime.spec;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * An OCI runtime bundle's config.json (runtime spec v1.3). Absent fields are null; unknown fields are
 * ignored, as the spec requires.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Spec(
    String ociVersion,
    Process process,
    Root root,
    String hostname,
    String domainname,
    List<Mount> mounts,
    Hooks hooks,
    Map<String, String> annotations,
    Linux linux) {

  /** The OCI runtime spec version Berth writes and implements. */
  public static final String OCI_VERSION = "1.3.0";

  @JsonIgnore
  public List<Mount> mountsOrEmpty() {
    return mounts == null ? List.of() : mounts;
  }

  /** The linux section, or an empty one: saves every caller a null check. */
  @JsonIgnore
  public Linux linuxOrEmpty() {
    return linux == null ? Linux.EMPTY : linux;
  }

  @JsonIgnore
  public Map<String, String> annotationsOrEmpty() {
    return annotations == null ? Map.of() : annotations;
  }
}
