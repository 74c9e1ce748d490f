package dev.berth.runtime.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;

/** {@code process.user}: who the container process runs as. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record User(
    Long uid,
    Long gid,
    Integer umask,
    List<Long> additionalGids,
    String username) {
  @JsonIgnore
  public long uidOrRoot() {
    return uid == null ? 0 : uid;
  }

  @JsonIgnore
  public long gidOrRoot() {
    return gid == null ? 0 : gid;
  }
}
